import { INestApplication } from '@nestjs/common';
import { io, Socket } from 'socket.io-client';
import { Database } from '../src/database';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

/** A Rasa web chat client's view: default namespace, `/socket.io/`, Rasa's event names. */
describe('Rasa-compatible socket.io channel', () => {
  const dbConfig = testSchemaConfig('rasa');
  let app: INestApplication;
  let db: Database;
  let url: string;
  const sockets: Socket[] = [];

  const connect = async () => {
    const socket = io(url, { path: '/socket.io/', transports: ['websocket'], forceNew: true });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
    return socket;
  };
  const next = <T>(socket: Socket, event: string) => new Promise<T>((resolve) => socket.once(event, resolve));

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('session_request → session_confirm, user_uttered → bot_uttered, and the session persists across reconnects', async () => {
    const socket = await connect();
    const confirmed = next<string>(socket, 'session_confirm');
    socket.emit('session_request', { session_id: 'web-abc123' });
    expect(await confirmed).toBe('web-abc123');

    const reply = next<{ text: string }>(socket, 'bot_uttered');
    socket.emit('user_uttered', { message: 'How much is the Growth plan?', session_id: 'web-abc123' });
    expect((await reply).text.length).toBeGreaterThan(0);
    socket.disconnect();

    const again = await connect();
    again.emit('session_request', { session_id: 'web-abc123' });
    await next(again, 'session_confirm');
    const second = next<{ text: string }>(again, 'bot_uttered');
    again.emit('user_uttered', { message: 'Is there a free trial?', session_id: 'web-abc123' });
    await second;

    const rows = await db.dataSource.query(
      `SELECT s.channel, s.site_key, count(t.id)::int AS turns FROM chat_sessions s JOIN turns t ON t.session_id = s.id
        WHERE s.metadata->>'rasaSessionId' = 'web-abc123' GROUP BY s.id`,
    );
    expect(rows).toEqual([{ channel: 'rasa', site_key: 'rasa', turns: 4 }]);
    // Rasa gets each reply whole (one bot_uttered), so no time to a first delta is stored for it.
    const timings = await db.dataSource.query(
      `SELECT t.latency_ms, t.time_to_first_delta_ms FROM turns t JOIN chat_sessions s ON s.id = t.session_id WHERE s.metadata->>'rasaSessionId' = 'web-abc123' AND t.role = 'agent'`,
    );
    expect(timings).toEqual([expect.objectContaining({ time_to_first_delta_ms: null }), expect.objectContaining({ time_to_first_delta_ms: null })]);
    expect(timings.every((t: { latency_ms: number }) => t.latency_ms > 0)).toBe(true);
  });

  it('serves on a configured path (SOCKET_IO_PATH)', async () => {
    const other = testSchemaConfig('rasapath');
    const { app: custom } = await startTestApp(other, { env: { SOCKET_IO_PATH: '/bot/socket.io/' } });
    try {
      await custom.listen(0, '127.0.0.1');
      const socket = io(`http://127.0.0.1:${custom.getHttpServer().address().port}`, { path: '/bot/socket.io/', transports: ['websocket'], forceNew: true });
      sockets.push(socket);
      const confirmed = next<string>(socket, 'session_confirm');
      socket.emit('session_request', { session_id: 'on-custom-path' });
      expect(await confirmed).toBe('on-custom-path');
    } finally {
      await custom.close();
      await dropSchema(other.schema);
    }
  });

  it('a session_request without an id gets a generated one', async () => {
    const socket = await connect();
    const confirmed = next<string>(socket, 'session_confirm');
    socket.emit('session_request', null);
    expect(await confirmed).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a malformed user_uttered gets an error event and stores nothing', async () => {
    const socket = await connect();
    const count = async () => Number((await db.dataSource.query(`SELECT (SELECT count(*) FROM turns) + (SELECT count(*) FROM chat_sessions) AS n`))[0].n);
    const before = await count();
    const error = next<{ code: string }>(socket, 'chat:error');
    socket.emit('user_uttered', { text: 'wrong field name', session_id: 'web-x' });
    expect((await error).code).toBe('invalid_payload');
    const tooLong = next<{ code: string }>(socket, 'chat:error');
    socket.emit('user_uttered', { message: 'x'.repeat(20000), session_id: 'web-x' });
    expect((await tooLong).code).toBe('text_too_long');
    expect(await count()).toBe(before);
  });

  it('an unknown event is answered with unknown_event (chat:error, and the ack when asked) and stores nothing', async () => {
    const socket = await connect();
    const count = async () => Number((await db.dataSource.query(`SELECT (SELECT count(*) FROM turns) + (SELECT count(*) FROM chat_sessions) AS n`))[0].n);
    const before = await count();
    const error = next<{ event: string; code: string; message: string }>(socket, 'chat:error');
    socket.emit('user_utterd', { message: 'typo in the event', session_id: 'web-typo' });
    expect(await error).toMatchObject({ event: 'user_utterd', code: 'unknown_event', message: expect.stringContaining('user_uttered') });
    expect(await socket.timeout(5000).emitWithAck('bot_uttered', { text: 'not a client event' })).toEqual({
      ok: false,
      error: { code: 'unknown_event', message: expect.stringContaining('session_request') },
    });
    expect(await count()).toBe(before);
    const confirmed = next<string>(socket, 'session_confirm');
    socket.emit('session_request', { session_id: 'web-after-typo' });
    expect(await confirmed).toBe('web-after-typo');
  });
});
