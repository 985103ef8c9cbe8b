import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { ReplyEvent, ReplyPolicy } from '../src/policy';
import { ChatSessionRepository, HeldByPersonError, SessionClosedError } from '../src/sessions';
import { connect, listen, request } from './support/chat-client';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('turn_queries');
const REPLY = 'Growth is $59 per seat a month.';
let app: INestApplication;
let url: string;
/** Every statement the app sends, in order, while counting. */
const statements: string[] = [];
/** How many had been sent when the model was asked for the reply. */
let beforeReply = -1;
const policy: ReplyPolicy = scriptedPolicy('', {
  async *reply(): AsyncIterable<ReplyEvent> {
    beforeReply = statements.length;
    yield { kind: 'delta', text: REPLY };
    yield { kind: 'done', text: REPLY, promptTokens: 1, completionTokens: 1 };
  },
});
const original = PostgresQueryRunner.prototype.query;

/** Runs `work` with every statement recorded in `statements` (emptied first). */
async function counting<T>(work: () => Promise<T>): Promise<T> {
  statements.length = 0;
  PostgresQueryRunner.prototype.query = function (this: PostgresQueryRunner, ...args: Parameters<PostgresQueryRunner['query']>) {
    statements.push(String(args[0]));
    return original.apply(this, args);
  } as PostgresQueryRunner['query'];
  try {
    return await work();
  } finally {
    PostgresQueryRunner.prototype.query = original;
  }
}

beforeAll(async () => {
  ({ app } = await startTestApp(dbConfig, { replyPolicy: policy }));
  url = await listen(app);
});
afterAll(async () => {
  PostgresQueryRunner.prototype.query = original;
  await app.close();
  await dropSchema(dbConfig.schema);
});

/**
 * The database work of one visitor message, counted so it only goes down: issue [serving-throughput]
 * asks for at most 4 statements before the first token. Today: the session (the socket's check),
 * its site's catalog with both rule revisions (the rules themselves are cached by revision), the
 * visitor turn with the session's history (one statement), and the session's handoffs; then the
 * reply with its scores (`store_agent_turn`, one statement).
 */
describe('statements per turn (real Postgres)', () => {
  it('a second message of a session: at most 4 statements before the model is asked, at most 5 in all (the visitor turn with the history in one, the reply with its scores in one)', async () => {
    const socket = await connect(url);
    try {
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      await request(socket, 'message:send', { clientMessageId: 'warm', text: 'Hi, how much is Growth?' });
      const reply = await counting(() => request(socket, 'message:send', { clientMessageId: 'count', text: 'And for 12 people?' }));
      expect(reply).toMatchObject({ ok: true, text: REPLY });
      expect(beforeReply).toBeLessThanOrEqual(4);
      expect(statements.length).toBeLessThanOrEqual(5);
      expect(statements.filter((s) => s.includes('store_agent_turn'))).toHaveLength(1);
    } finally {
      socket.disconnect();
    }
  });

  it('the handoff rules are read again only when their revision moved: a rule added between two messages applies to the next one', async () => {
    const socket = await connect(url);
    const db = app.get(DataSource);
    const counted = async (clientMessageId: string, text: string) => {
      await counting(() => request(socket, 'message:send', { clientMessageId, text }));
      return statements.filter((q) => q.includes('FROM handoff_rules')).length;
    };
    try {
      const { sessionId } = await request(socket, 'session:start', { siteKey: 'demo-site' });
      await counted('r1', 'Hello there');
      expect(await counted('r2', 'Do you sell pineapple pizza?')).toBe(0);
      await db.query(`INSERT INTO handoff_rules (id, kind, enabled, phrases) VALUES ('pizza-person', 'visitor_request', true, ARRAY['pineapple pizza'])`);
      expect(await counted('r3', 'Do you sell pineapple pizza?')).toBe(1);
      const [handoff] = await db.query(`SELECT state, rule_id FROM handoffs WHERE session_id = $1`, [sessionId]);
      expect(handoff).toMatchObject({ state: 'waiting', rule_id: 'pizza-person' });
    } finally {
      socket.disconnect();
    }
  });

  it('visitor turns stored at the same moment get the next indexes in turn (a collision runs the statement again), and a retried message id is found, not stored twice', async () => {
    const sessions = app.get(ChatSessionRepository);
    const { session } = await sessions.start('demo-site', 'widget', {});
    const stored = await Promise.all(['a', 'b', 'c'].map((id) => sessions.addVisitorTurn(session.id, id, `message ${id}`)));
    expect(stored.map((s) => s.turn.index).sort()).toEqual([0, 1, 2]);
    expect(stored.every((s) => !s.duplicate && s.reply === null)).toBe(true);
    const again = await sessions.addVisitorTurn(session.id, 'b', 'message b');
    expect(again).toMatchObject({ duplicate: true, reply: null, turn: { id: stored[1].turn.id, index: stored[1].turn.index, text: 'message b', role: 'visitor' } });
    // The session's turns come back in order with the one stored: what the reply is written from.
    expect(again.history.map((t) => [t.index, t.clientMessageId])).toEqual([0, 1, 2].map((i) => [i, stored.find((s) => s.turn.index === i)!.turn.clientMessageId]));
    const next = await sessions.addVisitorTurn(session.id, 'd', 'message d');
    expect(next.history.map((t) => t.text)).toEqual([...again.history.map((t) => t.text), 'message d']);
    await expect(sessions.addVisitorTurn('00000000-0000-4000-8000-000000000000', 'x', 'hello')).rejects.toThrow(/unknown session/);
  });

  describe('the reply and its scores, stored in one statement (store_agent_turn)', () => {
    const record = { text: REPLY, replyTo: 'm1', modelVersionId: null, latencyMs: 120, timeToFirstTokenMs: 40, timeToFirstDeltaMs: 60, promptTokens: 30, completionTokens: 9 };
    const scores = [
      { scorer: 'compliance', version: '1', score: 0, evidence: { violations: [] } },
      { scorer: 'total', version: '2', score: 0.5, evidence: { terms: { answered: 1 } } },
    ];
    const started = async () => {
      const sessions = app.get(ChatSessionRepository);
      const { session } = await sessions.start('demo-site', 'widget', {});
      await sessions.addVisitorTurn(session.id, 'm1', 'How much is Growth?');
      return { sessions, sessionId: session.id };
    };

    it('stores the turn as the next index with every score, and returns it as the entity', async () => {
      const { sessions, sessionId } = await started();
      const turn = await sessions.addAgentTurn(sessionId, record, scores);
      expect(turn).toMatchObject({ sessionId, index: 1, role: 'agent', text: REPLY, clientMessageId: 'm1#reply', latencyMs: 120, timeToFirstDeltaMs: 60, completionTokens: 9 });
      expect(turn.createdAt).toBeInstanceOf(Date);
      const stored = await app.get(DataSource).query(`SELECT scorer, scorer_version, score, evidence FROM turn_scores WHERE turn_id = $1 ORDER BY scorer`, [turn.id]);
      expect(stored).toEqual([
        { scorer: 'compliance', scorer_version: '1', score: 0, evidence: { violations: [] } },
        { scorer: 'total', scorer_version: '2', score: 0.5, evidence: { terms: { answered: 1 } } },
      ]);
    });

    it('refuses, storing nothing, once a person holds the session: also when the takeover commits while the reply waits for the lock', async () => {
      const { sessions, sessionId } = await started();
      const takeover = app.get(DataSource).createQueryRunner();
      await takeover.connect();
      try {
        await takeover.startTransaction();
        await takeover.query(`SELECT id FROM chat_sessions WHERE id = $1 FOR UPDATE`, [sessionId]);
        const storing = sessions.addAgentTurn(sessionId, record, scores);
        await new Promise((resolve) => setTimeout(resolve, 200)); // waiting for the session's lock
        await takeover.query(`INSERT INTO handoffs (session_id, state, reason, taken_at, taken_by_name) VALUES ($1, 'active', 'operator', now(), 'Dana')`, [sessionId]);
        await takeover.commitTransaction();
        await expect(storing).rejects.toBeInstanceOf(HeldByPersonError);
      } finally {
        await takeover.release();
      }
      expect((await sessions.history(sessionId)).map((t) => t.role)).toEqual(['visitor']);
    });

    it('refuses an ended session and an unknown one, storing nothing', async () => {
      const { sessions, sessionId } = await started();
      await sessions.end(sessionId);
      await expect(sessions.addAgentTurn(sessionId, record, scores)).rejects.toBeInstanceOf(SessionClosedError);
      await expect(sessions.addAgentTurn('00000000-0000-4000-8000-000000000000', record, scores)).rejects.toThrow(/unknown session/);
      expect((await sessions.history(sessionId)).map((t) => t.role)).toEqual(['visitor']);
    });
  });
});
