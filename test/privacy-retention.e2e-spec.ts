import { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Socket } from 'socket.io-client';
import { AppConfig } from '../src/config';
import { Database } from '../src/database';
import { RETENTION_INTERVAL, RetentionJob } from '../src/privacy/retention.job';
import { RETENTION_LOCK_KEY } from '../src/privacy/retention.repository';
import { derivedPersonaKey, loadPersonaLibrary, PersonaRepository } from '../src/simulator';
import { connect, listen, request as ask } from './support/chat-client';
import { rowsHolding as rowsHoldingIn, tableCounts } from './support/schema-scan';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const tag = randomBytes(4).toString('hex');
/** Five sessions idle for 40 days, one for 29 (inside the limit), two of today; each visitor types its own marker. */
const OLD = [0, 1, 2, 3, 4].map((i) => `zqold${i}${tag}`);
const EDGE = `zqedge${tag}`;
const RECENT = [`zqnew0${tag}`, `zqnew1${tag}`];

/** Two replicas of one deployment (RETENTION_DAYS=30) on one schema, and a third server with retention off. */
describe('retention (RETENTION_DAYS, real Postgres, two replicas)', () => {
  const dbConfig = testSchemaConfig('retention');
  let replicaA: INestApplication;
  let replicaB: INestApplication;
  let off: INestApplication;
  let db: Database;
  let config: AppConfig;
  const sockets: Socket[] = [];
  const sessionOf = new Map<string, string>();

  const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
  const rowsHolding = (needle: string) => rowsHoldingIn(db.dataSource, dbConfig.schema, needle);
  const everyTableCount = () => tableCounts(db.dataSource, dbConfig.schema);
  const expireAudits = () => sql(`SELECT * FROM admin_audit_log WHERE action = 'visitor_data.expire' ORDER BY created_at, id`);

  beforeAll(async () => {
    const env = { RETENTION_DAYS: '30' };
    ({ app: replicaA, db, config } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy('Thanks, happy to help.'), env }));
    ({ app: replicaB } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(), env }));
    ({ app: off } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy() }));
    const url = await listen(replicaA);

    for (const marker of [...OLD, EDGE, ...RECENT]) {
      const socket = await connect(url);
      sockets.push(socket);
      const start = await ask(socket, 'session:start', { siteKey: 'shop' });
      sessionOf.set(marker, start.sessionId as string);
      expect(await ask(socket, 'message:send', { clientMessageId: 'm-1', text: `Does it sync with my Gmail inbox? Ref ${marker}.` })).toMatchObject({ ok: true });
      expect(await ask(socket, 'message:send', { clientMessageId: 'm-2', text: `And forecasting for 12 seats? ${marker}` })).toMatchObject({ ok: true });
    }
    expect(await ask(sockets[0], 'conversion:report', { ctaId: 'cta-book-demo', value: 708, currency: 'USD' })).toMatchObject({ ok: true });
    // Derived data: the personas imported from those sessions (deleted with them, as an erasure does).
    expect(await replicaA.get(PersonaRepository).deriveFromLiveSessions(config.catalog, loadPersonaLibrary(config.catalog)[0])).toHaveLength(8);

    const ids = (markers: string[]) => markers.map((m) => sessionOf.get(m));
    await sql(`UPDATE chat_sessions SET created_at = now() - interval '41 days', last_activity_at = now() - interval '40 days' WHERE id = ANY($1)`, [ids(OLD)]);
    await sql(`UPDATE chat_sessions SET created_at = now() - interval '30 days', last_activity_at = now() - interval '29 days' WHERE id = $1`, [sessionOf.get(EDGE)]);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const app of [replicaA, replicaB, off]) await app?.close();
    await dropSchema(dbConfig.schema);
  });

  it('is scheduled on every server, and deletes nothing where RETENTION_DAYS is unset', async () => {
    for (const app of [replicaA, replicaB, off]) expect(app.get(SchedulerRegistry).getInterval(RETENTION_INTERVAL)).toBeDefined();
    const before = await everyTableCount();
    expect(await off.get(RetentionJob).sweep()).toBeUndefined();
    await off.get(RetentionJob).scheduled();
    expect(await everyTableCount()).toEqual(before);
  });

  it('yields, deleting nothing, while another replica holds the sweep', async () => {
    const before = await everyTableCount();
    const holder = new Client({ connectionString: testDatabaseUrl });
    await holder.connect();
    try {
      await holder.query(`SET search_path TO "${dbConfig.schema}"`);
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(${RETENTION_LOCK_KEY})`);
      expect(await replicaA.get(RetentionJob).sweep(2)).toEqual({ sessions: 0, batches: 0, yielded: true });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect(await everyTableCount()).toEqual(before);
    expect(await expireAudits()).toEqual([]);
  });

  it('two replicas sweeping at once delete each expired session once, in batches, with everything keyed to it; each batch audited with counts only', async () => {
    const oldIds = OLD.map((m) => sessionOf.get(m)!);
    const count = async (q: string) => (await sql(q, [oldIds]))[0].n as number;
    const expected = {
      turns: await count(`SELECT count(*)::int AS n FROM turns WHERE session_id = ANY($1)`),
      turn_scores: await count(`SELECT count(*)::int AS n FROM turn_scores s JOIN turns t ON t.id = s.turn_id WHERE t.session_id = ANY($1)`),
    };
    expect(expected.turns).toBe(20);
    for (const m of OLD) expect(await rowsHolding(m)).toEqual({ turns: 2, personas: 1 });

    const sweeps = await Promise.all([replicaA.get(RetentionJob).sweep(2), replicaB.get(RetentionJob).sweep(2)]);
    expect(sweeps.reduce((n, s) => n + s!.sessions, 0)).toBe(5);
    expect(sweeps.reduce((n, s) => n + s!.batches, 0)).toBe(3);

    // Gone from every table: text, session ids, derived personas. The session inside the limit and today's stay whole.
    for (const [i, m] of OLD.entries()) {
      expect(await rowsHolding(m)).toEqual({});
      expect(await rowsHolding(oldIds[i])).toEqual({});
      expect(await rowsHolding(derivedPersonaKey(oldIds[i]))).toEqual({});
    }
    for (const m of [EDGE, ...RECENT]) expect(await rowsHolding(m)).toEqual({ turns: 2, personas: 1 });

    const audits = await expireAudits();
    expect(audits.map((a: { summary: { sessions: number } }) => a.summary.sessions)).toEqual([2, 2, 1]);
    for (const a of audits) {
      expect(a).toMatchObject({ actor_key_id: null, actor_name: 'retention', action: 'visitor_data.expire', target_type: 'retention', target_id: null });
      expect(Object.keys(a.summary).sort()).toEqual(['deleted', 'retentionDays', 'scrubbed', 'sessions']);
      expect(a.summary).toMatchObject({ retentionDays: 30, deleted: { chat_sessions: a.summary.sessions, handoffs: 0 }, scrubbed: { training_runs: 0 } });
      const entry = JSON.stringify(a);
      for (const secret of [...OLD, ...oldIds]) expect(entry).not.toContain(secret);
    }
    const total = (table: string) => audits.reduce((n: number, a: { summary: { deleted: Record<string, number> } }) => n + a.summary.deleted[table], 0);
    expect({ chat_sessions: total('chat_sessions'), turns: total('turns'), turn_scores: total('turn_scores'), conversions: total('conversions'), personas: total('personas') }).toEqual({
      chat_sessions: 5,
      ...expected,
      conversions: 1,
      personas: 5,
    });
  });

  it('finds nothing more within the limit; the scheduled run deletes a session once it passes it', async () => {
    expect(await replicaB.get(RetentionJob).sweep()).toEqual({ sessions: 0, batches: 0, yielded: false });
    expect(await expireAudits()).toHaveLength(3);

    await sql(`UPDATE chat_sessions SET last_activity_at = now() - interval '30 days 1 minute' WHERE id = $1`, [sessionOf.get(EDGE)]);
    await replicaB.get(RetentionJob).scheduled();
    expect(await rowsHolding(EDGE)).toEqual({});
    for (const m of RECENT) expect(await rowsHolding(m)).toEqual({ turns: 2, personas: 1 });
    expect((await expireAudits()).at(-1).summary).toMatchObject({ sessions: 1, deleted: { chat_sessions: 1, turns: 4, personas: 1 } });
  });
});
