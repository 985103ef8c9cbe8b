import { Client } from 'pg';
import { Chatter, readiness, waitUntil } from './support/chatters';
import { PrivatePostgres, startPrivatePostgres, StopMode } from './support/private-postgres';
import { ServerProcess, startServerProcess } from './support/server-process';

jest.setTimeout(240_000);

const SESSIONS = 5;
const OUTAGE_MS = 3000;

/**
 * Postgres restarted under live chats: the real server (its own process) on a private Postgres
 * that the test stops and starts (the machine's shared one is never touched), five widget
 * sessions chatting throughout.
 */
describe('Postgres restarted during live chats', () => {
  let postgres: PrivatePostgres;
  let server: ServerProcess;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    // The chatters resend at once on every refusal: the event limits (test/limits.e2e-spec.ts) would answer part of the outage's resends rate_limited.
    const unlimited = { SOCKET_RATE_IP: '1000000', SOCKET_BURST_IP: '1000000', SOCKET_RATE_SESSION: '1000000', SOCKET_BURST_SESSION: '1000000' };
    server = await startServerProcess({ DATABASE_URL: postgres.url, DATABASE_POOL_SIZE: '4', CHAMPION_POLL_SECONDS: '1', ...unlimited });
  });

  afterAll(async () => {
    await server?.kill('SIGTERM');
    await postgres?.destroy();
  });

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it.each<StopMode>(['fast', 'immediate'])('stopped in %s mode: no acknowledged turn lost, errors not hangs, recovery on its own', async (mode) => {
    const chatters = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => Chatter.start(server.url, `${mode}-${i}`)));
    // The chatters send their next message only once the last is answered, so on a slow machine all
    // of them can be waiting on a reply for the whole outage; this one sends during it, by construction.
    const probe = await Chatter.start(server.url, `${mode}-probe`);
    chatters.forEach((c) => c.run());
    try {
      // Conversations under way: every session has had replies.
      await waitUntil(() => chatters.every((c) => c.repliesSince(0) >= 1), 'a first reply in every session');

      const stoppedAt = Date.now();
      await postgres.stop(mode);
      const readyDownMs = await waitUntil(async () => (await readiness(server.url)) === 503, 'readiness to fail');
      const probed = await probe.send(`${mode}-probe-0`, 'Is there a free trial?', 10_000);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const startedAt = Date.now();
      await postgres.start();
      const readyUpMs = await waitUntil(async () => (await readiness(server.url)) === 200, 'readiness to come back');
      // New turns work in every session, without restarting the server.
      const repliesBackMs = await waitUntil(() => chatters.every((c) => c.repliesSince(startedAt) >= 2), 'two replies in every session after the restart');
      // The champion watcher's LISTEN connection is back (it reconnects at its next poll).
      const listenBackMs = await waitUntil(
        async () => (await sql<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE query ILIKE 'LISTEN closer_champion%'`))[0].n !== '0',
        'the champion watcher to LISTEN again',
        15_000,
      );
      await Promise.all(chatters.map((c) => c.stop()));

      const outcomes = [...chatters, probe].flatMap((c) => c.outcomes);
      const acknowledged = outcomes.filter((o) => o.ok);
      const refused = outcomes.filter((o) => !o.ok);
      const codes = [...new Set(refused.map((o) => o.code))];
      // eslint-disable-next-line no-console
      console.log(JSON.stringify({ fault: `postgres stop ${mode}`, sessions: SESSIONS, sent: outcomes.length, acknowledged: acknowledged.length, refused: refused.length, codes, outageMs: startedAt - stoppedAt, readyDownMs, readyUpMs, repliesBackMs, listenBackMs }));

      // Clients heard a clear, retryable error, never silence.
      expect(probed).toMatchObject({ ok: false, code: 'unavailable' });
      expect(codes).toEqual(['unavailable']);
      expect(refused.every((o) => o.ms < 10_000)).toBe(true);

      // Every acknowledged turn is stored: the visitor's message and exactly the reply the client got.
      const stored = await sql<{ id: string; session_id: string; role: string; text: string; client_message_id: string | null }>(
        `SELECT id, session_id, role, text, client_message_id FROM turns WHERE session_id = ANY($1)`,
        [chatters.map((c) => c.sessionId)],
      );
      const byId = new Map(stored.map((t) => [t.id, t]));
      for (const o of acknowledged) {
        expect(byId.get(o.visitorTurnId!)).toMatchObject({ session_id: o.sessionId, role: 'visitor', text: o.text, client_message_id: o.clientMessageId });
        expect(byId.get(o.turnId!)).toMatchObject({ session_id: o.sessionId, role: 'agent', text: o.reply, client_message_id: `${o.clientMessageId}#reply` });
      }
      // Nothing twice, and no reply without its visitor message.
      const visitorIds = new Set(stored.filter((t) => t.role === 'visitor').map((t) => `${t.session_id}/${t.client_message_id}`));
      const replies = stored.filter((t) => t.role === 'agent');
      expect(new Set(replies.map((t) => `${t.session_id}/${t.client_message_id}`)).size).toBe(replies.length);
      expect(replies.every((t) => visitorIds.has(`${t.session_id}/${t.client_message_id!.replace(/#reply$/, '')}`))).toBe(true);
    } finally {
      await Promise.all([...chatters, probe].map((c) => c.stop()));
    }
  });
});
