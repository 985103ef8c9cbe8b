import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { account, SentTurn, StoredTurn, storedTurns } from '../bench/support/load-accounting';
import { conversations, visit } from '../bench/support/load-visitor';
import { PolicyBusyError, ReplyEvent, ReplyPolicy } from '../src/policy';
import { listen } from './support/chat-client';
import { startTestApp } from './support/test-app';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

/** The accounting of `npm run bench:load`: a counting bug must not hide a lost or duplicated turn. */
describe('bench:load accounting (fake runs)', () => {
  const replied = (s: string, c: string, v: string, a: string, text = 'Hi.'): SentTurn => ({
    sessionId: s,
    clientMessageId: c,
    sentAt: 0,
    firstDeltaAt: 1,
    streamed: text,
    finals: 1,
    outcome: { kind: 'replied', at: 2, visitorTurnId: v, turnId: a, text, duplicate: false },
  });
  const turn = (id: string, sessionId: string, role: string, clientMessageId: string | null, text = 'Hi.'): StoredTurn => ({ id, sessionId, role, clientMessageId, text, completionTokens: role === 'agent' ? 3 : null });
  const clean = { sent: [replied('s1', 'm0', 'v0', 'a0'), replied('s1', 'm1', 'v1', 'a1')], stored: [turn('v0', 's1', 'visitor', 'm0'), turn('a0', 's1', 'agent', 'm0#reply'), turn('v1', 's1', 'visitor', 'm1'), turn('a1', 's1', 'agent', 'm1#reply')] };

  it('a clean run counts every turn and finds nothing wrong', () => {
    const a = account(clean.sent, clean.stored);
    expect(a).toMatchObject({ visitor_turns_sent: 2, agent_turns_received: 2, stored: { visitor: 2, agent: 2, other: 0 }, refused_but_stored: 0, unexpected_stored: 0, mismatched: 0 });
    expect(a.lost).toEqual({ total: 0, acknowledged_not_stored: 0, unanswered: 0 });
    expect(a.duplicates).toEqual({ total: 0, stored_twice: 0, final_twice: 0, acknowledged_as_retry: 0 });
  });

  it('an acknowledged reply missing from the database, or stored under another id, is lost', () => {
    expect(account(clean.sent, clean.stored.filter((t) => t.id !== 'a1')).lost).toEqual({ total: 1, acknowledged_not_stored: 1, unanswered: 0 });
    expect(account(clean.sent, clean.stored.filter((t) => t.id !== 'v0')).lost.acknowledged_not_stored).toBe(1);
    const elsewhere = clean.stored.map((t) => (t.id === 'a0' ? { ...t, sessionId: 's2' } : t));
    expect(account(clean.sent, elsewhere).lost.acknowledged_not_stored).toBe(1);
  });

  it('a message never answered nor refused is lost, even when the server stored it', () => {
    const sent = [clean.sent[0], { ...clean.sent[1], outcome: { kind: 'unanswered' as const } }];
    expect(account(sent, clean.stored).lost).toEqual({ total: 1, acknowledged_not_stored: 0, unanswered: 1 });
  });

  it('a turn stored twice, a reply delivered twice, or a first send acknowledged as a retry is a duplicate', () => {
    expect(account(clean.sent, [...clean.stored, turn('a1b', 's1', 'agent', 'm1#reply')]).duplicates).toMatchObject({ total: 1, stored_twice: 1 });
    expect(account([clean.sent[0], { ...clean.sent[1], finals: 2 }], clean.stored).duplicates).toMatchObject({ total: 1, final_twice: 1 });
    const retry = { ...clean.sent[1], outcome: { ...(clean.sent[1].outcome as Extract<SentTurn['outcome'], { kind: 'replied' }>), duplicate: true } };
    expect(account([clean.sent[0], retry], clean.stored).duplicates).toMatchObject({ total: 1, acknowledged_as_retry: 1 });
  });

  it('refusals are counted by code, and a refused message that left a turn stored is flagged', () => {
    const busy: SentTurn = { sessionId: 's1', clientMessageId: 'm2', sentAt: 0, streamed: '', finals: 0, outcome: { kind: 'refused', at: 1, code: 'busy' } };
    expect(account([...clean.sent, busy], clean.stored)).toMatchObject({ refused: { busy: 1 }, refused_but_stored: 0, lost: { total: 0 } });
    expect(account([...clean.sent, busy], [...clean.stored, turn('v2', 's1', 'visitor', 'm2')])).toMatchObject({ refused_but_stored: 1 });
  });

  it('stored turns nobody sent, and replies whose text differs from what was acknowledged or streamed, are flagged', () => {
    expect(account(clean.sent, [...clean.stored, turn('x', 's1', 'visitor', 'ghost'), turn('n', 's1', 'system', null)])).toMatchObject({ unexpected_stored: 1, stored: { other: 1 } });
    expect(account(clean.sent, clean.stored.map((t) => (t.id === 'a0' ? { ...t, text: 'Hello.' } : t))).mismatched).toBe(1);
    expect(account([{ ...clean.sent[0], streamed: 'H' }, clean.sent[1]], clean.stored).mismatched).toBe(1);
  });
});

describe('bench:load visitors against a real server (scripted replies)', () => {
  const database = testSchemaConfig('load_bench');
  let app: INestApplication;
  let url: string;
  let client: Client;
  // Visitor 2's first message is refused busy; visitor 3's second is answered after its visitor gave up.
  const refused = conversations[2][0];
  const late = conversations[3][1];
  // Generous against a CPU shared with other test files: only the late reply may miss the ack timeout.
  const ACK_TIMEOUT_MS = 4000;
  const policy: ReplyPolicy = {
    versionName: () => 'scripted',
    isLoaded: () => true,
    assertFits: () => undefined,
    async *reply(messages): AsyncIterable<ReplyEvent> {
      const last = messages.at(-1)!.content;
      if (last === refused) throw new PolicyBusyError(64);
      if (last === late) await new Promise((r) => setTimeout(r, ACK_TIMEOUT_MS + 1000));
      yield { kind: 'delta', text: 'Thanks for asking.' };
      yield { kind: 'delta', text: ' Anything else?' };
      yield { kind: 'done', text: 'Thanks for asking. Anything else?', promptTokens: 10, completionTokens: 6 };
    },
  };

  beforeAll(async () => {
    // The scripted reply answers nothing; without a regeneration budget the guardrail sends it as written, so the late reply is late once.
    ({ app } = await startTestApp(database, { replyPolicy: policy, env: { GUARDRAIL_MAX_REGENERATIONS: '0' } }));
    url = await listen(app);
    client = new Client({ connectionString: testDatabaseUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await app.close();
    await dropSchema(database.schema);
  });

  it('accounts for every message: replies stored, the busy refusal stored nothing, the late reply is lost; deleting a stored reply shows as lost', async () => {
    const sent: SentTurn[] = [];
    const abort = new AbortController();
    const runs = await Promise.all(
      [0, 1, 2, 3].map((index) => visit({ url, siteKey: 'bench-test', index, turns: 3, thinkMs: 20, stopSendingAt: Infinity, ackTimeoutMs: ACK_TIMEOUT_MS }, sent, abort.signal)),
    );
    const sessionIds = runs.map((r) => r.sessionId!);
    expect(sessionIds.every(Boolean)).toBe(true);
    // The late reply is stored once its visitor has left.
    await new Promise((r) => setTimeout(r, 2500));

    const stored = await storedTurns(client, database.schema, sessionIds);
    const a = account(sent, stored);
    // Visitor 3 leaves after its unanswered second message: 3 + 3 + 3 + 2 sent.
    expect(a).toMatchObject({ visitor_turns_sent: 11, agent_turns_received: 9, refused: { busy: 1 }, refused_but_stored: 0, unexpected_stored: 0, mismatched: 0 });
    expect(a.lost).toEqual({ total: 1, acknowledged_not_stored: 0, unanswered: 1 });
    expect(a.duplicates.total).toBe(0);
    expect(a.stored).toEqual({ visitor: 10, agent: 10, other: 0 });

    const [victim] = sent.filter((s) => s.outcome.kind === 'replied');
    await client.query(`DELETE FROM "${database.schema}".turns WHERE client_message_id = $1 AND session_id = $2`, [`${victim.clientMessageId}#reply`, victim.sessionId]);
    expect(account(sent, await storedTurns(client, database.schema, sessionIds)).lost).toEqual({ total: 2, acknowledged_not_stored: 1, unanswered: 1 });
  });
});
