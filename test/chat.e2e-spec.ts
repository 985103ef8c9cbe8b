import { INestApplication } from '@nestjs/common';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'socket.io-client';
import { ProductCatalog, shippedCatalog, systemPrompt } from '../src/catalog';
import { aiDisclosureFallback, SAFE_FALLBACK } from '../src/chat';
import { Database } from '../src/database';
import { ModelPolicyService, PolicyBusyError, ReplyEvent, ReplyPolicy } from '../src/policy';
import { ModelRegistry } from '../src/registry';
import { ChatSessionRepository } from '../src/sessions';
import { SitesRepository } from '../src/sites';
import { connect, listen, request } from './support/chat-client';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const defaultCatalog = shippedCatalog();

describe('/chat with the default model (real Postgres, real socket.io)', () => {
  const dbConfig = testSchemaConfig('chat');
  let app: INestApplication;
  let db: Database;
  let url: string;
  const sockets: Socket[] = [];
  const open = async () => {
    const s = await connect(url);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig));
    url = await listen(app);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('stores a full conversation with scores, streaming each reply', async () => {
    const socket = await open();
    const started = await request(socket, 'session:start', { siteKey: 'demo-site' });
    expect(started).toMatchObject({ ok: true, resumed: false, history: [] });
    const deltas: string[] = [];
    const events: string[] = [];
    socket.on('typing', () => events.push('typing'));
    socket.on('reply:delta', (d: { text: string }) => deltas.push(d.text));
    socket.on('reply:final', () => events.push('final'));

    const first = await request(socket, 'message:send', { clientMessageId: 'm1', text: 'How much is the Growth plan?' });
    expect(first.ok).toBe(true);
    expect(deltas.join('')).toBe(first.text);
    expect(events).toEqual(['typing', 'final']);
    await request(socket, 'message:send', { clientMessageId: 'm2', text: 'Do you have a mobile app?' });

    const turns = await db.dataSource.query(`SELECT index, role, text, model_version_id, latency_ms, completion_tokens FROM turns WHERE session_id = $1 ORDER BY index`, [started.sessionId]);
    expect(turns.map((t: { role: string }) => t.role)).toEqual(['visitor', 'agent', 'visitor', 'agent']);
    expect(turns[1].text).toBe(first.text);
    expect(turns[1].model_version_id).not.toBeNull();
    // The model answering visitors is the registry's champion, and the only one.
    const versions = await db.dataSource.query(`SELECT id, name, status, promoted_at FROM model_versions WHERE status = 'champion'`);
    expect(versions).toEqual([expect.objectContaining({ id: turns[1].model_version_id, name: 'default', status: 'champion' })]);
    expect(versions[0].promoted_at).not.toBeNull();
    expect(turns[1].completion_tokens).toBeGreaterThan(0);
    const scorers = await db.dataSource.query(`SELECT scorer FROM turn_scores WHERE turn_id = $1 ORDER BY scorer`, [first.turnId]);
    expect(scorers.map((s: { scorer: string }) => s.scorer)).toEqual(['bot_likeness', 'compliance', 'fluency', 'guardrail', 'repetition', 'total']);
  });

  it('a server answering with another model registers it without replacing the champion (the registry owns promotions)', async () => {
    const repository = new ChatSessionRepository(db.dataSource);
    await repository.servedModelVersionId('served-a', '/models/a'); // the champion, unless a reply already made one
    const [champion] = await db.dataSource.query(`SELECT id FROM model_versions WHERE status = 'champion'`);
    const other = await repository.servedModelVersionId('served-b', '/models/b');
    expect(await repository.servedModelVersionId('served-b', '/models/b')).toBe(other);
    const rows = await db.dataSource.query(`SELECT id, status FROM model_versions WHERE id IN ($1, $2) ORDER BY name`, [champion.id, other]);
    expect(rows).toEqual([
      { id: champion.id, status: 'champion' },
      { id: other, status: 'candidate' },
    ]);
  });

  it('a retried client message id gets the stored reply and creates nothing', async () => {
    const socket = await open();
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    const [a, b] = await Promise.all([
      request(socket, 'message:send', { clientMessageId: 'same', text: 'Is there a free trial?' }),
      request(socket, 'message:send', { clientMessageId: 'same', text: 'Is there a free trial?' }),
    ]);
    // Either may reach the turn loop first (each handler awaits its session lookup): one generates, the other gets its stored reply.
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(b).toMatchObject({ ok: true, turnId: a.turnId, text: a.text });
    const again = await request(socket, 'message:send', { clientMessageId: 'same', text: 'Is there a free trial?' });
    expect(again.turnId).toBe(a.turnId);
    const [{ count }] = await db.dataSource.query(`SELECT count(*) FROM turns WHERE session_id = $1`, [sessionId]);
    expect(Number(count)).toBe(2);
  });

  it('resumes after a disconnect with the history', async () => {
    const socket = await open();
    const started = await request(socket, 'session:start', { siteKey: 'demo-site' });
    await request(socket, 'message:send', { clientMessageId: 'r1', text: 'Hello, do you integrate with Slack?' });
    socket.disconnect();
    const again = await open();
    const resumed = await request(again, 'session:start', { siteKey: 'demo-site', resumeToken: started.resumeToken });
    expect(resumed).toMatchObject({ ok: true, resumed: true, sessionId: started.sessionId });
    expect((resumed.history as { role: string }[]).map((t) => t.role)).toEqual(['visitor', 'agent']);
    const wrong = await request(again, 'session:start', { siteKey: 'other-site', resumeToken: started.resumeToken });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unknown_session' } });
  });

  it('records a widget conversion once', async () => {
    const socket = await open();
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    expect(await request(socket, 'conversion:report', { ctaId: 'book-demo', value: 1200, currency: 'USD' })).toEqual({ ok: true, duplicate: false });
    expect(await request(socket, 'conversion:report', { ctaId: 'book-demo' })).toEqual({ ok: true, duplicate: true });
    const rows = await db.dataSource.query(`SELECT source, value, currency FROM conversions WHERE session_id = $1`, [sessionId]);
    expect(rows).toEqual([{ source: 'widget', value: 1200, currency: 'USD' }]);
  });

  it('malformed events get error events, change nothing, and the socket stays usable', async () => {
    const socket = await open();
    const errors: { event: string; code: string }[] = [];
    socket.on('chat:error', (e) => errors.push(e));
    expect(await request(socket, 'message:send', { clientMessageId: 'x', text: 'hi' })).toMatchObject({ ok: false, error: { code: 'no_session' } });
    expect(await request(socket, 'session:start', { siteKey: 'bad key!' })).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    const cases: [unknown, string][] = [
      [{ text: 'missing id' }, 'invalid_payload'],
      [{ clientMessageId: 5, text: 'wrong type' }, 'invalid_payload'],
      ['not an object', 'invalid_payload'],
      [{ clientMessageId: 'big', text: 'x'.repeat(20_000) }, 'text_too_long'],
      // within the 8000-character limit, but more than the model's 512-token context
      [{ clientMessageId: 'ctx', text: 'pricing question '.repeat(400).trim() }, 'text_too_long'],
      [{ clientMessageId: 'ctl', text: 'bell\u0007' }, 'invalid_characters'],
      [{ clientMessageId: 'empty', text: '   ' }, 'empty_text'],
    ];
    for (const [payload, code] of cases) expect(await request(socket, 'message:send', payload)).toMatchObject({ ok: false, error: { code } });
    expect(errors.map((e) => e.code)).toEqual(['no_session', 'invalid_payload', ...cases.map(([, code]) => code)]);
    const [{ count }] = await db.dataSource.query(`SELECT count(*) FROM turns WHERE session_id = $1`, [sessionId]);
    expect(Number(count)).toBe(0);
    expect((await request(socket, 'message:send', { clientMessageId: 'ok', text: 'Still there?' })).ok).toBe(true);
  });

  it('an idle session times out and then refuses messages', async () => {
    const socket = await open();
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    await db.dataSource.query(`UPDATE chat_sessions SET last_activity_at = now() - interval '31 minutes' WHERE id = $1`, [sessionId]);
    const sessions = app.get(ChatSessionRepository);
    expect(await sessions.timeOutIdle(30)).toHaveLength(1);
    expect(await sessions.timeOutIdle(30)).toEqual([]);
    await expect(sessions.addVisitorTurn('00000000-0000-4000-8000-000000000000', 'x', 'hi')).rejects.toThrow('unknown session');
    expect(await request(socket, 'message:send', { clientMessageId: 'idle', text: 'hello?' })).toMatchObject({ ok: false, error: { code: 'session_closed' } });
  });

  it('a closed session refuses new messages', async () => {
    const socket = await open();
    await request(socket, 'session:start', { siteKey: 'demo-site' });
    expect(await request(socket, 'session:end')).toEqual({ ok: true });
    expect(await request(socket, 'message:send', { clientMessageId: 'late', text: 'hello?' })).toMatchObject({ ok: false, error: { code: 'session_closed' } });
  });
});

/** A policy that answers from a script, to drive the guardrail. */
function scriptedPolicy(replies: string[]): ReplyPolicy {
  let i = 0;
  return {
    versionName: () => 'scripted',
    isLoaded: () => true,
    assertFits: () => undefined,
    async *reply(): AsyncIterable<ReplyEvent> {
      const text = replies[Math.min(i++, replies.length - 1)];
      yield { kind: 'delta', text };
      yield { kind: 'done', text, promptTokens: 10, completionTokens: 5 };
    },
  };
}

describe('/chat guardrail', () => {
  const dbConfig = testSchemaConfig('guard');
  afterAll(() => dropSchema(dbConfig.schema));

  it('a reply that breaks a blocking rule never reaches the visitor: regenerated, else a safe fallback', async () => {
    const violating = 'We guarantee results in the first month.';
    const { app, db } = await startTestApp(dbConfig, {
      replyPolicy: scriptedPolicy([violating, 'Growth is $59 per seat a month.', violating, violating, violating]),
      env: { GUARDRAIL_MAX_REGENERATIONS: '2' },
    });
    try {
      const url = await listen(app);
      const socket = await connect(url);
      const seen: string[] = [];
      socket.on('reply:delta', (d: { text: string }) => seen.push(d.text));
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const regenerated = await request(socket, 'message:send', { clientMessageId: 'g1', text: 'Will it work for us?' });
      expect(regenerated.text).toBe('Growth is $59 per seat a month.');
      const fallback = await request(socket, 'message:send', { clientMessageId: 'g2', text: 'Promise?' });
      expect(fallback.text).toBe(SAFE_FALLBACK);
      expect(seen.join('')).not.toContain('guarantee');
      const guard = await db.dataSource.query(
        `SELECT s.evidence FROM turn_scores s JOIN turns t ON t.id = s.turn_id WHERE s.scorer = 'guardrail' ORDER BY t.index`,
      );
      expect(guard[0].evidence).toMatchObject({ regenerations: 1, fallback: false, blocked: [{ text: violating, rules: ['no-guaranteed-results'] }] });
      expect(guard[1].evidence).toMatchObject({ regenerations: 3, fallback: true });
      const [fallbackTurn] = await db.dataSource.query(`SELECT time_to_first_token_ms FROM turns WHERE id = $1`, [fallback.turnId]);
      expect(fallbackTurn.time_to_first_token_ms).toBeNull(); // no model token was sent
      socket.disconnect();
    } finally {
      await app.close();
    }
  });
});

describe('/chat AI disclosure', () => {
  const dbConfig = testSchemaConfig('disclose');
  afterAll(() => dropSchema(dbConfig.schema));

  it('asked whether a person is answering, the visitor always reads that it is an AI assistant', async () => {
    const evasion = 'Yes, visual pipeline is included in every plan.';
    const honest = "I'm an AI assistant for Pipewise. A person from our team can follow up by email.";
    // One evasion, then an honest answer (regenerated), then evasions only (fallback).
    const { app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy([evasion, honest, evasion]), env: { GUARDRAIL_MAX_REGENERATIONS: '2' } });
    try {
      const socket = await connect(await listen(app));
      const seen: string[] = [];
      socket.on('reply:delta', (d: { text: string }) => seen.push(d.text));
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const regenerated = await request(socket, 'message:send', { clientMessageId: 'd0', text: 'Am I talking to a human?' });
      expect(regenerated.text).toBe(honest);
      const phrasings = ['Are you a bot?', 'are u a real person', 'Is this an automated reply?', 'Who am I talking to?'];
      for (const [i, text] of phrasings.entries()) {
        const reply = await request(socket, 'message:send', { clientMessageId: `d${i + 1}`, text });
        expect(reply).toMatchObject({ ok: true, text: aiDisclosureFallback(defaultCatalog) });
      }
      expect(seen.join('')).not.toContain('visual pipeline');
      const guard = await db.dataSource.query(
        `SELECT s.evidence FROM turn_scores s JOIN turns t ON t.id = s.turn_id WHERE s.scorer = 'guardrail' ORDER BY t.index`,
      );
      expect(guard[0].evidence).toMatchObject({ regenerations: 1, fallback: false, blocked: [{ text: evasion, rules: ['ai-question-unanswered'] }] });
      expect(guard.slice(1).map((g: { evidence: { fallback: boolean } }) => g.evidence.fallback)).toEqual(phrasings.map(() => true));
      socket.disconnect();
    } finally {
      await app.close();
    }
  });
});

/** A policy the test steers: refuses with `busy`, or holds its reply until released. */
function steeredPolicy() {
  const state = { busy: false, hold: Promise.resolve(), generating: () => undefined as void };
  const policy: ReplyPolicy = {
    versionName: () => 'steered',
    isLoaded: () => true,
    assertFits: () => undefined,
    async *reply(): AsyncIterable<ReplyEvent> {
      if (state.busy) throw new PolicyBusyError(64);
      state.generating();
      await state.hold;
      const text = 'Growth is $59 per seat a month.';
      yield { kind: 'delta', text };
      yield { kind: 'done', text, promptTokens: 10, completionTokens: 5 };
    },
  };
  return { policy, state };
}

describe('/chat refusals and retries', () => {
  const dbConfig = testSchemaConfig('refusal');
  const { policy, state } = steeredPolicy();
  let app: INestApplication;
  let db: Database;
  let socket: Socket;
  const events: string[] = [];
  const turnsOf = async (sessionId: unknown) =>
    (await db.dataSource.query(`SELECT role, client_message_id FROM turns WHERE session_id = $1 ORDER BY index`, [sessionId])) as { role: string; client_message_id: string }[];

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig, { replyPolicy: policy }));
    socket = await connect(await listen(app));
    for (const name of ['typing', 'reply:delta', 'reply:final', 'chat:error']) socket.on(name, () => events.push(name));
  });
  beforeEach(() => {
    events.length = 0;
    state.busy = false;
    state.hold = Promise.resolve();
  });
  afterAll(async () => {
    socket.disconnect();
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('busy stores nothing and emits nothing but the error; the retry is answered as new', async () => {
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    state.busy = true;
    expect(await request(socket, 'message:send', { clientMessageId: 'b1', text: 'How much is Growth?' })).toMatchObject({ ok: false, error: { code: 'busy' } });
    expect(events).toEqual(['chat:error']);
    expect(await turnsOf(sessionId)).toEqual([]);
    state.busy = false;
    expect(await request(socket, 'message:send', { clientMessageId: 'b1', text: 'How much is Growth?' })).toMatchObject({ ok: true, duplicate: false });
    expect((await turnsOf(sessionId)).map((t) => t.role)).toEqual(['visitor', 'agent']);
  });

  it('a retry that gets its reply for the first time is not a duplicate; the next one is', async () => {
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    // The visitor turn was stored by a server that stopped before replying.
    await app.get(ChatSessionRepository).addVisitorTurn(sessionId as string, 'r1', 'Is there a trial?');
    const first = await request(socket, 'message:send', { clientMessageId: 'r1', text: 'Is there a trial?' });
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(await request(socket, 'message:send', { clientMessageId: 'r1', text: 'Is there a trial?' })).toMatchObject({ ok: true, duplicate: true, turnId: first.turnId });
    expect((await turnsOf(sessionId)).map((t) => t.role)).toEqual(['visitor', 'agent']);
  });

  it('session:end during generation: no reply is stored or sent', async () => {
    const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
    let release = () => undefined as void;
    state.hold = new Promise((resolve) => (release = resolve));
    const generating = new Promise<void>((resolve) => (state.generating = resolve));
    const pending = request(socket, 'message:send', { clientMessageId: 'e1', text: 'What does Starter include?' });
    await generating;
    expect(await request(socket, 'session:end')).toEqual({ ok: true });
    release();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'session_closed' } });
    // The reply was still held by the policy when the session ended: not even `typing` went out.
    expect(events).toEqual(['chat:error']);
    expect((await turnsOf(sessionId)).map((t) => t.role)).toEqual(['visitor']);
  });

  it('an unknown event is answered with unknown_event, acknowledged or not', async () => {
    expect(await request(socket, 'message:sent', { clientMessageId: 'x', text: 'typo in the event' })).toEqual({
      ok: false,
      error: { code: 'unknown_event', message: expect.stringContaining('message:send') },
    });
    const error = new Promise((resolve) => socket.once('chat:error', resolve));
    socket.emit('hello');
    expect(await error).toMatchObject({ event: 'hello', code: 'unknown_event' });
  });
});

describe('/chat stored timings', () => {
  const dbConfig = testSchemaConfig('timing');
  afterAll(() => dropSchema(dbConfig.schema));

  it('time_to_first_token_ms runs from the start of generation to the first token, not to the end of the reply', async () => {
    const slowTail: ReplyPolicy = {
      versionName: () => 'slow-tail',
      isLoaded: () => true,
      assertFits: () => undefined,
      async *reply(): AsyncIterable<ReplyEvent> {
        yield { kind: 'delta', text: 'Growth is $59' };
        await new Promise((resolve) => setTimeout(resolve, 300));
        yield { kind: 'done', text: 'Growth is $59 per seat a month.', promptTokens: 10, completionTokens: 8 };
      },
    };
    const { app, db } = await startTestApp(dbConfig, { replyPolicy: slowTail });
    try {
      const socket = await connect(await listen(app));
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const reply = await request(socket, 'message:send', { clientMessageId: 't1', text: 'How much is Growth?' });
      const [turn] = await db.dataSource.query(`SELECT latency_ms, time_to_first_token_ms FROM turns WHERE id = $1`, [reply.turnId]);
      expect(turn.latency_ms).toBeGreaterThanOrEqual(300);
      expect(turn.latency_ms - turn.time_to_first_token_ms).toBeGreaterThanOrEqual(290);
      socket.disconnect();
    } finally {
      await app.close();
    }
  });
});

describe('widget assets', () => {
  const dbConfig = testSchemaConfig('assets');
  afterAll(() => dropSchema(dbConfig.schema));

  it('serves the demo page, widget.js and the socket.io client', async () => {
    const { app } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(['Hi!']) });
    try {
      const url = await listen(app);
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toContain('<script src="/widget.js" data-site-key="demo"');
      const widget = await fetch(`${url}/widget.js`);
      expect(widget.headers.get('content-type')).toMatch(/javascript/);
      expect(await widget.text()).toContain('attachShadow');
      expect((await fetch(`${url}/socket.io/socket.io.min.js`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe("/chat sells each site's own catalog", () => {
  const dbConfig = testSchemaConfig('catalogs');
  afterAll(() => dropSchema(dbConfig.schema));

  it('the server catalog comes from CATALOG_PATH, a site added with its own catalog is answered and checked against that one', async () => {
    const acme: ProductCatalog = { ...defaultCatalog, product: 'Acme CRM', plans: defaultCatalog.plans.map((p) => ({ ...p, monthlyPricePerSeat: p.monthlyPricePerSeat + 1 })) };
    const catalogPath = join(mkdtempSync(join(tmpdir(), 'acme-')), 'acme.json');
    writeFileSync(catalogPath, JSON.stringify(acme));
    const systemPrompts: string[] = [];
    const pipewiseGrowthPrice = 'Growth is $59 per seat a month.';
    const policy: ReplyPolicy = {
      versionName: () => 'scripted',
      isLoaded: () => true,
      assertFits: () => undefined,
      async *reply(messages): AsyncIterable<ReplyEvent> {
        systemPrompts.push(messages[0].content);
        yield { kind: 'done', text: pipewiseGrowthPrice, promptTokens: 10, completionTokens: 5 };
      },
    };
    const { app } = await startTestApp(dbConfig, { replyPolicy: policy, env: { CATALOG_PATH: catalogPath, GUARDRAIL_MAX_REGENERATIONS: '0' } });
    try {
      await app.get(SitesRepository).create('pipewise-shop', 'Pipewise shop', shippedCatalog());
      const socket = await connect(await listen(app));
      const ask = async (siteKey: string) => {
        await request(socket, 'session:start', { siteKey });
        return (await request(socket, 'message:send', { clientMessageId: `price-${siteKey}`, text: 'What does Growth cost?' })).text;
      };
      // $59 is Pipewise's Growth price: right for the site that sells Pipewise, wrong for the server's Acme catalog.
      expect(await ask('pipewise-shop')).toBe(pipewiseGrowthPrice);
      expect(await ask('any-other-site')).toBe(SAFE_FALLBACK);
      expect(systemPrompts).toEqual([systemPrompt(defaultCatalog), systemPrompt(acme)]);
      socket.disconnect();
    } finally {
      await app.close();
    }
  });
});

describe('/chat hot swap', () => {
  const dbConfig = testSchemaConfig('swap');
  afterAll(() => dropSchema(dbConfig.schema));

  it("a promotion reaches the running server (LISTEN/NOTIFY): the next reply comes from the new champion and is stored with its version", async () => {
    const { app, db } = await startTestApp(dbConfig);
    try {
      const socket = await connect(await listen(app));
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      const before = await request(socket, 'message:send', { clientMessageId: 's1', text: 'How much is the Growth plan?' });
      const versionOf = async (turnId: unknown) =>
        (await db.dataSource.query(`SELECT v.name FROM turns t JOIN model_versions v ON v.id = t.model_version_id WHERE t.id = $1`, [turnId]))[0].name;
      expect(await versionOf(before.turnId)).toBe('default');

      const nextDir = join(mkdtempSync(join(tmpdir(), 'closer-swap-')), 'night-v2');
      cpSync(join(__dirname, '..', 'models', 'default'), nextDir, { recursive: true });
      await db.dataSource.query(`INSERT INTO model_versions (name, artifact_path) VALUES ('night-v2', $1)`, [nextDir]);
      await new ModelRegistry(db.dataSource).promote('night-v2');
      const policy = app.get(ModelPolicyService);
      for (const deadline = Date.now() + 10_000; policy.versionName() !== 'night-v2' && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));

      const after = await request(socket, 'message:send', { clientMessageId: 's2', text: 'And the Starter plan?' });
      expect(after.ok).toBe(true);
      expect(await versionOf(after.turnId)).toBe('night-v2');
      // The session goes on across the swap: its history is intact.
      const turns = await db.dataSource.query(`SELECT role FROM turns WHERE session_id = (SELECT session_id FROM turns WHERE id = $1) ORDER BY index`, [after.turnId]);
      expect(turns.map((t: { role: string }) => t.role)).toEqual(['visitor', 'agent', 'visitor', 'agent']);
      socket.disconnect();
    } finally {
      await app.close();
    }
  });
});
