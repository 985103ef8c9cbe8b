import { INestApplication } from '@nestjs/common';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { ReplyEvent, ReplyPolicy } from '../src/policy';
import { ChatSessionRepository } from '../src/sessions';
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
 * asks for at most 4 statements before the first token. Today: the session, its site, the rules
 * revision, the visitor turn with the session's history (one statement), the handoff rules and the session's handoffs.
 */
describe('statements per turn (real Postgres)', () => {
  it('a second message of a session: at most 6 statements before the model is asked, at most 14 in all (the visitor turn with the history, and the scores, in one each)', async () => {
    const socket = await connect(url);
    try {
      await request(socket, 'session:start', { siteKey: 'demo-site' });
      await request(socket, 'message:send', { clientMessageId: 'warm', text: 'Hi, how much is Growth?' });
      PostgresQueryRunner.prototype.query = function (this: PostgresQueryRunner, ...args: Parameters<PostgresQueryRunner['query']>) {
        statements.push(String(args[0]));
        return original.apply(this, args);
      } as PostgresQueryRunner['query'];
      const reply = await request(socket, 'message:send', { clientMessageId: 'count', text: 'And for 12 people?' });
      PostgresQueryRunner.prototype.query = original;
      expect(reply).toMatchObject({ ok: true, text: REPLY });
      expect(beforeReply).toBeLessThanOrEqual(6);
      expect(statements.length).toBeLessThanOrEqual(14);
      expect(statements.filter((s) => s.includes('INSERT INTO turn_scores'))).toHaveLength(1);
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
});
