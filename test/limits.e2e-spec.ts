import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { SitesRepository } from '../src/sites';
import { Ack } from './support/chat-client';
import { startLiveApp } from './support/live-clients';
import { scriptedPolicy } from './support/scripted-policy';

/**
 * Size limits, rate limits (HTTP per IP and route group; socket events per IP and per session),
 * allowed widget origins per site, unknown site keys in production, CORS and security headers:
 * all through the real HTTP and socket.io surfaces. Each client speaks from its own address
 * (X-Forwarded-For behind TRUST_PROXY_HOPS=1), so the budgets of one case never touch another's.
 */
type Live = Awaited<ReturnType<typeof startLiveApp>>;

const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

function opened(live: Live, namespace: string, { ip, origin, auth }: { ip: string; origin?: string; auth?: Record<string, string> }): Promise<Socket> {
  const extraHeaders: Record<string, string> = { 'x-forwarded-for': ip, ...(origin ? { origin } : {}) };
  const socket = io(`${live.url}${namespace}`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders, auth });
  live.sockets.push(socket);
  return new Promise((resolve, reject) => socket.once('connect', () => resolve(socket)).once('connect_error', reject));
}
const ask = (socket: Socket, event: string, payload?: unknown) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack>;
const count = async (live: Live, sql: string, params: unknown[] = []) => Number((await live.sql(sql, params))[0].count);
const expectRefused = (res: request.Response, status: number, code: string) => {
  expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status, keys: ['code', 'message'], code });
};

describe('limits in production (NODE_ENV=production)', () => {
  let live: Live;

  beforeAll(async () => {
    live = await startLiveApp(
      'limits',
      {
        replyPolicy: scriptedPolicy(),
        env: {
          NODE_ENV: 'production',
          TRUST_PROXY_HOPS: '1',
          RATE_LIMIT_ADMIN: '3',
          RATE_LIMIT_WEBHOOK: '2',
          RATE_LIMIT_HTTP: '4',
          SOCKET_RATE_IP: '1',
          SOCKET_BURST_IP: '10',
          SOCKET_RATE_SESSION: '1',
          SOCKET_BURST_SESSION: '3',
          SOCKET_MAX_MESSAGE_BYTES: '8192',
        },
      },
      { admin: 'admin' },
    );
    const sites = live.app.get(SitesRepository);
    await sites.create('shop', 'Shop', undefined, [SHOP]);
    await sites.create('rasa', 'Rasa front end', undefined, [SHOP]);
  });
  afterAll(() => live.close());

  describe('HTTP rate limits per IP and route group: 429 { code: rate_limited } with Retry-After', () => {
    const admin = (ip: string, key = live.keys.admin.key) => request(live.app.getHttpServer()).get('/api/v1/admin/sessions').set('authorization', `Bearer ${key}`).set('x-forwarded-for', ip);

    it('the admin API: the budget is per address, and bad keys spend it too', async () => {
      for (let i = 0; i < 3; i++) expect((await admin('203.0.113.1')).status).toBe(200);
      const refused = await admin('203.0.113.1');
      expectRefused(refused, 429, 'rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Another address has its own budget.
      expect((await admin('203.0.113.2')).status).toBe(200);
      // Checked before the API key: guessing keys is limited as well.
      for (let i = 0; i < 3; i++) expectRefused(await admin('203.0.113.3', 'ck_wrong'), 401, 'unauthorized');
      expectRefused(await admin('203.0.113.3', 'ck_wrong'), 429, 'rate_limited');
    });

    it('the conversions webhook and the other routes have budgets of their own', async () => {
      const webhook = () => request(live.app.getHttpServer()).post('/api/v1/conversions').set('x-forwarded-for', '203.0.113.4').send({});
      for (let i = 0; i < 2; i++) expectRefused(await webhook(), 401, 'missing_signature');
      expectRefused(await webhook(), 429, 'rate_limited');
      // The same address still reaches the admin API and the health check.
      expect((await admin('203.0.113.4')).status).toBe(200);
      const health = () => request(live.app.getHttpServer()).get('/health').set('x-forwarded-for', '203.0.113.4');
      for (let i = 0; i < 4; i++) expect((await health()).status).toBe(200);
      expectRefused(await health(), 429, 'rate_limited');
    });
  });

  describe('socket events: a token bucket per IP and per session', () => {
    it('past the session budget, events are refused with rate_limited and nothing is stored for them', async () => {
      const socket = await opened(live, '/chat', { ip: '198.51.100.1', origin: SHOP });
      const heard: { code: string; event: string }[] = [];
      socket.on('chat:error', (e) => heard.push(e));
      const { sessionId } = await ask(socket, 'session:start', { siteKey: 'shop' });
      const acks = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => ask(socket, 'message:send', { clientMessageId: `m${i}`, text: `hello ${i}` })));
      const accepted = acks.filter((a) => a.ok);
      const refused = acks.filter((a) => !a.ok);
      // The session's bucket holds 3 (the start was the socket's, before it had a session).
      expect(accepted).toHaveLength(3);
      for (const a of refused) expect(a).toEqual({ ok: false, error: { code: 'rate_limited', message: expect.stringMatching(/^too many events; retry in \d+ s$/), retryAfterMs: expect.any(Number) } });
      expect(heard.filter((e) => e.code === 'rate_limited').map((e) => e.event)).toEqual(['message:send', 'message:send', 'message:send']);
      expect(await count(live, `SELECT count(*) FROM turns WHERE session_id = $1 AND role = 'visitor'`, [sessionId])).toBe(3);
      // The bucket refills (1 a second): the session goes on.
      await new Promise((r) => setTimeout(r, 1100));
      expect((await ask(socket, 'message:send', { clientMessageId: 'later', text: 'still here' })).ok).toBe(true);
    });

    it('an address shares one budget over its sockets and handshakes; other addresses are not affected', async () => {
      const ip = '198.51.100.2';
      // 3 handshakes and 3 × 3 unknown events: more than the address's 10, though no socket spends more than its own 3.
      const sockets = [await opened(live, '/chat', { ip }), await opened(live, '/chat', { ip }), await opened(live, '/chat', { ip })];
      const codes = (await Promise.all(sockets.flatMap((s) => [1, 2, 3].map(() => ask(s, 'no:such:event'))))).map((a) => a.error?.code);
      expect(codes.filter((c) => c === 'unknown_event')).toHaveLength(7);
      expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(2);
      // The address's bucket is empty: a new connection from it is refused at the handshake.
      await expect(opened(live, '/chat', { ip })).rejects.toThrow();
      const other = await opened(live, '/chat', { ip: '198.51.100.3', origin: SHOP });
      expect((await ask(other, 'session:start', { siteKey: 'shop' })).ok).toBe(true);
    });

    it('the Rasa channel and the /admin namespace are limited the same way', async () => {
      const rasa = await opened(live, '', { ip: '198.51.100.4', origin: SHOP });
      const rasaErrors: { code: string }[] = [];
      rasa.on('chat:error', (e) => rasaErrors.push(e));
      const replies: unknown[] = [];
      rasa.on('bot_uttered', (m) => replies.push(m));
      for (let i = 0; i < 5; i++) rasa.emit('user_uttered', { message: `hi ${i}`, session_id: 'rasa-flood' });
      await new Promise((r) => setTimeout(r, 500));
      expect(rasaErrors.map((e) => e.code)).toEqual(['rate_limited', 'rate_limited']);
      expect(replies).toHaveLength(3);
      expect(await count(live, `SELECT count(*) FROM turns t JOIN chat_sessions s ON s.id = t.session_id WHERE s.metadata->>'rasaSessionId' = 'rasa-flood' AND t.role = 'visitor'`)).toBe(3);

      const dashboard = await opened(live, '/admin', { ip: '198.51.100.5', auth: { key: live.keys.admin.key } });
      const codes = (await Promise.all([1, 2, 3, 4, 5].map(() => ask(dashboard, 'session:watch', { sessionId: '00000000-0000-4000-8000-000000000000' })))).map((a) => a.error?.code);
      expect(codes).toEqual(['unknown_session', 'unknown_session', 'unknown_session', 'rate_limited', 'rate_limited']);
    });
  });

  describe('size limits', () => {
    it('a text over 8000 characters is refused; a frame over SOCKET_MAX_MESSAGE_BYTES closes only its own connection', async () => {
      const socket = await opened(live, '/chat', { ip: '198.51.100.6', origin: SHOP });
      await ask(socket, 'session:start', { siteKey: 'shop' });
      expect(await ask(socket, 'message:send', { clientMessageId: 'long', text: 'x'.repeat(8001) })).toMatchObject({ ok: false, error: { code: 'text_too_long' } });
      const bystander = await opened(live, '/chat', { ip: '198.51.100.7', origin: SHOP });
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      socket.emit('message:send', { clientMessageId: 'huge', text: 'x'.repeat(9000) });
      expect(await closed).toBe('transport close');
      expect(await ask(bystander, 'session:start', { siteKey: 'shop' })).toMatchObject({ ok: true });
      expect(await count(live, `SELECT count(*) FROM turns WHERE client_message_id IN ('long', 'huge')`)).toBe(0);
    });

    it('an HTTP body over 100 kB is refused with 413 payload_too_large', async () => {
      const res = await request(live.app.getHttpServer()).post('/api/v1/admin/api-keys').set('x-forwarded-for', '203.0.113.9').set('authorization', `Bearer ${live.keys.admin.key}`).send({ name: 'x'.repeat(110_000), role: 'viewer' });
      expectRefused(res, 413, 'payload_too_large');
    });
  });

  describe('sites: unknown keys refused, widget origins per site', () => {
    it('an unknown site key starts no session (widget and Rasa): unknown_site', async () => {
      const before = await count(live, `SELECT count(*) FROM chat_sessions`);
      const socket = await opened(live, '/chat', { ip: '198.51.100.10' });
      expect(await ask(socket, 'session:start', { siteKey: 'no-such-site' })).toEqual({ ok: false, error: { code: 'unknown_site', message: 'no site is registered with the key "no-such-site"' } });
      const rasa = await opened(live, '', { ip: '198.51.100.10' });
      const errors: { code: string }[] = [];
      rasa.on('chat:error', (e) => errors.push(e));
      rasa.emit('session_request', { session_id: 'unknown-site-1', customData: { siteKey: 'no-such-site' } });
      rasa.emit('user_uttered', { message: 'hello', session_id: 'unknown-site-2', customData: { siteKey: 'no-such-site' } });
      await new Promise((r) => setTimeout(r, 300));
      // The second message spoke for the default site `rasa`, registered with an origin list: a client with no Origin is held only to the key.
      expect(errors.map((e) => e.code)).toEqual(['unknown_site']);
      expect(await count(live, `SELECT count(*) FROM chat_sessions WHERE site_key = 'no-such-site'`)).toBe(0);
      expect(await count(live, `SELECT count(*) FROM chat_sessions`)).toBe(before + 1);
    });

    it("session:start from a page the site does not list is refused with origin_not_allowed; the site's own origin and non-browser clients start", async () => {
      await live.app.get(SitesRepository).create('open', 'Open site');
      const shopPage = await opened(live, '/chat', { ip: '198.51.100.11', origin: SHOP });
      expect(await ask(shopPage, 'session:start', { siteKey: 'shop' })).toMatchObject({ ok: true });
      // Reachable (the site `open` allows any origin), but not allowed to chat as `shop`.
      const evilPage = await opened(live, '/chat', { ip: '198.51.100.12', origin: EVIL });
      const before = await count(live, `SELECT count(*) FROM chat_sessions WHERE site_key = 'shop'`);
      expect(await ask(evilPage, 'session:start', { siteKey: 'shop' })).toEqual({ ok: false, error: { code: 'origin_not_allowed', message: `the widget of site "shop" may not run on ${EVIL}` } });
      expect(await count(live, `SELECT count(*) FROM chat_sessions WHERE site_key = 'shop'`)).toBe(before);
      expect(await ask(evilPage, 'session:start', { siteKey: 'open' })).toMatchObject({ ok: true });
      const server = await opened(live, '/chat', { ip: '198.51.100.13' });
      expect(await ask(server, 'session:start', { siteKey: 'shop' })).toMatchObject({ ok: true });
      const rasaEvil = await opened(live, '', { ip: '198.51.100.14', origin: EVIL });
      const errors: { code: string }[] = [];
      rasaEvil.on('chat:error', (e) => errors.push(e));
      rasaEvil.emit('session_request', { session_id: 'rasa-evil', customData: { siteKey: 'shop' } });
      await new Promise((r) => setTimeout(r, 200));
      expect(errors.map((e) => e.code)).toEqual(['origin_not_allowed']);
    });

    it('CORS and the handshake follow the sites: no site allows a page → no CORS, handshake refused; the admin API is never CORS-open', async () => {
      await live.app.get(SitesRepository).setAllowedOrigins('open', ['https://open.example']);
      const http = live.app.getHttpServer();
      const poll = (origin: string, ip: string) => request(http).get('/socket.io/?EIO=4&transport=polling').set('origin', origin).set('x-forwarded-for', ip);
      const allowed = await poll(SHOP, '198.51.100.20');
      expect(allowed.status).toBe(200);
      expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
      const refused = await poll(EVIL, '198.51.100.21');
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      await expect(opened(live, '/chat', { ip: '198.51.100.22', origin: EVIL })).rejects.toThrow();
      // The server's own pages (the dashboard) always connect.
      await opened(live, '/admin', { ip: '198.51.100.23', origin: live.url, auth: { key: live.keys.admin.key } });

      const widget = await request(http).get('/widget.js').set('origin', SHOP);
      expect(widget.status).toBe(200);
      expect(widget.headers['access-control-allow-origin']).toBe(SHOP);
      expect(widget.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect((await request(http).get('/widget.js').set('origin', EVIL)).headers['access-control-allow-origin']).toBeUndefined();

      const preflight = await request(http).options('/api/v1/admin/sessions').set('origin', SHOP).set('access-control-request-method', 'GET').set('x-forwarded-for', '203.0.113.20');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const call = await request(http).get('/api/v1/admin/sessions').set('origin', SHOP).set('authorization', `Bearer ${live.keys.admin.key}`).set('x-forwarded-for', '203.0.113.20');
      expect(call.status).toBe(200);
      expect(call.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('security headers (helmet) on every HTTP answer, with a CSP the pages fit', async () => {
    for (const path of ['/', '/admin/', '/api/docs', '/health']) {
      const res = await request(live.app.getHttpServer()).get(path).set('x-forwarded-for', '203.0.113.30');
      expect(res.status).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-powered-by']).toBeUndefined();
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    }
  });
});

describe('limits in development', () => {
  let live: Live;

  beforeAll(async () => {
    live = await startLiveApp('limitsdev', { replyPolicy: scriptedPolicy(), env: { NODE_ENV: 'development' } }, {});
    await live.app.get(SitesRepository).create('shop', 'Shop', undefined, [SHOP]);
  });
  afterAll(() => live.close());

  it('an unknown site key still starts a session from any page; a registered site keeps its origins', async () => {
    const socket = await opened(live, '/chat', { ip: '192.0.2.1', origin: EVIL });
    const started = await ask(socket, 'session:start', { siteKey: 'my-local-test' });
    expect(started).toMatchObject({ ok: true, sessionId: expect.any(String) });
    expect(await count(live, `SELECT count(*) FROM chat_sessions WHERE site_key = 'my-local-test'`)).toBe(1);
    expect(await ask(socket, 'session:start', { siteKey: 'shop' })).toMatchObject({ ok: false, error: { code: 'origin_not_allowed' } });
  });
});
