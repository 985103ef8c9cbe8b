import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'socket.io-client';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { AppConfig } from '../src/config';
import { Database } from '../src/database';
import { TrainingRunQueue } from '../src/jobs';
import { NightlyPipeline, TrainingWorker } from '../src/nightly';
import { ReplyEvent } from '../src/policy';
import { ModelRegistry } from '../src/registry';
import { VisitorIds } from '../src/sessions';
import { derivedPersonaKey, loadPersonaLibrary } from '../src/simulator';
import { Ack, connect, listen, request as ask } from './support/chat-client';
import { rowsHolding as rowsHoldingIn, tableCounts } from './support/schema-scan';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const SECRET = 'erasure-test-secret-0123456789abcdef';
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
const tag = randomBytes(4).toString('hex');
/** What each visitor types: unique strings to look for in every table afterwards. */
const marker = { a: `zqa${tag}`, b: `zqb${tag}`, c: `zqc${tag}`, d: `zqd${tag}` };
/** Visitor A and B on shop-a; C is another person whom shop-b happens to give A's identifier; D passes none. */
const A = { siteKey: 'shop-a', visitorId: 'customer-42' };
const B = { siteKey: 'shop-a', visitorId: 'customer-43' };
const C = { siteKey: 'shop-b', visitorId: 'customer-42' };
/** Visitors of the session:start checks, on a site of their own. */
const V = { siteKey: 'shop-v', visitorId: 'customer-42' };
const W = { siteKey: 'shop-v', visitorId: 'customer-43' };

/** A reply held after its first sentence until released, or until the session ends (the policy's signal). */
let releaseHeld: () => void = () => undefined;
const aborted = (signal?: AbortSignal) => new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve())));

/** The scripted policy echoing the marker it was sent (so agent turns and their scores carry it too); "hold" pauses mid-reply. */
const policy = scriptedPolicy('Hi.', {
  async *reply(messages, { signal }): AsyncIterable<ReplyEvent> {
    const last = messages.at(-1)?.content ?? '';
    const text = `Thanks for asking about ${/zq[a-d][0-9a-f]{8}/.exec(last)?.[0] ?? 'that'}.`;
    if (last.includes('hold')) {
      yield { kind: 'delta', text: `${text} ` };
      await Promise.race([new Promise<void>((resolve) => (releaseHeld = resolve)), aborted(signal)]);
      yield { kind: 'delta', text: 'Anything else?' };
      yield { kind: 'done', text: `${text} Anything else?`, promptTokens: 1, completionTokens: 2 };
      return;
    }
    yield { kind: 'delta', text };
    yield { kind: 'done', text, promptTokens: 1, completionTokens: 1 };
  },
});

describe('GDPR erasure (real Postgres, real socket.io /chat, admin API)', () => {
  const dbConfig = testSchemaConfig('erasure');
  const artifactDir = mkdtempSync(join(tmpdir(), 'closer-erasure-'));
  let app: INestApplication;
  let db: Database;
  let config: AppConfig;
  let url: string;
  const keys = { admin: '', operator: '', viewer: '' };
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // The scripted reply repeats the visitor's text; the non-answer check (and the catalog's answer it ends in) is the guardrail's tests'.
    ({ app, db, config } = await startTestApp(dbConfig, { replyPolicy: policy, env: { VISITOR_ID_SECRET: SECRET, ARTIFACT_DIR: artifactDir, GUARDRAIL_NON_ANSWER: 'false' } }));
    url = await listen(app);
    const manager = app.get(ApiKeyManager);
    for (const role of ['admin', 'operator', 'viewer'] as const) keys[role] = (await manager.create(setup, `${role}-key`, role)).key;
  });
  afterAll(async () => {
    releaseHeld();
    for (const s of sockets) s.disconnect();
    await app?.close();
    await dropSchema(dbConfig.schema);
    await rm(artifactDir, { recursive: true, force: true });
  });

  const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
  const erase = (body: unknown, key = keys.admin) => {
    const req = request(app.getHttpServer()).post('/api/v1/admin/erasures');
    if (key) req.set('authorization', `Bearer ${key}`);
    return req.send(body as object);
  };
  const expectError = (res: request.Response, status: number, code: string, message?: RegExp) => {
    expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status, keys: ['code', 'message'], code });
    if (message) expect(res.body.message).toMatch(message);
  };

  const rowsHolding = (needle: string) => rowsHoldingIn(db.dataSource, dbConfig.schema, needle);
  const everyTableCount = () => tableCounts(db.dataSource, dbConfig.schema);

  /** A widget visitor: a socket on /chat with a started session. */
  async function visitor(start: Record<string, unknown>): Promise<{ socket: Socket; sessionId: string; resumeToken: string }> {
    const socket = await connect(url);
    sockets.push(socket);
    const ack = await ask(socket, 'session:start', start);
    expect(ack).toMatchObject({ ok: true, resumed: false });
    return { socket, sessionId: ack.sessionId as string, resumeToken: ack.resumeToken as string };
  }
  const say = async (socket: Socket, text: string) => expect(await ask(socket, 'message:send', { clientMessageId: `m-${randomBytes(4).toString('hex')}`, text })).toMatchObject({ ok: true });

  describe('the visitor identifier on session:start', () => {
    it('is validated, stored only as a keyed hash of site and identifier, and a resume cannot switch visitor', async () => {
      const bad = await connect(url);
      sockets.push(bad);
      for (const visitorId of ['', 'has space', 'x'.repeat(129), 42, 'semi;colon']) {
        const ack = await ask(bad, 'session:start', { siteKey: V.siteKey, visitorId });
        expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload', message: expect.stringMatching(/^visitorId: visitorId must be/) } });
      }
      expect(await ask(bad, 'session:start', { siteKey: V.siteKey, visitorId: 'jane.doe+crm@example.com' })).toMatchObject({ ok: true });

      const { sessionId, resumeToken } = await visitor({ ...V });
      const [row] = await sql(`SELECT visitor_hash FROM chat_sessions WHERE id = $1`, [sessionId]);
      expect(row.visitor_hash).toBe(app.get(VisitorIds).hash(V.siteKey, V.visitorId));
      expect(row.visitor_hash).toMatch(/^[0-9a-f]{64}$/);
      // Scoped by site: the same identifier on another site is another hash.
      expect(row.visitor_hash).not.toBe(app.get(VisitorIds).hash(A.siteKey, A.visitorId));

      const other = await connect(url);
      sockets.push(other);
      for (const switched of [{ visitorId: W.visitorId }, {}]) {
        expect(await ask(other, 'session:start', { siteKey: V.siteKey, resumeToken, ...switched })).toMatchObject({ ok: false, error: { code: 'unknown_session' } });
      }
      expect(await ask(other, 'session:start', { siteKey: V.siteKey, resumeToken, visitorId: V.visitorId })).toMatchObject({ ok: true, resumed: true, sessionId });
      // An anonymous session does not become a visitor's either.
      const anonymous = await visitor({ siteKey: V.siteKey });
      expect(await ask(other, 'session:start', { siteKey: V.siteKey, resumeToken: anonymous.resumeToken, visitorId: V.visitorId })).toMatchObject({ ok: false, error: { code: 'unknown_session' } });
    });
  });

  describe('POST /api/v1/admin/erasures', () => {
    const ids = { a: [] as string[], d: '' };
    let liveA: { socket: Socket; sessionId: string; resumeToken: string };
    let endedA: { resumeToken: string };
    let liveReply: Promise<Ack>;
    const liveEvents: string[] = [];

    beforeAll(async () => {
      // Visitor A: a session that converted and ended, a second one left open, each naming a catalog feature.
      const a1 = await visitor({ ...A });
      await say(a1.socket, `Does Pipewise sync with my Gmail inbox? Ref ${marker.a}, we are 12 people.`);
      expect(await ask(a1.socket, 'conversion:report', { ctaId: 'cta-book-demo', value: 708, currency: 'USD' })).toMatchObject({ ok: true, duplicate: false });
      expect(await ask(a1.socket, 'session:end')).toEqual({ ok: true });
      const a2 = await visitor({ ...A });
      await say(a2.socket, `Do you have forecasting? Ask for ${marker.a}.`);
      await say(a2.socket, `And the price for 12 seats? ${marker.a}`);
      endedA = a1;
      ids.a.push(a1.sessionId, a2.sessionId);
      // B, C (shop-b's customer-42, another person) and D (no identifier).
      await say((await visitor({ ...B })).socket, `Does it sync with Gmail? I am ${marker.b}.`);
      await say((await visitor({ ...C })).socket, `Do you have forecasting? I am ${marker.c}.`);
      const d = await visitor({ siteKey: 'shop-a' });
      await say(d.socket, `Do you have SSO? I am ${marker.d}.`);
      ids.d = d.sessionId;

      // Derived training contexts: personas imported from the logged sessions, and a run's training data record.
      const imported = await request(app.getHttpServer()).post('/api/v1/admin/personas/import').set('authorization', `Bearer ${keys.operator}`).send({ template: 'startup-founder' }).expect(200);
      expect(imported.body.items).toHaveLength(5);
      const run = await request(app.getHttpServer()).post('/api/v1/admin/training-runs').set('authorization', `Bearer ${keys.operator}`).send({ steps: 1 }).expect(202);
      const queue = app.get(TrainingRunQueue);
      const registry = app.get(ModelRegistry);
      const pipeline = new NightlyPipeline({
        db: db.dataSource,
        queue,
        registry,
        catalog: config.catalog,
        library: loadPersonaLibrary(config.catalog),
        artifactDir,
        trainer: async () => {
          throw new Error('no training in this test: the run only records its data');
        },
      });
      await new TrainingWorker(queue, pipeline, registry, 'erasure-test', { heartbeatSeconds: 1, staleSeconds: 30, pollSeconds: 1 }).runOnce(run.body.id);
      const [{ data }] = await sql(`SELECT data FROM training_runs WHERE id = $1`, [run.body.id]);
      expect(data.derived).toHaveLength(5);

      // A's third session is live, its reply streaming (first sentence sent) when the erasure comes.
      liveA = await visitor({ ...A });
      ids.a.push(liveA.sessionId);
      for (const event of ['reply:delta', 'reply:final', 'chat:error']) liveA.socket.on(event, () => liveEvents.push(event));
      const firstDelta = new Promise((resolve) => liveA.socket.once('reply:delta', resolve));
      // It asks nothing, so the scripted first sentence is not held back as a non-answer.
      liveReply = ask(liveA.socket, 'message:send', { clientMessageId: 'live-1', text: `A note on ${marker.a}, hold` });
      await firstDelta;
    });

    it('the seeded data holds each visitor\'s text in turns, scores, personas and training data; never a visitor identifier', async () => {
      // A: two exchanges, one more, and the live session's visitor turn (its reply is not stored yet).
      expect(await rowsHolding(marker.a)).toEqual(expect.objectContaining({ turns: 7, personas: 2, training_runs: 1 }));
      for (const m of [marker.b, marker.c, marker.d]) expect(await rowsHolding(m)).toEqual(expect.objectContaining({ turns: 2, personas: 1, training_runs: 1 }));
      expect(await rowsHolding(A.visitorId)).toEqual({});
      expect(await rowsHolding(B.visitorId)).toEqual({});
    });

    it('refuses without an admin key, bad input (400 naming the field) and unknown targets (404), changing nothing', async () => {
      const before = await everyTableCount();
      expectError(await erase(A, ''), 401, 'unauthorized');
      for (const role of ['viewer', 'operator'] as const) expectError(await erase(A, keys[role]), 403, 'forbidden', /needs the admin role/);
      expectError(await erase({}), 400, 'invalid_request', /name what to erase: \{ sessionId \} or \{ siteKey, visitorId \}/);
      expectError(await erase({ sessionId: 'abc' }), 400, 'invalid_request', /^sessionId: sessionId must be a session id/);
      expectError(await erase({ sessionId: ids.d, ...A }), 400, 'invalid_request', /^sessionId: send either sessionId or siteKey and visitorId, not both$/);
      expectError(await erase({ visitorId: A.visitorId }), 400, 'invalid_request', /^siteKey: siteKey is required with visitorId/);
      expectError(await erase({ siteKey: A.siteKey }), 400, 'invalid_request', /^visitorId: visitorId is required with siteKey$/);
      expectError(await erase({ siteKey: 'shop a', visitorId: 'has space' }), 400, 'invalid_request', /siteKey: siteKey must be 1-64.*visitorId: visitorId must be 1-128/);
      expectError(await erase({ ...A, everything: true }), 400, 'invalid_request', /^everything: not a known field$/);
      expectError(await erase({ sessionId: '00000000-0000-4000-8000-000000000000' }), 404, 'unknown_session');
      const unknown = await erase({ siteKey: 'shop-a', visitorId: 'customer-99' });
      expectError(unknown, 404, 'unknown_visitor');
      expect(unknown.body.message).not.toContain('customer-99');
      expect(await everyTableCount()).toEqual(before);
      expect(liveEvents).toEqual(['reply:delta']);
    });

    it('erases every session of visitor A (ending the live one mid-reply) with all derived text; B, C and D stay', async () => {
      const count = async (q: string) => (await sql(q, [ids.a]))[0].n as number;
      const expected = {
        turns: await count(`SELECT count(*)::int AS n FROM turns WHERE session_id = ANY($1)`),
        scores: await count(`SELECT count(*)::int AS n FROM turn_scores s JOIN turns t ON t.id = s.turn_id WHERE t.session_id = ANY($1)`),
      };
      expect(expected.turns).toBe(7);
      const auditBefore = (await sql(`SELECT count(*)::int AS n FROM admin_audit_log`))[0].n;

      const res = await erase(A).expect(200);
      expect(res.body).toEqual({
        erasureId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        by: 'visitor',
        sessions: 3,
        liveSessionsEnded: 2,
        deleted: { chat_sessions: 3, turns: expected.turns, turn_scores: expected.scores, conversions: 1, handoffs: 0, personas: 2 },
        scrubbed: { training_runs: 1 },
      });

      // The live socket: its reply stopped after the first sentence, failed, nothing of it stored; the session is gone.
      expect(await liveReply).toMatchObject({ ok: false, error: { code: 'session_closed' } });
      expect(liveEvents).toEqual(['reply:delta', 'chat:error']);
      expect(await ask(liveA.socket, 'message:send', { clientMessageId: 'live-2', text: 'Hello?' })).toMatchObject({ ok: false, error: { code: 'unknown_session' } });
      expect(await ask(liveA.socket, 'session:start', { ...A, resumeToken: endedA.resumeToken })).toMatchObject({ ok: false, error: { code: 'unknown_session' } });

      // Every table of the schema: nothing of A's text, sessions or identifier; the others' text where it was.
      expect(await rowsHolding(marker.a)).toEqual({});
      for (const id of ids.a) {
        expect(await rowsHolding(id)).toEqual({});
        expect(await rowsHolding(derivedPersonaKey(id))).toEqual({});
      }
      expect(await rowsHolding(app.get(VisitorIds).hash(A.siteKey, A.visitorId))).toEqual({});
      expect(await rowsHolding(A.visitorId)).toEqual({});
      for (const m of [marker.b, marker.c, marker.d]) expect(await rowsHolding(m)).toEqual(expect.objectContaining({ turns: 2, personas: 1, training_runs: 1 }));
      const [run] = await sql(`SELECT data FROM training_runs`);
      expect(run.data.erasedDerived).toBe(2);
      expect(run.data.derived).toHaveLength(3);

      // The audit entry: counts only, under the erasure's own id.
      const audit = await sql(`SELECT * FROM admin_audit_log ORDER BY created_at DESC, id DESC`);
      expect(audit).toHaveLength(auditBefore + 1);
      expect(audit[0]).toMatchObject({ actor_name: 'admin-key', action: 'visitor_data.erase', target_type: 'erasure', target_id: res.body.erasureId });
      const { erasureId: _, ...summary } = res.body;
      expect(audit[0].summary).toEqual(summary);
      const entry = JSON.stringify(audit[0]);
      for (const secret of [marker.a, A.visitorId, app.get(VisitorIds).hash(A.siteKey, A.visitorId), ...ids.a]) expect(entry).not.toContain(secret);

      // Erased once: a second request finds nothing.
      expectError(await erase(A), 404, 'unknown_visitor');
    });

    it('erases one session by id (D, which passed no identifier)', async () => {
      const res = await erase({ sessionId: ids.d }).expect(200);
      expect(res.body).toMatchObject({ by: 'session', sessions: 1, liveSessionsEnded: 1, deleted: { chat_sessions: 1, turns: 2, conversions: 0, personas: 1 }, scrubbed: { training_runs: 1 } });
      expect(await rowsHolding(marker.d)).toEqual({});
      for (const m of [marker.b, marker.c]) expect(await rowsHolding(m)).toEqual(expect.objectContaining({ turns: 2, personas: 1, training_runs: 1 }));
      expect((await sql(`SELECT summary FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0].summary).not.toHaveProperty('sessionId');
      expectError(await erase({ sessionId: ids.d }), 404, 'unknown_session');
    });
  });
});

describe('a server without VISITOR_ID_SECRET', () => {
  const dbConfig = testSchemaConfig('erasure_nosecret');
  let app: INestApplication;
  let adminKey = '';

  beforeAll(async () => {
    ({ app } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy() }));
    adminKey = (await app.get(ApiKeyManager).create(setup, 'admin-key', 'admin')).key;
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(dbConfig.schema);
  });

  it('refuses a visitor identifier on session:start and in an erasure request, saying why', async () => {
    const socket = await connect(await listen(app));
    try {
      expect(await ask(socket, 'session:start', { ...A })).toMatchObject({ ok: false, error: { code: 'invalid_payload', message: expect.stringMatching(/^visitorId: .*VISITOR_ID_SECRET is not set/) } });
      expect(await ask(socket, 'session:start', { siteKey: A.siteKey })).toMatchObject({ ok: true });
    } finally {
      socket.disconnect();
    }
    const res = await request(app.getHttpServer()).post('/api/v1/admin/erasures').set('authorization', `Bearer ${adminKey}`).send(A).expect(400);
    expect(res.body).toEqual({ code: 'invalid_request', message: expect.stringMatching(/^visitorId: .*VISITOR_ID_SECRET is not set.*erase by sessionId/) });
  });
});

describe('erasure across replicas (REDIS_URL)', () => {
  const dbConfig = testSchemaConfig('erasure_replicas');
  const env = { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `closer-test-erasure-${process.pid}-${Date.now()}` };
  /** The sessions each replica's policy was told to forget. */
  const forgotten: Record<'a' | 'b', string[]> = { a: [], b: [] };
  const replicaPolicy = (replica: 'a' | 'b') => scriptedPolicy('Hi.', { reply: policy.reply, forget: (id) => forgotten[replica].push(id) });
  let a: INestApplication;
  let b: INestApplication;
  let db: Database;
  let adminKey = '';
  let socket: Socket | undefined;

  beforeAll(async () => {
    ({ app: a, db } = await startTestApp(dbConfig, { replyPolicy: replicaPolicy('a'), env }));
    ({ app: b } = await startTestApp(dbConfig, { replyPolicy: replicaPolicy('b'), env }));
    adminKey = (await a.get(ApiKeyManager).create(setup, 'admin-key', 'admin')).key;
  });
  afterAll(async () => {
    releaseHeld();
    socket?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
    await dropSchema(dbConfig.schema);
  });

  it('an erasure through one replica stops a reply streaming on the other, even for a session no longer active, and every replica forgets the session', async () => {
    socket = await connect(await listen(b));
    const { sessionId } = (await ask(socket, 'session:start', { siteKey: 'shop-r' })) as Ack & { sessionId: string };
    const firstDelta = new Promise<void>((resolve) => socket!.once('reply:delta', () => resolve()));
    const reply = ask(socket, 'message:send', { clientMessageId: 'held', text: 'Please hold that thought.' });
    await firstDelta;
    // Closed meanwhile without its reply being stopped (as an idle timeout might): the erasure does not rely on the status.
    await db.dataSource.query(`UPDATE chat_sessions SET status = 'timed_out' WHERE id = $1`, [sessionId]);

    const res = await request(a.getHttpServer()).post('/api/v1/admin/erasures').set('authorization', `Bearer ${adminKey}`).send({ sessionId }).expect(200);
    expect(res.body).toMatchObject({ sessions: 1, liveSessionsEnded: 0 });
    expect(await reply).toMatchObject({ ok: false, error: { code: 'session_closed' } });
    expect(await db.dataSource.query(`SELECT id FROM turns WHERE session_id = $1`, [sessionId])).toEqual([]);
    expect(forgotten).toEqual({ a: [sessionId], b: [sessionId] });
  });
});
