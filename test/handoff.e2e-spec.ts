import { io } from 'socket.io-client';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { shippedCatalog } from '../src/catalog';
import { ChatMessage } from '../src/model';
import { buildTrainingData } from '../src/nightly';
import { ReplyEvent } from '../src/policy';
import { loadPersonaLibrary, PersonaRepository } from '../src/simulator';
import { connect, listen, request as ask } from './support/chat-client';
import { AdminMethod, adminSocket, recordAll, startLiveApp, until } from './support/live-clients';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';

const REPLY = 'Growth is $59 per seat a month.';
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };

/** The prompts the agent was given, and a gate that holds a reply after its first sentence while set. */
const prompts: ChatMessage[][] = [];
const hold: { gate?: Promise<void>; firstSentence?: () => void } = {};
const policy = scriptedPolicy(REPLY, {
  async *reply(messages): AsyncIterable<ReplyEvent> {
    prompts.push(messages);
    if (hold.gate) {
      yield { kind: 'delta', text: 'Let me check. ' };
      hold.firstSentence?.();
      await hold.gate;
      yield { kind: 'delta', text: 'Growth has forecasting.' };
      yield { kind: 'done', text: 'Let me check. Growth has forecasting.', promptTokens: 1, completionTokens: 1 };
      return;
    }
    yield { kind: 'delta', text: REPLY };
    yield { kind: 'done', text: REPLY, promptTokens: 1, completionTokens: 1 };
  },
});

let live: Awaited<ReturnType<typeof startLiveApp>>;
beforeAll(async () => {
  // The scripted reply answers nothing a visitor asks; the non-answer check (and the catalog's answer it ends in) is the guardrail's tests'.
  live = await startLiveApp('handoff', { replyPolicy: policy, env: { GUARDRAIL_NON_ANSWER: 'false' } }, { admin: 'admin', operator: 'operator', other: 'operator', viewer: 'viewer' });
});
afterAll(() => live?.close());
const keys = { admin: () => live.keys.admin.key, operator: () => live.keys.operator.key, other: () => live.keys.other.key, viewer: () => live.keys.viewer.key };

const expectError = (res: request.Response, status: number, code: string) => expect({ status: res.status, code: res.body.code }).toEqual({ status, code });

/** A dashboard's socket on `/admin`, recording every event it hears. */
async function dashboard(key: string) {
  const { socket, heard } = await adminSocket(live.url, key);
  live.sockets.push(socket);
  return { socket, heard, turns: () => heard.filter(([e]) => e === 'session:turn').map(([, p]) => p) };
}

/** A widget with a started session, recording what the visitor receives. */
async function widget() {
  const socket = await connect(live.url);
  live.sockets.push(socket);
  const heard = recordAll(socket);
  const started = await ask(socket, 'session:start', { siteKey: 'handoff-site' });
  return { socket, heard, sessionId: started.sessionId as string, resumeToken: started.resumeToken as string };
}

const rolesOf = async (sessionId: string) => (await live.sql(`SELECT role FROM turns WHERE session_id = $1 ORDER BY index`, [sessionId])).map((r: { role: string }) => r.role);

describe('/admin socket authentication', () => {
  it.each([['no key', undefined], ['a malformed key', 'nope'], ['an unknown key', `ck_${'A'.repeat(43)}`]])('%s: connect_error "unauthorized"', async (_label, key) => {
    const socket = io(`${live.url}/admin`, { transports: ['websocket'], forceNew: true, auth: key ? { key } : {} });
    live.sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
  });

  it('a viewer connects and watches; a bad payload and an unknown session are refused through the ack', async () => {
    const { socket } = await dashboard(keys.viewer());
    expect(await socket.emitWithAck('session:watch', { sessionId: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await socket.emitWithAck('session:watch', { sessionId: '00000000-0000-0000-0000-000000000000' })).toMatchObject({ ok: false, error: { code: 'unknown_session' } });
    expect(await socket.emitWithAck('session:peek', {})).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
  });

  it('a key revoked after the handshake watches nothing more', async () => {
    const temp = await live.app.get(ApiKeyManager).create(setup, 'temp-key', 'viewer');
    const { socket } = await dashboard(temp.key);
    const { sessionId } = await widget();
    await live.app.get(ApiKeyManager).revoke(setup, temp.id);
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
    expect(await socket.emitWithAck('session:watch', { sessionId })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    await disconnected;
  });
});

describe('REST auth', () => {
  const id = '00000000-0000-0000-0000-000000000000';
  const routes: { method: AdminMethod; path: string; role: 'viewer' | 'operator'; body?: unknown }[] = [
    { method: 'get', path: 'handoffs?state=waiting', role: 'viewer' },
    { method: 'post', path: `sessions/${id}/takeover`, role: 'operator', body: {} },
    { method: 'post', path: `sessions/${id}/messages`, role: 'operator', body: { text: 'Hello' } },
    { method: 'post', path: `sessions/${id}/release`, role: 'operator', body: {} },
    { method: 'get', path: 'handoff-rules', role: 'viewer' },
    { method: 'post', path: 'handoff-rules', role: 'operator', body: { id: 'x', kind: 'deal_value', minValue: 1 } },
    { method: 'put', path: 'handoff-rules/x', role: 'operator', body: { id: 'x', kind: 'deal_value', minValue: 1 } },
    { method: 'delete', path: 'handoff-rules/x', role: 'operator' },
  ];
  it.each(routes)('$method /$path: 401 without a valid key, 403 below $role', async ({ method, path, role, body }) => {
    expectError(await live.call(method, path, undefined, body), 401, 'unauthorized');
    expectError(await live.call(method, path, `ck_${'A'.repeat(43)}`, body), 401, 'unauthorized');
    if (role === 'operator') expectError(await live.call(method, path, keys.viewer(), body), 403, 'forbidden');
  });
});

describe('OpenAPI', () => {
  it('documents the handoff routes and the rule body of each kind', async () => {
    const doc = (await request(live.app.getHttpServer()).get('/api/docs-json').expect(200)).body;
    for (const p of ['/api/v1/admin/handoffs', '/api/v1/admin/sessions/{id}/takeover', '/api/v1/admin/sessions/{id}/messages', '/api/v1/admin/sessions/{id}/release', '/api/v1/admin/handoff-rules', '/api/v1/admin/handoff-rules/{id}']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(JSON.stringify(doc.paths['/api/v1/admin/handoff-rules'].post.requestBody)).toMatch(/visitor_request.*deal_value|deal_value.*visitor_request/);
  });
});

describe('live takeover (real Postgres, real socket.io)', () => {
  it('take over → the visitor’s message gets no AI reply and reaches the watcher; the person’s message reaches the widget; release → the agent answers with it in its history', async () => {
    const visitor = await widget();
    const watcher = await dashboard(keys.viewer());
    const operator = await dashboard(keys.operator());
    expect(await ask(visitor.socket, 'message:send', { clientMessageId: 'm1', text: 'Does Growth include forecasting?' })).toMatchObject({ ok: true, text: REPLY });
    const watched = await watcher.socket.emitWithAck('session:watch', { sessionId: visitor.sessionId });
    expect(watched).toMatchObject({ ok: true, status: 'active', handoff: null });
    expect(watched.history.map((t: { role: string; author: unknown }) => [t.role, t.author])).toEqual([
      ['visitor', { kind: 'visitor' }],
      ['agent', { kind: 'ai' }],
    ]);

    const taken = await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator(), { displayName: 'Alice' }).expect(200);
    expect(taken.body).toMatchObject({ sessionId: visitor.sessionId, state: 'active', reason: 'operator', ruleId: null, takenBy: { keyId: live.keys.operator.id, name: 'Alice' } });
    await until(() => operator.heard.some(([e]) => e === 'handoff:taken'), 'handoff:taken');
    expect(operator.heard.find(([e]) => e === 'handoff:taken')![1]).toMatchObject({ sessionId: visitor.sessionId, by: { keyId: live.keys.operator.id, name: 'Alice' } });
    await until(() => visitor.heard.some(([e]) => e === 'handoff:state'), 'handoff:state');
    expect(visitor.heard.find(([e]) => e === 'handoff:state')![1]).toMatchObject({ state: 'person', name: 'Alice', notice: { text: 'Alice, a person from our team, has joined the chat.' } });

    // Held: the message is stored and acknowledged, no reply is written or streamed.
    const promptsBefore = prompts.length;
    const before = visitor.heard.length;
    const held = await ask(visitor.socket, 'message:send', { clientMessageId: 'm2', text: 'Can I get a discount for 12 seats?' });
    expect(held).toEqual({ ok: true, clientMessageId: 'm2', visitorTurnId: expect.any(String), duplicate: false, heldByPerson: true });
    expect(prompts.length).toBe(promptsBefore);
    expect(visitor.heard.slice(before).map(([e]) => e)).toEqual([]);
    await until(() => watcher.turns().some((t) => t.turnId === held.visitorTurnId), 'the held message on the watcher');
    expect(watcher.turns().find((t) => t.turnId === held.visitorTurnId)).toMatchObject({ sessionId: visitor.sessionId, role: 'visitor', author: { kind: 'visitor' }, text: 'Can I get a discount for 12 seats?' });

    // The person answers through the same widget protocol, marked as a person.
    const sent = await live.call('post', `sessions/${visitor.sessionId}/messages`, keys.operator(), { text: 'Yes: 17% off on annual billing.' }).expect(201);
    expect(sent.body).toMatchObject({ sessionId: visitor.sessionId, role: 'person', author: { kind: 'person', name: 'Alice' }, text: 'Yes: 17% off on annual billing.' });
    await until(() => visitor.heard.some(([e]) => e === 'message:person'), 'message:person');
    expect(visitor.heard.find(([e]) => e === 'message:person')![1]).toMatchObject({ turnId: sent.body.turnId, text: 'Yes: 17% off on annual billing.', author: { kind: 'person', name: 'Alice' } });
    await until(() => watcher.turns().some((t) => t.turnId === sent.body.turnId), 'the person turn on the watcher');
    const [stored] = await live.sql(`SELECT role, author_key_id, author_name, model_version_id, latency_ms FROM turns WHERE id = $1`, [sent.body.turnId]);
    expect(stored).toEqual({ role: 'person', author_key_id: live.keys.operator.id, author_name: 'Alice', model_version_id: null, latency_ms: null });

    // A reload shows who answers now, and the person's turn as theirs.
    const reloaded = await connect(live.url);
    live.sockets.push(reloaded);
    const resumed = await ask(reloaded, 'session:start', { siteKey: 'handoff-site', resumeToken: visitor.resumeToken });
    expect(resumed.handoff).toEqual({ state: 'person', name: 'Alice' });
    expect((resumed.history as { role: string; author: unknown }[]).map((t) => [t.role, t.author])).toEqual([
      ['visitor', { kind: 'visitor' }],
      ['agent', { kind: 'ai' }],
      ['system', { kind: 'system' }],
      ['visitor', { kind: 'visitor' }],
      ['person', { kind: 'person', name: 'Alice' }],
    ]);

    await live.call('post', `sessions/${visitor.sessionId}/release`, keys.operator()).expect(200);
    await until(() => visitor.heard.filter(([e]) => e === 'handoff:state').length === 2, 'the hand-back state');
    expect(visitor.heard.filter(([e]) => e === 'handoff:state')[1][1]).toMatchObject({ state: 'agent', name: null, notice: { text: "Alice has left the chat. You're chatting with our AI assistant again." } });
    await until(() => operator.heard.some(([e]) => e === 'handoff:released'), 'handoff:released');

    const again = await ask(visitor.socket, 'message:send', { clientMessageId: 'm3', text: 'Great, and is there a trial?' });
    expect(again).toMatchObject({ ok: true, text: REPLY, duplicate: false });
    // The agent continued from what the visitor was told: the person's message is the seller's side; notices are not in the prompt.
    expect(prompts.at(-1)!.slice(1)).toEqual([
      { role: 'user', content: 'Does Growth include forecasting?' },
      { role: 'assistant', content: REPLY },
      { role: 'user', content: 'Can I get a discount for 12 seats?' },
      { role: 'assistant', content: 'Yes: 17% off on annual billing.' },
      { role: 'user', content: 'Great, and is there a trial?' },
    ]);
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'agent', 'system', 'visitor', 'person', 'system', 'visitor', 'agent']);

    const audit = await live.sql(`SELECT action, actor_name, target_id, summary FROM admin_audit_log WHERE target_id = $1 ORDER BY created_at, id`, [visitor.sessionId]);
    expect(audit).toEqual([
      { action: 'handoff.takeover', actor_name: 'operator-key', target_id: visitor.sessionId, summary: { handoffId: taken.body.id, reason: 'operator', ruleId: null, displayName: 'Alice' } },
      { action: 'handoff.message', actor_name: 'operator-key', target_id: visitor.sessionId, summary: { turnId: sent.body.turnId, characters: 31 } },
      { action: 'handoff.release', actor_name: 'operator-key', target_id: visitor.sessionId, summary: { handoffId: taken.body.id, heldBy: 'Alice', byHolder: true } },
    ]);
    expect(JSON.stringify(audit)).not.toContain('17%');
  });

  it('a Rasa client gets the person’s messages and the notices as bot_uttered marked in metadata, and no AI reply while held', async () => {
    const rasa = io(live.url, { path: '/socket.io/', transports: ['websocket'], forceNew: true });
    live.sockets.push(rasa);
    await new Promise<void>((resolve, reject) => rasa.once('connect', () => resolve()).once('connect_error', reject));
    const uttered: Record<string, unknown>[] = [];
    rasa.on('bot_uttered', (m: Record<string, unknown>) => uttered.push(m));
    rasa.emit('session_request', { session_id: 'rasa-handoff-1' });
    await new Promise((resolve) => rasa.once('session_confirm', resolve));
    rasa.emit('user_uttered', { message: 'How much is Growth?', session_id: 'rasa-handoff-1' });
    await until(() => uttered.length === 1, 'the AI reply');
    expect(uttered[0]).toEqual({ text: REPLY });
    const [{ id: sessionId }] = await live.sql(`SELECT id FROM chat_sessions WHERE metadata->>'rasaSessionId' = 'rasa-handoff-1'`);

    await live.call('post', `sessions/${sessionId}/takeover`, keys.operator(), {}).expect(200);
    await until(() => uttered.length === 2, 'the joined notice');
    expect(uttered[1]).toEqual({ text: 'operator-key, a person from our team, has joined the chat.', metadata: { author: 'system', handoff: 'person' } });
    rasa.emit('user_uttered', { message: 'Are you a real person now?', session_id: 'rasa-handoff-1' });
    await until(async () => (await rolesOf(sessionId)).length === 4, 'the held message stored');
    await live.call('post', `sessions/${sessionId}/messages`, keys.operator(), { text: 'Yes, I am Sam from sales.' }).expect(201);
    await until(() => uttered.length === 3, 'the person message');
    expect(uttered[2]).toEqual({ text: 'Yes, I am Sam from sales.', metadata: { author: 'person', name: 'operator-key' } });
    await live.call('post', `sessions/${sessionId}/release`, keys.operator()).expect(200);
    await until(() => uttered.length === 4, 'the left notice');
    expect(uttered[3]).toMatchObject({ metadata: { author: 'system', handoff: 'agent' } });
    expect(await rolesOf(sessionId)).toEqual(['visitor', 'agent', 'system', 'visitor', 'person', 'system']);
  });

  it('a takeover stops the reply streaming at that moment: nothing more of it is sent or stored, the message waits for the person', async () => {
    const visitor = await widget();
    let release = () => undefined as void;
    hold.gate = new Promise<void>((resolve) => (release = resolve));
    const firstSentence = new Promise<void>((resolve) => (hold.firstSentence = resolve));
    try {
      const pending = ask(visitor.socket, 'message:send', { clientMessageId: 's1', text: 'Does Growth include forecasting?' });
      await firstSentence;
      await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator(), { displayName: 'Bo' }).expect(200);
      release();
      expect(await pending).toMatchObject({ ok: true, heldByPerson: true, visitorTurnId: expect.any(String) });
    } finally {
      hold.gate = undefined;
    }
    const events = visitor.heard.map(([e]) => e);
    expect(events).not.toContain('reply:final');
    expect(events.filter((e) => e === 'reply:delta').length).toBeLessThanOrEqual(1);
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'system']);
    await live.call('post', `sessions/${visitor.sessionId}/release`, keys.operator()).expect(200);
  });

  it('409s: a second operator, a non-holder writing or handing back, a closed session; 404 an unknown one; 400 bad bodies; the admin may hand any session back', async () => {
    const visitor = await widget();
    const path = (what: string) => `sessions/${visitor.sessionId}/${what}`;
    expectError(await live.call('post', path('messages'), keys.operator(), { text: 'Hello' }), 409, 'not_taken');
    expectError(await live.call('post', path('release'), keys.operator()), 409, 'not_taken');
    await live.call('post', path('takeover'), keys.operator()).expect(200);
    // Taking again what one holds changes nothing.
    expect((await live.call('post', path('takeover'), keys.operator()).expect(200)).body).toMatchObject({ takenBy: { name: 'operator-key' } });
    expectError(await live.call('post', path('takeover'), keys.other()), 409, 'already_taken');
    expectError(await live.call('post', path('messages'), keys.other(), { text: 'Hello' }), 409, 'not_taken');
    expectError(await live.call('post', path('release'), keys.other()), 409, 'not_taken');

    expectError(await live.call('post', path('messages'), keys.operator(), { text: '   ' }), 400, 'empty_text');
    expectError(await live.call('post', path('messages'), keys.operator(), { text: 'a'.repeat(8001) }), 400, 'text_too_long');
    expectError(await live.call('post', path('messages'), keys.operator(), { text: 'bell \u0007' }), 400, 'invalid_characters');
    expectError(await live.call('post', path('messages'), keys.operator(), { text: 'Hi', html: '<b>' }), 400, 'invalid_request');
    expectError(await live.call('post', path('takeover'), keys.other(), { displayName: '<script>' }), 400, 'invalid_request');
    expect((await live.sql(`SELECT count(*)::int AS n FROM turns WHERE session_id = $1 AND role = 'person'`, [visitor.sessionId]))[0].n).toBe(0);

    // An admin key may hand back a session someone else holds (they left it held).
    expect((await live.call('post', path('release'), keys.admin()).expect(200)).body).toMatchObject({ state: 'released', endedBy: { name: 'admin-key' } });
    expect((await live.sql(`SELECT summary FROM admin_audit_log WHERE action = 'handoff.release' AND target_id = $1`, [visitor.sessionId]))[0].summary).toMatchObject({ heldBy: 'operator-key', byHolder: false });

    await live.call('post', path('takeover'), keys.other()).expect(200);
    expect(await ask(visitor.socket, 'session:end')).toEqual({ ok: true });
    expectError(await live.call('post', path('takeover'), keys.operator()), 409, 'session_closed');
    expectError(await live.call('post', path('messages'), keys.other(), { text: 'Still there?' }), 409, 'session_closed');
    expect((await live.sql(`SELECT state FROM handoffs WHERE session_id = $1 ORDER BY requested_at`, [visitor.sessionId])).map((r: { state: string }) => r.state)).toEqual(['released', 'closed']);
    expectError(await live.call('post', 'sessions/00000000-0000-0000-0000-000000000000/takeover', keys.operator()), 404, 'unknown_session');
    expectError(await live.call('post', 'sessions/not-a-uuid/takeover', keys.operator()), 404, 'unknown_session');
  });

  it('a restarted server (a second app on the same database) knows who holds the session', async () => {
    const visitor = await widget();
    await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator()).expect(200);
    const { app: restarted } = await startTestApp(live.dbConfig, { replyPolicy: policy });
    try {
      const other = await listen(restarted);
      const socket = await connect(other);
      live.sockets.push(socket);
      expect(await ask(socket, 'session:start', { siteKey: 'handoff-site', resumeToken: visitor.resumeToken })).toMatchObject({ ok: true, handoff: { state: 'person', name: 'operator-key' } });
      const promptsBefore = prompts.length;
      expect(await ask(socket, 'message:send', { clientMessageId: 'after-restart', text: 'Hello?' })).toMatchObject({ ok: true, heldByPerson: true });
      expect(prompts.length).toBe(promptsBefore);
      await request(restarted.getHttpServer()).post(`/api/v1/admin/sessions/${visitor.sessionId}/release`).set('authorization', `Bearer ${keys.operator()}`).expect(200);
    } finally {
      await restarted.close();
    }
  });
});

describe('person turns are no training material and no model metric', () => {
  it('training data and persona imports read no person turn and no visitor message written after the takeover', async () => {
    const visitor = await widget();
    await ask(visitor.socket, 'message:send', { clientMessageId: 't1', text: 'Hello there' });
    await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator()).expect(200);
    await live.call('post', `sessions/${visitor.sessionId}/messages`, keys.operator(), { text: 'Enterprise has SSO and an audit log for 80 users.' }).expect(201);
    await ask(visitor.socket, 'message:send', { clientMessageId: 't2', text: 'Great, we need SSO and an audit log for 80 users.' });

    const catalog = shippedCatalog();
    const library = loadPersonaLibrary(catalog);
    const data = await buildTrainingData(live.db.dataSource, catalog, library, { start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 60_000) }, 100);
    const text = JSON.stringify(data);
    expect(text).not.toMatch(/SSO|audit log|80 users/);
    expect(data.record.derived.find((p) => p.id === `live-${visitor.sessionId.slice(0, 8)}`)).toBeUndefined();
    const imported = await live.app.get(PersonaRepository).deriveFromLiveSessions(catalog, library[0]);
    expect(imported.find((p) => p.id === `live-${visitor.sessionId.slice(0, 8)}`)).toBeUndefined();
    expect(JSON.stringify(imported)).not.toMatch(/SSO|audit log/);

    // Before the takeover, a session's openings are read as before.
    const control = await widget();
    await ask(control.socket, 'message:send', { clientMessageId: 'c1', text: 'Do you have SSO? We are 80 users.' });
    await live.call('post', `sessions/${control.sessionId}/takeover`, keys.operator()).expect(200);
    await ask(control.socket, 'message:send', { clientMessageId: 'c2', text: 'And forecasting?' });
    const derived = (await live.app.get(PersonaRepository).deriveFromLiveSessions(catalog, library[0])).find((p) => p.id === `live-${control.sessionId.slice(0, 8)}`);
    expect(derived).toMatchObject({ needs: ['sso'], companySize: 80, opening: 'Do you have SSO? We are 80 users.' });
  });

  it('admin metrics count agent turns only; /metrics counts person turns apart from reply latency', async () => {
    const scrape = async () => (await request(live.app.getHttpServer()).get('/metrics').expect(200)).text;
    const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? 0);
    const before = await scrape();
    const visitor = await widget();
    await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator()).expect(200);
    await live.call('post', `sessions/${visitor.sessionId}/messages`, keys.operator(), { text: 'Hi, I am from the sales team.' }).expect(201);
    const after = await scrape();
    expect(sample(after, 'closer_turns_total{role="person"}') - sample(before, 'closer_turns_total{role="person"}')).toBe(1);
    expect(sample(after, 'closer_reply_duration_seconds_count')).toBe(sample(before, 'closer_reply_duration_seconds_count'));
    expect(sample(after, 'closer_turns_total{role="agent"}')).toBe(sample(before, 'closer_turns_total{role="agent"}'));

    // Per model version: the agent turns of sessions no person took over (a person's session is partly theirs).
    const { body } = await live.call('get', 'metrics?groupBy=model', keys.viewer()).expect(200);
    const [{ n: agentTurns }] = await live.sql(
      `SELECT count(*)::int AS n FROM turns t WHERE t.role = 'agent' AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = t.session_id AND h.taken_at IS NOT NULL)`,
    );
    expect(body.items.reduce((sum: number, r: { agentTurns: number }) => sum + r.agentTurns, 0)).toBe(agentTurns);
    const [{ n: taken }] = await live.sql(`SELECT count(DISTINCT session_id)::int AS n FROM handoffs WHERE taken_at IS NOT NULL`);
    expect(body.personHandledSessions).toBe(taken);
    await live.call('post', `sessions/${visitor.sessionId}/release`, keys.operator()).expect(200);
  });
});

