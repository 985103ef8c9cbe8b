import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { signWebhook } from '../src/conversions';
import { SitesRepository } from '../src/sites';
import { Database } from '../src/database';
import { ChatMetrics } from '../src/metrics';
import { ChatSessionRepository } from '../src/sessions';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

describe('POST /api/v1/conversions (signed webhook, real Postgres)', () => {
  const dbConfig = testSchemaConfig('conv');
  let app: INestApplication;
  let db: Database;
  let secret: string;
  let sessionId: string;

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig, { env: { ATTRIBUTION_WINDOW_HOURS: '24' } }));
    secret = (await app.get(SitesRepository).create('shop-1', 'Shop One')).webhookSecret;
    sessionId = (await app.get(ChatSessionRepository).start('shop-1', 'widget')).session.id;
  });
  afterAll(async () => {
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  const post = (body: unknown, { site = 'shop-1', key = secret, timestamp = String(Math.floor(Date.now() / 1000)), signature }: { site?: string; key?: string; timestamp?: string; signature?: string } = {}) => {
    const raw = JSON.stringify(body);
    return request(app.getHttpServer())
      .post('/api/v1/conversions')
      .set('content-type', 'application/json')
      .set('x-closer-site', site)
      .set('x-closer-timestamp', timestamp)
      .set('x-closer-signature', signature ?? signWebhook(key, timestamp, raw))
      .send(raw);
  };
  const count = async () => Number((await db.dataSource.query(`SELECT count(*) FROM conversions`))[0].count);
  /** closer_conversions_total{source="webhook"} of /metrics. */
  const counted = async () => (await app.get(ChatMetrics).registry.getSingleMetric('closer_conversions_total')!.get()).values.find((v) => v.labels.source === 'webhook')?.value ?? 0;

  it('records a signed conversion attributed to the session', async () => {
    const res = await post({ sessionId, eventId: 'order-1', value: 2400, currency: 'USD' }).expect(200);
    expect(res.body).toMatchObject({ ok: true, duplicate: false });
    const rows = await db.dataSource.query(`SELECT session_id, source, external_id, value FROM conversions`);
    expect(rows).toEqual([{ session_id: sessionId, source: 'webhook', external_id: 'order-1', value: 2400 }]);
  });

  it('a bad signature is 401 and stores nothing', async () => {
    const before = await count();
    const res = await post({ sessionId, eventId: 'order-2' }, { key: 'not-the-secret' }).expect(401);
    expect(res.body).toMatchObject({ code: 'invalid_signature' });
    await post({ sessionId, eventId: 'order-2' }, { site: 'no-such-site' }).expect(401);
    expect(await count()).toBe(before);
  });

  it('a replayed request is rejected; a new request for the same event is ignored as a duplicate (and counted once in /metrics)', async () => {
    const countedBefore = await counted();
    const body = { sessionId, eventId: 'order-3', value: 10 };
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = signWebhook(secret, timestamp, raw);
    await post(body, { timestamp, signature }).expect(200);
    const replay = await post(body, { timestamp, signature }).expect(409);
    expect(replay.body).toMatchObject({ code: 'replayed' });
    const retry = await post(body, { timestamp: String(Number(timestamp) + 1) }).expect(200);
    expect(retry.body).toMatchObject({ ok: true, duplicate: true });
    expect(Number((await db.dataSource.query(`SELECT count(*) FROM conversions WHERE external_id = 'order-3'`))[0].count)).toBe(1);
    expect(await counted()).toBe(countedBefore + 1);
  });

  it('a stale timestamp, an unknown session, a bad body and a late sale are refused with clear codes', async () => {
    const before = await count();
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    expect((await post({ sessionId, eventId: 'o-stale' }, { timestamp: stale }).expect(401)).body.code).toBe('stale_timestamp');
    expect((await post({ sessionId: '00000000-0000-4000-8000-000000000000', eventId: 'o-x' }).expect(404)).body.code).toBe('unknown_session');
    expect((await post({ sessionId: 'nope', eventId: 'o-y' }).expect(400)).body).toMatchObject({ code: 'invalid_payload', message: 'sessionId: sessionId must be a UUID' });
    const late = new Date(Date.now() + 48 * 3600_000).toISOString();
    expect((await post({ sessionId, eventId: 'o-late', occurredAt: late }).expect(422)).body.code).toBe('outside_attribution_window');
    expect(await count()).toBe(before);
  });

  it('a correctly signed JSON body is accepted whatever its content type; form encodings are refused with 415', async () => {
    const signedPost = (raw: string, contentType: string | undefined) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = { 'x-closer-site': 'shop-1', 'x-closer-timestamp': timestamp, 'x-closer-signature': signWebhook(secret, timestamp, raw) };
      if (contentType) headers['content-type'] = contentType;
      return fetch(`${url}/api/v1/conversions`, { method: 'POST', headers, body: Buffer.from(raw) });
    };
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
    const plain = await signedPost(JSON.stringify({ sessionId, eventId: 'o-text' }), 'text/plain');
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ ok: true, duplicate: false });
    const none = await signedPost(JSON.stringify({ sessionId, eventId: 'o-none' }), undefined);
    expect(none.status).toBe(200);
    const charset = await signedPost(JSON.stringify({ sessionId, eventId: 'o-charset' }), 'application/json; charset=utf-8');
    expect(charset.status).toBe(200);

    const before = await count();
    const notJson = await signedPost('sessionId=x', 'text/plain');
    expect([notJson.status, await notJson.json()]).toEqual([400, { code: 'invalid_json', message: 'the body is not valid JSON' }]);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const form = await signedPost(`sessionId=${sessionId}&eventId=o-form`, type);
      expect(form.status).toBe(415);
      expect(await form.json()).toEqual({ code: 'unsupported_media_type', message: expect.stringContaining('JSON') });
    }
    expect(await count()).toBe(before);
  });
});
