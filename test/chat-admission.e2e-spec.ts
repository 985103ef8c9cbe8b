import { INestApplication } from '@nestjs/common';
import { Socket } from 'socket.io-client';
import { Database } from '../src/database';
import { ReplyEvent, ReplyPolicy } from '../src/policy';
import { connect, listen, request } from './support/chat-client';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

/** Past POLICY_MAX_BATCH + POLICY_MAX_QUEUE turns in progress, a message is refused `busy` at once and nothing of it is stored. */
describe('turn admission past capacity (POLICY_MAX_BATCH=1, POLICY_MAX_QUEUE=1)', () => {
  const database = testSchemaConfig('admission');
  let app: INestApplication;
  let db: Database;
  let url: string;
  const sockets: Socket[] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const calls: string[] = [];
  const policy: ReplyPolicy = {
    versionName: () => 'scripted',
    isLoaded: () => true,
    assertFits: () => undefined,
    async *reply(messages): AsyncIterable<ReplyEvent> {
      calls.push(messages.at(-1)!.content);
      if (messages.at(-1)!.content === 'boom') throw new Error('the model failed');
      await gate;
      yield { kind: 'delta', text: 'Sure.' };
      yield { kind: 'done', text: 'Sure.', promptTokens: 5, completionTokens: 2 };
    },
  };

  beforeAll(async () => {
    // The scripted reply answers nothing a visitor asks; the non-answer check (and the catalog's answer it ends in) is the guardrail's tests'.
    ({ app, db } = await startTestApp(database, { replyPolicy: policy, env: { POLICY_MAX_BATCH: '1', POLICY_MAX_QUEUE: '1', GUARDRAIL_NON_ANSWER: 'false' } }));
    url = await listen(app);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app.close();
    await dropSchema(database.schema);
  });

  async function visitor(): Promise<{ socket: Socket; sessionId: string }> {
    const socket = await connect(url);
    sockets.push(socket);
    const started = await request(socket, 'session:start', { siteKey: 'admission' });
    return { socket, sessionId: started.sessionId as string };
  }
  const turnsOf = (sessionId: string): Promise<{ role: string; client_message_id: string }[]> =>
    db.dataSource.query(`SELECT role, client_message_id FROM turns WHERE session_id = $1 ORDER BY index`, [sessionId]);

  it('two turns in progress fill it: the third is refused busy before it is stored, and its retry is answered once there is room', async () => {
    gate = new Promise<void>((r) => (release = r));
    const [a, b, c] = [await visitor(), await visitor(), await visitor()];
    const replies = [request(a.socket, 'message:send', { clientMessageId: 'a1', text: 'How much is Growth?' }), request(b.socket, 'message:send', { clientMessageId: 'b1', text: 'Do you have an app?' })];
    // Both are in the policy (one generating, one waiting) before the third arrives.
    for (let i = 0; i < 100 && calls.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(2);

    const refusedAt = Date.now();
    const refused = await request(c.socket, 'message:send', { clientMessageId: 'c1', text: 'Can we try it?' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'busy' } });
    expect(Date.now() - refusedAt).toBeLessThan(1000);
    expect(calls).toHaveLength(2);
    expect(await turnsOf(c.sessionId)).toEqual([]);

    release();
    expect(await Promise.all(replies)).toEqual([expect.objectContaining({ ok: true, text: 'Sure.' }), expect.objectContaining({ ok: true, text: 'Sure.' })]);
    const retried = await request(c.socket, 'message:send', { clientMessageId: 'c1', text: 'Can we try it?' });
    expect(retried).toMatchObject({ ok: true, text: 'Sure.', duplicate: false });
    expect(await turnsOf(c.sessionId)).toEqual([
      { role: 'visitor', client_message_id: 'c1' },
      { role: 'agent', client_message_id: 'c1#reply' },
    ]);
  });

  it('turns that fail free their places', async () => {
    gate = Promise.resolve();
    const { socket } = await visitor();
    // Three failures in a row: had they kept their places, a limit of two would refuse everything after.
    for (let i = 0; i < 3; i++) expect(await request(socket, 'message:send', { clientMessageId: `f${i}`, text: 'boom' })).toMatchObject({ ok: false, error: { code: 'internal' } });
    for (let i = 0; i < 3; i++) expect(await request(socket, 'message:send', { clientMessageId: `ok${i}`, text: 'And the price?' })).toMatchObject({ ok: true });
  });
});
