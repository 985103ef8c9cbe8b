import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { Ack } from './support/chat-client';
import { Chatter, readiness, waitUntil } from './support/chatters';
import { ServerProcess, startServerProcess } from './support/server-process';
import { dropSchema, testDatabaseUrl } from './support/test-database';

jest.setTimeout(300_000);

interface StoredTurn {
  id: string;
  session_id: string;
  index: number;
  role: string;
  text: string;
  client_message_id: string | null;
}

/**
 * The real server as its own process, stopped as an operator or a crash would: SIGTERM (drain) and
 * SIGKILL (then a restart on the same port and schema).
 */
describe('server restart', () => {
  const schema = `t_faults_restart_${process.pid}`;
  const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '6' };
  const servers: ServerProcess[] = [];
  const sockets: Socket[] = [];

  async function start(extra: Record<string, string> = {}, port?: number): Promise<ServerProcess> {
    const server = await startServerProcess({ ...env, ...extra }, { port });
    servers.push(server);
    return server;
  }

  async function turns(sessionIds: string[]): Promise<StoredTurn[]> {
    const client = new Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      return (await client.query(`SELECT id, session_id, index, role, text, client_message_id FROM "${schema}".turns WHERE session_id = ANY($1) ORDER BY session_id, index`, [sessionIds])).rows;
    } finally {
      await client.end();
    }
  }

  /** Waits until the last turn of every session is a reply; resolves with how long that took. */
  function allAnswered(sessionIds: string[]): Promise<number> {
    return waitUntil(
      async () => {
        const now = await turns(sessionIds);
        return sessionIds.every((id) => now.filter((t) => t.session_id === id).at(-1)?.role === 'agent');
      },
      'a reply to every message left unanswered',
      180_000,
    );
  }

  /** Starts `n` widget sessions, each with one finished exchange, then one message each whose reply is being written (typing seen). */
  async function chatsMidReply(url: string, label: string, n: number) {
    const chatters = await Promise.all(Array.from({ length: n }, (_, i) => Chatter.start(url, `${label}-${i}`)));
    await Promise.all(chatters.map((c) => c.send(`${c.sessionId}-first`, 'Hi, what does the Starter plan include?')));
    expect(chatters.every((c) => c.outcomes[0].ok)).toBe(true);
    const typing = chatters.map((c) => new Promise<void>((resolve) => c.socket.once('typing', () => resolve())));
    const acks = chatters.map((c) => c.send(`${c.sessionId}-second`, 'And how much is Growth for a team of twelve?', 120_000));
    await Promise.all(typing);
    return { chatters, acks };
  }

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await dropSchema(schema);
  });

  it('SIGTERM: readiness fails first, new connections and messages are refused, replies under way finish, then it exits', async () => {
    const server = await start({ SHUTDOWN_DRAIN_SECONDS: '60' });
    const { chatters, acks } = await chatsMidReply(server.url, 'term', 3);
    const idle = await Chatter.start(server.url, 'term-idle');

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const readyDownMs = await waitUntil(async () => (await readiness(server.url)) === 503, 'readiness to fail', 10_000);
    const ready = (await (await fetch(`${server.url}/health/ready`)).json()) as { code: string };
    expect(ready.code).toBe('shutting_down');

    // A new visitor is turned away with a clear code; an open socket's new message too.
    const refused = io(`${server.url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
    sockets.push(refused);
    const connectError = await new Promise<Error & { data?: { code: string } }>((resolve) => refused.once('connect_error', resolve));
    expect(connectError.data?.code).toBe('shutting_down');
    const late = await idle.send('late-1', 'Are you still there?');
    expect(late).toMatchObject({ ok: false, code: 'shutting_down' });

    // The replies under way finish, are acknowledged and stored.
    const outcomes = await Promise.all(acks);
    expect(outcomes.map((o) => o.code ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
    const exit = await server.exited;
    const drainedMs = Date.now() - signalled;
    expect(exit.signal).toBe('SIGTERM');
    const stored = await turns(chatters.map((c) => c.sessionId));
    for (const o of outcomes) expect(stored.find((t) => t.id === o.turnId)).toMatchObject({ role: 'agent', text: o.reply });
    expect(stored.filter((t) => t.session_id === idle.sessionId)).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(JSON.stringify({ fault: 'SIGTERM mid-reply', inFlight: acks.length, acknowledged: outcomes.filter((o) => o.ok).length, readyDownMs, drainedMs }));
  });

  it('SIGKILL mid-reply: after the restart widgets resume with full history and every unanswered message is answered once, the Rasa one in its room', async () => {
    const first = await start();
    const { chatters, acks } = await chatsMidReply(first.url, 'kill', 3);
    acks.forEach((a) => void a.catch(() => undefined));

    // A Rasa web chat client (socket.io, reconnecting by itself, rejoining its session on connect as rasa-webchat does).
    const rasaSessionId = `rasa-fault-${process.pid}`;
    const rasa = io(first.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 500 });
    sockets.push(rasa);
    const heard: string[] = [];
    rasa.on('bot_uttered', (m: { text: string }) => heard.push(m.text));
    rasa.on('connect', () => rasa.emit('session_request', { session_id: rasaSessionId }));
    await new Promise((resolve) => rasa.once('session_confirm', resolve));
    rasa.emit('user_uttered', { message: 'Hello, do you integrate with Slack?', session_id: rasaSessionId });
    const rasaSession = async () => {
      const client = new Client({ connectionString: testDatabaseUrl });
      await client.connect();
      try {
        return (await client.query(`SELECT id FROM "${schema}".chat_sessions WHERE metadata->>'rasaSessionId' = $1`, [rasaSessionId])).rows[0]?.id as string | undefined;
      } finally {
        await client.end();
      }
    };
    // Killed as soon as the Rasa message is stored (its session's id found once, not looked up again), so its reply is most likely unwritten.
    let rasaSessionDbId: string | undefined;
    await waitUntil(async () => (rasaSessionDbId ??= await rasaSession()) !== undefined && (await turns([rasaSessionDbId])).length === 1, 'the Rasa message to be stored', 30_000);

    const killedAt = Date.now();
    await first.kill('SIGKILL');
    const sessionIds = [...chatters.map((c) => c.sessionId), rasaSessionDbId!];
    const left = await turns(sessionIds);
    const unanswered = sessionIds.filter((id) => left.filter((t) => t.session_id === id).at(-1)?.role === 'visitor');
    // The crash usually leaves the Rasa message unanswered (it is sent last); any reply, the Rasa one included, may have
    // finished before the kill (short replies of the current model on two inference threads; seen once in CI), and
    // whichever are left are answered once below, as the resent one is. The log line says which were left.
    expect(unanswered.length).toBeGreaterThan(0);

    const second = await start({}, first.port);
    const restartMs = Date.now() - killedAt;

    // The widget that comes back resumes with its history and resends its pending message with the same id, as the widget does.
    const back = chatters[0];
    const resumed = io(`${second.url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
    sockets.push(resumed);
    await new Promise<void>((resolve) => resumed.once('connect', () => resolve()));
    const start2 = (await resumed.timeout(30_000).emitWithAck('session:start', { siteKey: 'demo-site', resumeToken: back.resumeToken })) as Ack;
    expect(start2).toMatchObject({ ok: true, resumed: true, sessionId: back.sessionId });
    const before = left.filter((t) => t.session_id === back.sessionId);
    expect((start2.history as { turnId: string }[]).slice(0, before.length).map((t) => t.turnId)).toEqual(before.map((t) => t.id));
    const resent = (await resumed.timeout(120_000).emitWithAck('message:send', { clientMessageId: `${back.sessionId}-second`, text: 'And how much is Growth for a team of twelve?' })) as Ack;
    expect(resent.ok).toBe(true);

    // The Rasa client, reconnected by itself, hears the reply it never resent.
    const rasaAnsweredMs = await waitUntil(() => heard.length >= 1, 'the Rasa reply after the restart', 120_000);
    // Every message the crash left unanswered gets exactly one reply, including the widgets that never came back.
    const answeredMs = await allAnswered(sessionIds);
    const after = await turns(sessionIds);
    for (const id of sessionIds) {
      const session = after.filter((t) => t.session_id === id);
      const visitors = session.filter((t) => t.role === 'visitor');
      const agents = session.filter((t) => t.role === 'agent');
      expect(agents.map((t) => t.client_message_id)).toEqual(visitors.map((t) => `${t.client_message_id}#reply`));
      expect(session.map((t) => t.index)).toEqual(session.map((_, i) => i));
    }
    const rasaReply = after.filter((t) => t.session_id === rasaSessionDbId && t.role === 'agent').at(-1)!;
    expect(heard).toEqual([rasaReply.text]);
    expect(after.find((t) => t.id === resent.turnId)).toMatchObject({ role: 'agent', text: resent.text });

    // A resume now shows the whole conversation, the reply written after the restart included.
    const later = (await resumed.timeout(30_000).emitWithAck('session:start', { siteKey: 'demo-site', resumeToken: chatters[1].resumeToken })) as Ack;
    expect((later.history as { turnId: string }[]).map((t) => t.turnId)).toEqual(after.filter((t) => t.session_id === chatters[1].sessionId).map((t) => t.id));
    // eslint-disable-next-line no-console
    console.log(JSON.stringify({ fault: 'SIGKILL mid-reply', sessions: sessionIds.length, leftUnanswered: unanswered.length, rasaLeftUnanswered: unanswered.includes(rasaSessionDbId!), restartMs, rasaAnsweredMs, answeredMs }));
    chatters.forEach((c) => c.socket.disconnect());
  });

  it('two servers starting together after a crash answer each left-over message once', async () => {
    const first = await start();
    const { chatters, acks } = await chatsMidReply(first.url, 'pair', 4);
    acks.forEach((a) => void a.catch(() => undefined));
    await first.kill('SIGKILL');
    const sessionIds = chatters.map((c) => c.sessionId);
    const left = await turns(sessionIds);
    expect(sessionIds.filter((id) => left.filter((t) => t.session_id === id).at(-1)?.role === 'visitor').length).toBeGreaterThanOrEqual(2);

    const pair = await Promise.all([start(), start()]);
    await allAnswered(sessionIds);
    const after = await turns(sessionIds);
    for (const id of sessionIds) {
      const agents = after.filter((t) => t.session_id === id && t.role === 'agent');
      expect(agents.map((t) => t.client_message_id)).toEqual([`${id}-first#reply`, `${id}-second#reply`]);
    }
    chatters.forEach((c) => c.socket.disconnect());
    await Promise.all(pair.map((s) => s.kill('SIGTERM')));
    // Neither tried a second answer (it would have hit the unique reply id).
    for (const s of pair) expect(s.output()).not.toMatch(/could not answer|duplicate key/);
  });
});
