import request from 'supertest';
import { SessionTimeoutJob } from '../src/chat/session-timeout.job';
import { PolicyBusyError } from '../src/policy';
import { connect, request as ask } from './support/chat-client';
import { adminSocket, recordAll, startLiveApp, until } from './support/live-clients';
import { scriptedPolicy } from './support/scripted-policy';

const REPLY = 'Happy to help with that.';
const WAITING_NOTICE = "I've asked a person from our team to join this chat. Until they do, I'm an AI assistant and I can keep answering your questions.";

let live: Awaited<ReturnType<typeof startLiveApp>>;
/** While set, the model refuses every reply busy (its queue is full). */
let busy = false;
const policy = scriptedPolicy(REPLY, {
  async *reply() {
    if (busy) throw new PolicyBusyError(1);
    yield { kind: 'delta', text: REPLY };
    yield { kind: 'done', text: REPLY, promptTokens: 1, completionTokens: 1 };
  },
});
beforeAll(async () => {
  // The scripted reply answers nothing a visitor asks; the non-answer check (and the catalog's answer it ends in) is the guardrail's tests'.
  live = await startLiveApp('handoffrules', { replyPolicy: policy, env: { GUARDRAIL_NON_ANSWER: 'false' } }, { operator: 'operator', viewer: 'viewer' });
});
afterAll(() => live?.close());
const keys = { operator: () => live.keys.operator.key, viewer: () => live.keys.viewer.key };

const expectError = (res: request.Response, status: number, code: string, message?: RegExp) => {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  if (message) expect(res.body.message).toMatch(message);
};
const waitingGauge = async () => {
  const text = (await request(live.app.getHttpServer()).get('/metrics').expect(200)).text;
  expect(text).toContain('# TYPE closer_handoffs_waiting gauge');
  return Number(text.split('\n').find((l) => l.startsWith('closer_handoffs_waiting '))!.split(' ')[1]);
};

async function dashboard() {
  const { socket, heard } = await adminSocket(live.url, keys.viewer());
  live.sockets.push(socket);
  return { heard, of: (event: string, sessionId: string) => heard.filter(([e, p]) => e === event && p.sessionId === sessionId).map(([, p]) => p) };
}

async function widget() {
  const socket = await connect(live.url);
  live.sockets.push(socket);
  const heard = recordAll(socket);
  const { sessionId } = await ask(socket, 'session:start', { siteKey: 'rules-site' });
  return { socket, heard, sessionId: sessionId as string };
}
const rolesOf = async (sessionId: string) => (await live.sql(`SELECT role FROM turns WHERE session_id = $1 ORDER BY index`, [sessionId])).map((r: { role: string }) => r.role);

describe('handoff rules ask for a person (real Postgres, real socket.io)', () => {
  it('ships one rule of each kind', async () => {
    const { body } = await live.call('get', 'handoff-rules', keys.viewer()).expect(200);
    expect(body.items.map((r: { id: string; kind: string; enabled: boolean }) => [r.id, r.kind, r.enabled])).toEqual([
      ['large-deal', 'deal_value', true],
      ['visitor-asks-for-a-person', 'visitor_request', true],
    ]);
    expect(body.items[0].minValue).toBe(20000);
    expect(body.items[1].phrases).toEqual(expect.arrayContaining(['talk to a person', 'real human please', 'sales rep']));
  });

  it('a message refused busy takes back the request for a person it opened (and its notice); its retry asks again', async () => {
    const watcher = await dashboard();
    const visitor = await widget();
    busy = true;
    try {
      expect(await ask(visitor.socket, 'message:send', { clientMessageId: 'busy-ask', text: 'can I talk to a person' })).toMatchObject({ ok: false, error: { code: 'busy' } });
    } finally {
      busy = false;
    }
    expect(await rolesOf(visitor.sessionId)).toEqual([]);
    expect(await live.sql(`SELECT state FROM handoffs WHERE session_id = $1`, [visitor.sessionId])).toEqual([{ state: 'closed' }]);
    await until(() => watcher.of('handoff:released', visitor.sessionId).length === 1, 'handoff:released');

    expect(await ask(visitor.socket, 'message:send', { clientMessageId: 'busy-ask', text: 'can I talk to a person' })).toMatchObject({ ok: true, text: REPLY });
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'system', 'agent']);
    expect(await live.sql(`SELECT state FROM handoffs WHERE session_id = $1 ORDER BY requested_at`, [visitor.sessionId])).toEqual([{ state: 'closed' }, { state: 'waiting' }]);
  });

  it.each(['can I talk to a person', 'real human please', 'speak to sales rep'])('"%s": the session waits for a person, the visitor is told honestly and still answered, the dashboards hear it', async (text) => {
    const watcher = await dashboard();
    const visitor = await widget();
    const gauge = await waitingGauge();
    const reply = await ask(visitor.socket, 'message:send', { clientMessageId: 'ask', text });
    // The AI keeps helping meanwhile: the message gets its reply.
    expect(reply).toMatchObject({ ok: true, text: REPLY });
    expect(visitor.heard.filter(([e]) => e === 'handoff:state').map(([, p]) => p)).toEqual([{ state: 'waiting', name: null, notice: { turnId: expect.any(String), index: 1, text: WAITING_NOTICE } }]);
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'system', 'agent']);
    await until(() => watcher.of('handoff:waiting', visitor.sessionId).length === 1, 'handoff:waiting');
    expect(watcher.of('handoff:waiting', visitor.sessionId)[0]).toMatchObject({
      sessionId: visitor.sessionId,
      state: 'waiting',
      reason: 'visitor_request',
      ruleId: 'visitor-asks-for-a-person',
      requestedAt: expect.any(String),
      takenBy: null,
      by: null,
      session: { siteKey: 'rules-site', channel: 'widget' },
    });
    expect(await waitingGauge()).toBe(gauge + 1);

    // Asking again while waiting asks for nobody more.
    await ask(visitor.socket, 'message:send', { clientMessageId: 'again', text: `${text}!` });
    expect((await live.sql(`SELECT count(*)::int AS n FROM handoffs WHERE session_id = $1`, [visitor.sessionId]))[0].n).toBe(1);

    // Taken: no longer waiting, active instead.
    await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator()).expect(200);
    expect(await waitingGauge()).toBe(gauge);
    const active = (await live.call('get', 'handoffs?state=active', keys.viewer()).expect(200)).body.items;
    expect(active.find((h: { sessionId: string }) => h.sessionId === visitor.sessionId)).toMatchObject({ state: 'active', reason: 'visitor_request', takenBy: { name: 'operator-key' } });
    await live.call('post', `sessions/${visitor.sessionId}/release`, keys.operator()).expect(200);
  });

  it('"am I talking to a real person?" is a question about the agent, not a request', async () => {
    const visitor = await widget();
    await ask(visitor.socket, 'message:send', { clientMessageId: 'q', text: 'am I talking to a real person?' });
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'agent']);
  });

  it('a deal above the threshold waits for a person once per session; the listing and the gauge follow it, and its session closing ends it', async () => {
    const watcher = await dashboard();
    const visitor = await widget();
    const gauge = await waitingGauge();
    await ask(visitor.socket, 'message:send', { clientMessageId: 'd1', text: 'Do you have forecasting?' });
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'agent']);
    await ask(visitor.socket, 'message:send', { clientMessageId: 'd2', text: 'We are 40 reps.' });
    expect(await rolesOf(visitor.sessionId)).toEqual(['visitor', 'agent', 'visitor', 'system', 'agent']);
    await until(() => watcher.of('handoff:waiting', visitor.sessionId).length === 1, 'handoff:waiting');
    const waiting = (await live.call('get', 'handoffs?state=waiting', keys.viewer()).expect(200)).body.items.find((h: { sessionId: string }) => h.sessionId === visitor.sessionId);
    expect(waiting).toMatchObject({ reason: 'deal_value', ruleId: 'large-deal', details: { seats: 40, planId: 'growth', value: 23520, currency: 'USD', minValue: 20000 } });
    expect((await live.call('get', 'handoffs', keys.viewer()).expect(200)).body.items.map((h: { id: string }) => h.id)).toContain(waiting.id);
    expect(await waitingGauge()).toBe(gauge + 1);

    await ask(visitor.socket, 'session:end');
    expect(await waitingGauge()).toBe(gauge);
    await until(() => watcher.of('handoff:released', visitor.sessionId).length === 1, 'handoff:released');
    expect(watcher.of('handoff:released', visitor.sessionId)[0]).toMatchObject({ state: 'closed', by: null });
    expect((await live.call('get', 'handoffs?state=waiting', keys.viewer()).expect(200)).body.items.map((h: { id: string }) => h.id)).not.toContain(waiting.id);
  });

  it('the deal rule does not fire again in a session once handed back', async () => {
    const visitor = await widget();
    await ask(visitor.socket, 'message:send', { clientMessageId: 'b1', text: 'We need SSO for 30 users.' });
    await live.call('post', `sessions/${visitor.sessionId}/takeover`, keys.operator()).expect(200);
    await live.call('post', `sessions/${visitor.sessionId}/release`, keys.operator()).expect(200);
    await ask(visitor.socket, 'message:send', { clientMessageId: 'b2', text: 'Actually we are 35 users.' });
    expect((await live.sql(`SELECT state FROM handoffs WHERE session_id = $1`, [visitor.sessionId])).map((r: { state: string }) => r.state)).toEqual(['released']);
  });

  it('a timed-out session’s waiting handoff is closed by the idle sweep', async () => {
    const visitor = await widget();
    await ask(visitor.socket, 'message:send', { clientMessageId: 'h', text: 'human please' });
    await live.sql(`UPDATE chat_sessions SET last_activity_at = now() - interval '2 hours' WHERE id = $1`, [visitor.sessionId]);
    await live.app.get(SessionTimeoutJob).closeIdleSessions();
    expect((await live.sql(`SELECT state FROM handoffs WHERE session_id = $1`, [visitor.sessionId]))[0].state).toBe('closed');
  });
});

describe('handoff rules CRUD (operators write, audited)', () => {
  it('create, read, replace, disable, delete; each write audited', async () => {
    const rule = { id: 'ask-for-demo-call', kind: 'visitor_request', phrases: ['book a call with', 'call me'] };
    expect((await live.call('post', 'handoff-rules', keys.operator(), rule).expect(201)).body).toEqual({ ...rule, enabled: true });
    expectError(await live.call('post', 'handoff-rules', keys.operator(), rule), 409, 'handoff_rule_exists');
    expect((await live.call('get', 'handoff-rules/ask-for-demo-call', keys.viewer()).expect(200)).body).toEqual({ ...rule, enabled: true });

    const visitor = await widget();
    await ask(visitor.socket, 'message:send', { clientMessageId: 'c', text: 'Please call me tomorrow' });
    expect((await live.sql(`SELECT rule_id FROM handoffs WHERE session_id = $1`, [visitor.sessionId]))[0].rule_id).toBe('ask-for-demo-call');

    // Replaced by a disabled deal rule: the kind may change; a disabled rule never fires.
    const replaced = { id: 'ask-for-demo-call', kind: 'deal_value', minValue: 1, enabled: false };
    expect((await live.call('put', 'handoff-rules/ask-for-demo-call', keys.operator(), replaced).expect(200)).body).toEqual(replaced);
    const other = await widget();
    await ask(other.socket, 'message:send', { clientMessageId: 'c', text: 'Please call me, we are 2 people' });
    expect(await live.sql(`SELECT rule_id FROM handoffs WHERE session_id = $1`, [other.sessionId])).toEqual([]);

    expect((await live.call('delete', 'handoff-rules/ask-for-demo-call', keys.operator()).expect(200)).body).toEqual({ id: 'ask-for-demo-call', deleted: true });
    expectError(await live.call('get', 'handoff-rules/ask-for-demo-call', keys.viewer()), 404, 'unknown_handoff_rule');
    expectError(await live.call('delete', 'handoff-rules/ask-for-demo-call', keys.operator()), 404, 'unknown_handoff_rule');

    const audit = await live.sql(`SELECT action, actor_name, target_type, target_id, summary FROM admin_audit_log WHERE target_type = 'handoff_rule' ORDER BY created_at, id`);
    expect(audit).toEqual([
      { action: 'handoff_rule.create', actor_name: 'operator-key', target_type: 'handoff_rule', target_id: 'ask-for-demo-call', summary: { ...rule, enabled: true } },
      { action: 'handoff_rule.replace', actor_name: 'operator-key', target_type: 'handoff_rule', target_id: 'ask-for-demo-call', summary: { previous: { ...rule, enabled: true }, rule: replaced } },
      { action: 'handoff_rule.delete', actor_name: 'operator-key', target_type: 'handoff_rule', target_id: 'ask-for-demo-call', summary: replaced },
    ]);
  });

  it('400 naming the fields; nothing written', async () => {
    const before = await live.sql(`SELECT count(*)::int AS n FROM admin_audit_log`);
    expectError(await live.call('post', 'handoff-rules', keys.operator(), { id: 'Bad Id', kind: 'deal_value', minValue: 1 }), 400, 'invalid_request', /^id: /);
    expectError(await live.call('post', 'handoff-rules', keys.operator(), { id: 'x', kind: 'deal_value', minValue: -5 }), 400, 'invalid_request', /minValue: minValue must be above 0/);
    expectError(await live.call('post', 'handoff-rules', keys.operator(), { id: 'x', kind: 'visitor_request', phrases: [] }), 400, 'invalid_request', /phrases/);
    expectError(await live.call('post', 'handoff-rules', keys.operator(), { id: 'x', kind: 'deal_value', minValue: 5, phrases: ['a b'] }), 400, 'invalid_request', /phrases: not a known field/);
    expectError(await live.call('put', 'handoff-rules/large-deal', keys.operator(), { id: 'other', kind: 'deal_value', minValue: 5 }), 400, 'invalid_request', /id: must be the id in the path/);
    expectError(await live.call('put', 'handoff-rules/nope', keys.operator(), { id: 'nope', kind: 'deal_value', minValue: 5 }), 404, 'unknown_handoff_rule');
    expectError(await live.call('get', 'handoffs?state=closed', keys.viewer()), 400, 'invalid_request', /state must be waiting or active/);
    expect(await live.sql(`SELECT count(*)::int AS n FROM admin_audit_log`)).toEqual(before);
  });
});
