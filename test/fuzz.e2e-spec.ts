import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { io, Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { signWebhook } from '../src/conversions/signature';
import { validateTurnText } from '../src/scoring';
import { ChatSessionRepository } from '../src/sessions';
import { SitesRepository } from '../src/sites';
import { Ack } from './support/chat-client';
import { startLiveApp } from './support/live-clients';
import { scriptedPolicy } from './support/scripted-policy';

/**
 * Bad input, at volume: more than 10,000 random and malformed socket.io events (the widget's
 * `/chat`, the Rasa channel on the default namespace, the dashboards' `/admin`, hand-made protocol
 * frames, invalid UTF-8 on the wire) and HTTP bodies (the conversions webhook, the admin API with a
 * valid key, other routes). Seeded: `FUZZ_SEED=<n>` replays a run's inputs (each stream draws from
 * its own generator, so the inputs do not depend on timing). The server must answer each one with a
 * success or an error code, stay up, leave Object.prototype alone and store only valid rows, as many
 * as it accepted.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 2121);
const SITE = 'fuzz-shop';

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
class Gen {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  ascii(max: number): string {
    return Array.from({ length: 1 + this.int(max) }, () => String.fromCharCode(32 + this.int(95))).join('');
  }
  /** Any UTF-16 code unit, lone surrogates and controls included. */
  units(max: number): string {
    return Array.from({ length: 1 + this.int(max) }, () => String.fromCharCode(this.int(0x10000))).join('');
  }
  junkString(): string {
    switch (this.int(12)) {
      case 0:
        return '';
      case 1:
        return this.units(40);
      case 2:
        return 'x'.repeat(8001 + this.int(12_000)); // over the text limit, under the frame limit
      case 3:
        return this.pick(['\u0000', 'bell\u0007', '\ud800 lone', 'tail \udfff', 'replaced \ufffd', '\u001b[31mred', '\u202eevil', 'zero\u200bwidth']);
      case 4:
        return this.pick(["'; DROP TABLE turns; --", '<script>alert(1)</script>', '{{7*7}}', '${process.exit()}', '../../etc/passwd', '%s%n%x', '__proto__', 'constructor']);
      case 5:
        return '   \n\t  ';
      default:
        return this.ascii(60);
    }
  }
  /** A value of any JSON type (and some that JSON cannot carry), nested up to `depth`. */
  junk(depth = 3): unknown {
    switch (this.int(depth > 0 ? 14 : 9)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.NaN, Number.POSITIVE_INFINITY, -0]);
      case 3:
      case 4:
      case 5:
        return this.junkString();
      case 6:
        return pollution(this);
      case 7:
        return deepArray(1 + this.int(300));
      case 8:
        return undefined;
      case 9:
      case 10:
        return Array.from({ length: this.int(5) }, () => this.junk(depth - 1));
      default:
        return Object.fromEntries(Array.from({ length: this.int(6) }, () => [this.pick(['text', 'siteKey', 'clientMessageId', '__proto__', 'constructor', 'prototype', this.ascii(12)]), this.junk(depth - 1)]));
    }
  }
}

/** Prototype-pollution shapes: an own `__proto__` key (as JSON.parse makes it) and `constructor.prototype`. */
function pollution(g: Gen): unknown {
  return g.pick([
    () => JSON.parse('{"__proto__": {"polluted": "yes"}, "text": "hi"}'),
    () => ({ constructor: { prototype: { polluted: 'yes' } }, clientMessageId: 'p', text: 'hi' }),
    () => JSON.parse('{"siteKey": "fuzz-shop", "__proto__": {"isAdmin": true}}'),
    () => JSON.parse('{"customData": {"__proto__": {"polluted": "yes"}}, "message": "hi"}'),
  ])();
}

/**
 * A frame over SOCKET_MAX_MESSAGE_BYTES (64 kB) closes its connection by design (test/limits.e2e-spec.ts
 * proves it); payloads that would be larger are replaced by one long text, so each stream keeps its socket.
 */
const FRAME_BUDGET = 60_000;
const withinFrame = (args: unknown[]): unknown[] => (Buffer.byteLength(JSON.stringify(args) ?? '') < FRAME_BUDGET ? args : ['x'.repeat(20_000)]);

const deepArray = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const deepJsonText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Replaces, drops or adds one field of a valid payload. */
function mutate(g: Gen, valid: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = { ...valid };
  const keys = Object.keys(copy);
  const key = g.pick(keys);
  switch (g.int(3)) {
    case 0:
      copy[key] = g.junk(2);
      break;
    case 1:
      delete copy[key];
      break;
    default:
      copy[g.pick(['__proto__', 'constructor', 'extra', g.ascii(10)])] = g.junk(2);
  }
  return copy;
}

const SENTENCES = ['How much is the Growth plan?', 'Is there a free trial?', 'Do you integrate with Gmail?', 'We are a team of 12.', 'Déjà vu — ça marche? 😀', '価格はいくらですか', 'ok'];

/** Everything observed, checked at the end (a failing check names the seed). */
const problems: string[] = [];
const problem = (what: string) => problems.length < 50 && problems.push(`${what} (FUZZ_SEED=${SEED})`);
const tally = { chatEvents: 0, rasaEvents: 0, adminEvents: 0, rawFrames: 0, invalidUtf8Frames: 0, http: 0 };
const accepted = { sessions: 0, widgetTurns: 0, sendsRefusedAsClosed: 0, widgetConversions: 0, rasaReplies: 0, webhookConversions: 0, apiKeys: 0 };

function checkAck(where: string, ack: unknown): ack is Ack {
  const a = ack as Ack | undefined;
  if (a?.ok === true) return true;
  if (a?.ok === false && typeof a.error?.code === 'string' && typeof a.error?.message === 'string') return true;
  problem(`${where}: malformed answer ${JSON.stringify(ack)?.slice(0, 200)}`);
  return false;
}

type Live = Awaited<ReturnType<typeof startLiveApp>>;

const withTimeout = <T>(promise: Promise<T>, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in 10 s`)), 10_000))]);

function connect(live: Live, namespace: string, auth?: Record<string, string>): Promise<Socket> {
  const socket = io(`${live.url}${namespace}`, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
  live.sockets.push(socket);
  return new Promise((resolve, reject) => socket.once('connect', () => resolve(socket)).once('connect_error', reject));
}

/** Runs `run(0..count-1)` with at most `width` at a time; inputs are drawn in index order, so they depend on the seed only. */
async function windowed(count: number, width: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await run(next++);
  }));
}

/** The widget protocol: valid, mutated and junk payloads, unknown events, binary payloads; every request with an ack, a few in flight. */
async function chatStream(live: Live, g: Gen, events: number): Promise<void> {
  // A conforming client is never disconnected: if it is, that is a problem, and the stream goes on over a new connection.
  let socket = await connect(live, '/chat');
  let reconnecting: Promise<Socket> | undefined;
  const connected = async () => {
    if (socket.connected) return socket;
    if (!reconnecting) {
      problem('chat: the server closed a connection');
      reconnecting = connect(live, '/chat');
    }
    socket = await reconnecting;
    reconnecting = undefined;
    return socket;
  };
  const tokens: string[] = [];
  const messageIds: string[] = [];
  await windowed(events, 6, async (i) => {
    const kind = g.pick(['start', 'send', 'send', 'send', 'send', 'convert', 'unknown', 'end'] as const);
    const valid = g.chance(0.25);
    let event: string;
    let args: unknown[];
    if (kind === 'start') {
      event = 'session:start';
      const payload = g.chance(0.2) && tokens.length ? { siteKey: SITE, resumeToken: tokens[g.int(1000) % tokens.length] } : { siteKey: g.chance(0.9) ? SITE : g.ascii(10) };
      args = [valid ? payload : mutate(g, payload)];
    } else if (kind === 'send') {
      event = 'message:send';
      const id = g.chance(0.1) && messageIds.length ? g.pick(messageIds) : `m-${i}-${g.int(1e9)}`;
      messageIds.push(id);
      const payload = { clientMessageId: id, text: g.pick(SENTENCES) };
      args = [valid ? payload : mutate(g, payload)];
    } else if (kind === 'convert') {
      event = 'conversion:report';
      const payload = { ctaId: `cta-${g.int(20)}`, value: g.int(1000), currency: 'USD' };
      args = [valid ? payload : mutate(g, payload)];
    } else if (kind === 'end') {
      event = 'session:end';
      args = g.chance(0.5) ? [] : [g.junk()];
    } else {
      event = g.pick([g.ascii(20), g.units(10), 'message:sned', 'session:START', '__proto__', 'constructor', 'hasOwnProperty', 'chat:error', 'x'.repeat(500)]);
      args = [g.junk()];
    }
    // Binary frames: a Buffer as the payload (random bytes, often invalid UTF-8), or inside it.
    if (g.chance(0.08)) args = [g.chance(0.5) ? Buffer.from(Array.from({ length: 1 + g.int(64) }, () => g.int(256))) : { clientMessageId: 'bin', text: Buffer.from([0xff, 0xfe, 0x00]) }];
    if (g.chance(0.03)) args = [...args, g.junk(), g.junk()];
    args = withinFrame(args);
    const ack = await (await connected()).timeout(30_000).emitWithAck(event, ...args).catch((err: Error) => problem(`chat ${event}: no answer (${err.message})`));
    tally.chatEvents++;
    if (!checkAck(`chat ${event}`, ack)) return;
    if (!ack.ok) {
      if (event === 'message:send' && ack.error?.code === 'session_closed') accepted.sendsRefusedAsClosed++;
      return;
    }
    if (event === 'session:start' && ack.resumed === false) {
      accepted.sessions++;
      tokens.push(ack.resumeToken as string);
    }
    if (event === 'message:send' && ack.duplicate === false) accepted.widgetTurns++;
    if (event === 'conversion:report' && ack.duplicate === false) accepted.widgetConversions++;
  });
}

/** Rasa's channel has no acks: every event is answered by exactly one of these. */
const RASA_ANSWERS = ['session_confirm', 'bot_uttered', 'chat:error'] as const;

/**
 * Rasa's channel, in bursts of a few events, each burst answered in full before the next. One
 * socket, so each reply is heard once (sockets that joined the same room, as junk ids such as
 * `constructor` would, hear each other's).
 */
async function rasaStream(live: Live, g: Gen, events: number, name: string): Promise<void> {
  const socket = await connect(live, '');
  const sessionIds = Array.from({ length: 6 }, (_, k) => `${name}-s${k}`);
  let answers = 0;
  let wake = () => undefined as void;
  for (const e of RASA_ANSWERS) {
    socket.on(e, (body: unknown) => {
      answers++;
      if (e === 'bot_uttered') accepted.rasaReplies++;
      if (e === 'chat:error' && typeof (body as { code?: unknown })?.code !== 'string') problem('rasa: an error without a code');
      wake();
    });
  }
  for (let sent = 0; sent < events; ) {
    const burst = Math.min(16, events - sent);
    for (let k = 0; k < burst; k++) {
      const kind = g.pick(['request', 'utter', 'utter', 'utter', 'unknown'] as const);
      let event: string;
      let payload: unknown;
      if (kind === 'request') {
        event = 'session_request';
        const valid = { session_id: g.pick(sessionIds), customData: { siteKey: g.chance(0.8) ? SITE : g.ascii(8) } };
        payload = g.chance(0.5) ? valid : g.chance(0.5) ? mutate(g, valid) : g.junk();
      } else if (kind === 'utter') {
        event = 'user_uttered';
        const valid = { message: g.pick(SENTENCES), session_id: g.pick(sessionIds) };
        payload = g.chance(0.12) ? valid : g.chance(0.5) ? mutate(g, valid) : g.junk();
      } else {
        event = g.pick([g.ascii(16), 'bot_uttered', 'session_confirm', 'user_utered']);
        payload = g.junk();
      }
      if (g.chance(0.05)) payload = Buffer.from(Array.from({ length: 1 + g.int(32) }, () => g.int(256)));
      socket.emit(event, ...withinFrame([payload]));
    }
    sent += burst;
    const all = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      wake = () => answers >= sent && (clearTimeout(timer), resolve(true));
      wake();
    });
    if (!(await all)) problem(`rasa: ${sent - answers} of ${sent} events unanswered`);
    tally.rasaEvents += burst;
  }
  socket.disconnect();
}

/** The dashboards' namespace with a valid key: junk watch requests and unknown events; and handshakes with junk keys. */
async function adminStream(live: Live, g: Gen, events: number): Promise<void> {
  for (let i = 0; i < 25; i++) {
    // The handshake's auth is an object (anything else is a protocol error: the connection closes); its key is junk.
    const auth = { key: (g.chance(0.5) ? g.junkString() : g.junk(1)) as string, [g.ascii(6)]: g.junk(1) as string };
    const refused = await withTimeout(connect(live, '/admin', auth), 'admin handshake').then(
      (s) => `connected ${s.id}`,
      (err: Error) => err.message,
    );
    tally.adminEvents++;
    if (refused !== 'unauthorized') problem(`admin handshake with a junk key: ${refused}`);
  }
  const socket = await connect(live, '/admin', { key: live.keys.admin.key });
  await windowed(events, 6, async () => {
    const event = g.pick(['session:watch', 'session:watch', 'session:unwatch', g.ascii(12)]);
    const payload = g.chance(0.3) ? { sessionId: randomUUID() } : g.chance(0.5) ? mutate(g, { sessionId: '00000000-0000-4000-8000-000000000000' }) : g.junk();
    const ack = await socket.timeout(20_000).emitWithAck(event, ...withinFrame([payload])).catch((err: Error) => problem(`admin ${event}: no answer (${err.message})`));
    tally.adminEvents++;
    checkAck(`admin ${event}`, ack);
  });
}

/**
 * Hand-made socket.io frames through the engine of a connected client (what a broken or hostile
 * client library sends): bad packet types, bad JSON, reserved and odd event names, deep nesting,
 * unknown namespaces, stray binary frames, attachments announced and not sent. Each frame is
 * followed by a probe: the connection must answer it, or have been closed; never hang.
 */
async function rawFrameStream(live: Live, g: Gen, frames: number): Promise<void> {
  let socket: Socket | undefined;
  let acks = new Map<number, (body: string) => void>();
  let closed: Promise<'closed'> = Promise.resolve('closed');
  let nextId = 1_000_000;
  const open = async () => {
    socket = await connect(live, '/chat');
    const engine = socket.io.engine;
    const pending = new Map<number, (body: string) => void>();
    acks = pending;
    engine.on('message', (data: unknown) => {
      const match = typeof data === 'string' ? /^3\/chat,(\d+)(.*)$/s.exec(data) : null;
      if (match) pending.get(Number(match[1]))?.(match[2]);
    });
    closed = new Promise((resolve) => engine.once('close', () => resolve('closed')));
  };
  for (let i = 0; i < frames; i++) {
    if (!socket?.connected) await open();
    const engine = socket!.io.engine;
    const id = nextId++;
    const frame = g.pick([
      () => `2/chat,${id}${JSON.stringify([g.pick(['message:send', 'session:start', 'conversion:report', 'session:end', g.ascii(8)]), g.junk()])}`,
      () => `2/chat,${id}[${g.pick(['', '1', '{}', 'null', '"disconnect"', '"connect"', '"newListener"', '["nested"]', '"a",', '"message:send",{"text":'])}]`,
      () => `2/chat,${id}${g.ascii(40)}`,
      () => `2/chat,${id}["message:send",${deepJsonText(1 + g.int(20_000))}]`,
      () => `${g.pick(['', '9', '7', '2', '3', '4', '5', '6', '0', '1'])}${g.pick(['', '/chat,', '/nowhere,', '/admin,', ','])}${g.ascii(30)}`,
      () => `2/nowhere,${id}["message:send",{}]`,
      () => `51-/chat,${id}["message:send",{"_placeholder":true,"num":0}]`,
      () => `5${g.int(1000)}-/chat,${id}["session:start",{"_placeholder":true,"num":${g.int(5)}}]`,
      () => Buffer.from(Array.from({ length: 1 + g.int(128) }, () => g.int(256))),
    ])();
    const answered = new Promise<string>((resolve) => acks.set(id, resolve));
    engine.write(frame);
    // An announced attachment, sent after its placeholder.
    if (typeof frame === 'string' && frame.startsWith('51-/chat,') && g.chance(0.7)) engine.write(Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x41]));
    const probeId = nextId++;
    const probed = new Promise<string>((resolve) => acks.set(probeId, resolve));
    engine.write(`2/chat,${probeId}["probe"]`);
    const outcome = await Promise.race([probed.then(() => 'usable'), closed, new Promise<string>((r) => setTimeout(() => r('hung'), 10_000))]);
    tally.rawFrames++;
    if (outcome === 'hung') problem(`raw frame ${String(frame).slice(0, 80)}: neither answered nor closed`);
    // A frame the server took as a request was answered like any other.
    const ack = await Promise.race([answered, new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
    if (ack !== undefined) {
      try {
        checkAck('raw frame', JSON.parse(ack)[0]);
      } catch {
        problem(`raw frame: unreadable ack ${ack.slice(0, 100)}`);
      }
    }
  }
  socket?.disconnect();
}

/** Text frames that are not UTF-8, below socket.io: the WebSocket server must close that connection (1007), nothing else. */
async function invalidUtf8Stream(live: Live, g: Gen, connections: number): Promise<void> {
  const url = `${live.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  for (let i = 0; i < connections; i++) {
    const ws = new WebSocket(url);
    const closeCode = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => ws.once('message', () => resolve()).once('error', reject));
    ws.send('40/chat,');
    const bytes = Buffer.concat([Buffer.from('42/chat,["message:send",{"clientMessageId":"u","text":"'), Buffer.from(g.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]])), Buffer.from('"}]')]);
    ws.send(bytes, { binary: false });
    const code = await Promise.race([closeCode, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
    tally.invalidUtf8Frames++;
    if (code !== 1007) problem(`invalid UTF-8 text frame: closed with ${code}, expected 1007`);
    ws.terminate();
  }
}

interface HttpCase {
  method: 'POST' | 'PUT' | 'DELETE' | 'GET';
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** What a 2xx answer adds to the database. */
  counts?: 'webhookConversion' | 'apiKey';
}

/** A body of any kind: JSON of junk, broken JSON, invalid UTF-8, deep nesting, gzip of junk, huge. */
function junkBody(g: Gen): { body: Buffer | string; headers: Record<string, string> } {
  const type = g.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/octet-stream', 'application/json; charset=latin-9', '']);
  const headers: Record<string, string> = type ? { 'content-type': type } : {};
  const body = g.pick([
    () => JSON.stringify(g.junk(4)) ?? 'null',
    () => JSON.stringify(pollution(g)),
    () => `{"a": ${g.ascii(20)}`,
    () => Buffer.from(Array.from({ length: 1 + g.int(200) }, () => g.int(256))),
    () => Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('", "role": "viewer"}')]),
    () => deepJsonText(1 + g.int(40_000)),
    () => JSON.stringify({ name: 'x'.repeat(g.int(120_000)), role: 'viewer' }),
    () => {
      headers['content-encoding'] = g.pick(['gzip', 'deflate', 'br', 'bogus']);
      return g.chance(0.5) ? gzipSync(JSON.stringify(g.junk(3)) ?? '{}') : Buffer.from(g.ascii(50));
    },
  ])();
  return { body, headers };
}

function httpCases(g: Gen, count: number, adminKey: string, secret: string, sessionIds: string[]): HttpCase[] {
  const adminRoutes: [HttpCase['method'], string][] = [
    ['POST', 'api-keys'],
    ['POST', 'personas'],
    ['PUT', `personas/${g.ascii(8)}`],
    ['PUT', 'settings'],
    ['POST', 'rules'],
    ['PUT', `rules/${g.ascii(6)}`],
    ['POST', 'rules/dry-run'],
    ['POST', 'erasures'],
    ['POST', 'handoff-rules'],
    ['PUT', 'handoff-rules/x'],
    ['POST', 'training-runs/00000000-0000-4000-8000-000000000000/cancel'],
    ['POST', `sessions/${randomUUID()}/messages`],
    ['POST', `sessions/${g.ascii(10)}/takeover`],
    ['POST', `models/${g.ascii(8)}/promote`],
    ['DELETE', `api-keys/${g.ascii(12)}`],
    ['DELETE', `rules/${g.ascii(6)}`],
    ['GET', `sessions?limit=${encodeURIComponent(g.junkString())}&cursor=${encodeURIComponent(g.ascii(20))}`],
    ['GET', `audit-log?${encodeURIComponent(g.ascii(10))}=${encodeURIComponent(g.ascii(10))}`],
  ];
  const cases: HttpCase[] = [];
  for (let i = 0; i < count; i++) {
    const target = g.int(10);
    if (target < 4) {
      // The conversions webhook: unsigned, signed junk, or signed conversions of real sessions.
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signed = g.chance(0.7);
      const real = signed && g.chance(0.5) && sessionIds.length > 0;
      const { body, headers } = real
        ? { body: JSON.stringify(g.chance(0.8) ? { sessionId: g.pick(sessionIds), eventId: `evt-${g.int(400)}`, value: g.int(500), currency: 'EUR' } : mutate(g, { sessionId: g.pick(sessionIds), eventId: `evt-${i}` })), headers: { 'content-type': 'application/json' } }
        : junkBody(g);
      const signature = signed ? signWebhook(secret, timestamp, body) : g.ascii(70);
      const auth: Record<string, string> = g.chance(0.9) ? { 'x-closer-site': signed ? SITE : g.ascii(10), 'x-closer-timestamp': g.chance(0.95) ? timestamp : g.ascii(12), 'x-closer-signature': signature } : {};
      cases.push({ method: 'POST', path: '/api/v1/conversions', headers: { ...headers, ...auth }, body, counts: 'webhookConversion' });
    } else if (target < 9) {
      const [method, path] = g.pick(adminRoutes);
      const valid = method === 'POST' && path === 'api-keys' && g.chance(0.3);
      const { body, headers } = valid ? { body: JSON.stringify(g.chance(0.5) ? { name: `fuzz-${i}`, role: 'viewer' } : mutate(g, { name: `fuzz-${i}`, role: 'viewer' })), headers: { 'content-type': 'application/json' } } : junkBody(g);
      cases.push({ method, path: `/api/v1/admin/${path}`, headers: { ...headers, authorization: `Bearer ${adminKey}` }, body: method === 'GET' ? undefined : body, counts: path === 'api-keys' && method === 'POST' ? 'apiKey' : undefined });
    } else {
      const { body, headers } = junkBody(g);
      cases.push({ method: g.pick(['POST', 'PUT'] as const), path: g.pick(['/health', '/metrics', '/', '/widget.js', '/api/v1/admin', '/api/v1/nowhere', `/${g.ascii(10).replace(/[^A-Za-z0-9]/g, '')}`]), headers, body });
    }
  }
  return cases;
}

async function httpStream(live: Live, cases: HttpCase[]): Promise<void> {
  for (const c of cases) {
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${live.url}${c.path}`, { method: c.method, headers: c.headers, body: c.body });
      status = res.status;
      text = await res.text();
    } catch (err) {
      problem(`${c.method} ${c.path.slice(0, 120)}: no answer (${(err as Error).message})`);
      continue;
    }
    tally.http++;
    if (status >= 500) problem(`${c.method} ${c.path.slice(0, 120)}: ${status} ${text.slice(0, 200)}`);
    else if (status >= 400) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const keys = typeof body === 'object' && body !== null ? Object.keys(body).sort().join(',') : '';
      const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
      if (keys !== 'code,message' || typeof code !== 'string' || typeof message !== 'string') problem(`${c.method} ${c.path.slice(0, 120)}: ${status} without { code, message }: ${text.slice(0, 200)}`);
    } else if (c.counts === 'webhookConversion' && JSON.parse(text).duplicate === false) accepted.webhookConversions++;
    else if (c.counts === 'apiKey') accepted.apiKeys++;
  }
}

describe(`fuzz: malformed socket.io events and HTTP bodies (FUZZ_SEED=${SEED})`, () => {
  let live: Live;
  let secret: string;
  const prototypeKeys = () => ({ object: Object.getOwnPropertyNames(Object.prototype).sort(), array: Object.getOwnPropertyNames(Array.prototype).sort() });
  const before = prototypeKeys();

  beforeAll(async () => {
    live = await startLiveApp(
      'fuzz',
      {
        replyPolicy: scriptedPolicy('Happy to help. The Growth plan is $59 per seat per month.'),
        // Production: unknown site keys are refused. Limits out of the way: test/limits.e2e-spec.ts proves them.
        env: { NODE_ENV: 'production', RATE_LIMIT_ADMIN: '1000000', RATE_LIMIT_WEBHOOK: '1000000', RATE_LIMIT_HTTP: '1000000', SOCKET_RATE_IP: '1000000', SOCKET_BURST_IP: '1000000', SOCKET_RATE_SESSION: '1000000', SOCKET_BURST_SESSION: '1000000' },
      },
      { admin: 'admin' },
    );
    secret = (await live.app.get(SitesRepository).create(SITE, 'Fuzz shop')).webhookSecret;
    await live.app.get(SitesRepository).create('rasa', 'Rasa front end');
  });
  afterAll(() => live?.close());

  it('answers every one of ≥ 10,000 inputs with a success or an error code, stays up, and stores only what it accepted', async () => {
    const started = Date.now();
    const apiKeysBefore = Number((await live.sql(`SELECT count(*) FROM api_keys`))[0].count);
    // Conversions are reported for sessions started beforehand (the widget streams' sessions come and go).
    const sessions = live.app.get(ChatSessionRepository);
    const sessionIds: string[] = [];
    for (let i = 0; i < 20; i++) sessionIds.push((await sessions.start(SITE, 'widget')).session.id);
    // Streams run side by side, each on its own generator.
    await Promise.all([
      ...[0, 1, 2, 3].map((k) => chatStream(live, new Gen(SEED * 101 + k), 1000)),
      rasaStream(live, new Gen(SEED * 211), 1500, 'rasa'),
      adminStream(live, new Gen(SEED * 307), 1000),
      rawFrameStream(live, new Gen(SEED * 401), 1300),
      invalidUtf8Stream(live, new Gen(SEED * 503), 60),
      ...[0, 1, 2, 3].map((k) => httpStream(live, httpCases(new Gen(SEED * 601 + k), 600, live.keys.admin.key, secret, sessionIds))),
    ]);

    const total = Object.values(tally).reduce((a, b) => a + b, 0);
    expect(problems).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(10_000);

    // Still up, and a normal visitor still chats.
    expect((await fetch(`${live.url}/health`)).status).toBe(200);
    const visitor = await connect(live, '/chat');
    expect(await visitor.timeout(10_000).emitWithAck('session:start', { siteKey: SITE })).toMatchObject({ ok: true });
    expect(await visitor.timeout(10_000).emitWithAck('message:send', { clientMessageId: 'after', text: 'Still there?' })).toMatchObject({ ok: true });

    // Nothing polluted.
    expect(prototypeKeys()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();

    // Only valid rows, exactly as many as were accepted (plus the check above).
    const texts = (await live.sql(`SELECT text FROM turns`)) as { text: string }[];
    const invalid = texts.filter(({ text }) => {
      try {
        validateTurnText(text);
        return false;
      } catch {
        return true;
      }
    });
    expect(invalid).toEqual([]);
    const counted = async (sql: string) => Number((await live.sql(sql))[0].count);
    expect(await counted(`SELECT count(*) FROM chat_sessions WHERE channel = 'widget'`)).toBe(accepted.sessions + sessionIds.length + 1);
    expect(await counted(`SELECT count(*) FROM chat_sessions WHERE site_key NOT IN ('${SITE}', 'rasa')`)).toBe(0);
    // A message whose session ended while its reply was written (a session:end in flight) is kept without a reply, and refused
    // with session_closed; every other visitor turn has its reply.
    const answered = `EXISTS (SELECT 1 FROM turns a WHERE a.session_id = t.session_id AND a.client_message_id = t.client_message_id || '#reply')`;
    const widgetVisitorTurns = `FROM turns t JOIN chat_sessions s ON s.id = t.session_id WHERE s.channel = 'widget' AND t.role = 'visitor'`;
    expect(await counted(`SELECT count(*) ${widgetVisitorTurns} AND ${answered}`)).toBe(accepted.widgetTurns + 1);
    expect(await counted(`SELECT count(*) ${widgetVisitorTurns} AND NOT ${answered} AND s.status = 'active'`)).toBe(0);
    expect(await counted(`SELECT count(*) ${widgetVisitorTurns} AND NOT ${answered}`)).toBeLessThanOrEqual(accepted.sendsRefusedAsClosed);
    expect(await counted(`SELECT count(*) FROM turns t JOIN chat_sessions s ON s.id = t.session_id WHERE s.channel = 'widget' AND t.role = 'agent'`)).toBe(accepted.widgetTurns + 1);
    expect(await counted(`SELECT count(*) FROM turns t JOIN chat_sessions s ON s.id = t.session_id WHERE s.channel = 'rasa' AND t.role = 'visitor'`)).toBe(accepted.rasaReplies);
    expect(await counted(`SELECT count(*) FROM turns t JOIN chat_sessions s ON s.id = t.session_id WHERE s.channel = 'rasa' AND t.role = 'agent'`)).toBe(accepted.rasaReplies);
    // A refused Rasa message creates no session: every one has its turns.
    expect(await counted(`SELECT count(*) FROM chat_sessions s WHERE s.channel = 'rasa' AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id)`)).toBe(0);
    expect(await counted(`SELECT count(*) FROM conversions WHERE source = 'widget'`)).toBe(accepted.widgetConversions);
    expect(await counted(`SELECT count(*) FROM conversions WHERE source = 'webhook'`)).toBe(accepted.webhookConversions);
    expect(await counted(`SELECT count(*) FROM api_keys`)).toBe(apiKeysBefore + accepted.apiKeys);
    // Each kind of input was accepted sometimes, so the counts above compare something.
    expect(Math.min(accepted.sessions, accepted.widgetTurns, accepted.widgetConversions, accepted.rasaReplies, accepted.webhookConversions, accepted.apiKeys)).toBeGreaterThan(0);
    process.stdout.write(`fuzz FUZZ_SEED=${SEED}: ${JSON.stringify({ total, ...tally, accepted, seconds: (Date.now() - started) / 1000 })}\n`);
  }, 120_000);
});
