import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Database } from '../src/database';
import { dropSchema, testSchemaConfig } from './support/test-database';
import { captureLogs, linesOf, LogLine } from './support/log-capture';
import { redisProxy, TcpProxy } from './support/tcp-proxy';
import { startTestApp } from './support/test-app';

describe('server on a real Postgres', () => {
  const dbConfig = testSchemaConfig('health');
  let app: INestApplication;
  let db: Database;

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig));
  });

  afterAll(async () => {
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('GET /health answers 200 with a JSON status', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(typeof res.body.uptimeSeconds).toBe('number');
  });

  it('GET /health/ready reports the database up and the served model loaded', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.database).toEqual({ status: 'up', kind: 'external' });
    expect(res.body.details.model).toEqual({ status: 'up', loaded: true, version: 'default' });
  });

  it('migrations created every table in the test schema', async () => {
    const rows: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [dbConfig.schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'admin_audit_log',
      'api_keys',
      'canaries',
      'chat_sessions',
      'compliance_rules',
      'compliance_rules_revision',
      'conversions',
      'fidelity_reports',
      'handoff_rules',
      'handoff_rules_revision',
      'handoffs',
      'migrations',
      'model_versions',
      'personas',
      'settings',
      'sites',
      'training_runs',
      'turn_scores',
      'turns',
      'webhook_receipts',
    ]);
  });

  it('a client message id is unique per session, so a retry cannot create a second turn', async () => {
    const [session] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key) VALUES ('demo') RETURNING id`);
    const insert = (index: number) =>
      db.dataSource.query(
        `INSERT INTO turns (session_id, index, role, text, client_message_id) VALUES ($1, $2, 'visitor', 'hi', 'm-1')`,
        [session.id, index],
      );
    await insert(0);
    await expect(insert(1)).rejects.toThrow(/turns_session_client_message/);
  });

  it('at most one model version can be champion', async () => {
    const insert = (name: string) =>
      db.dataSource.query(`INSERT INTO model_versions (name, artifact_path, status) VALUES ($1, $1, 'champion')`, [name]);
    await insert('v1');
    await expect(insert('v2')).rejects.toThrow(/model_versions_one_champion/);
  });

  it('turn scores, conversions and turns go with their session when it is deleted', async () => {
    const [session] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key) VALUES ('demo') RETURNING id`);
    const [turn] = await db.dataSource.query(
      `INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'agent', 'hello') RETURNING id`,
      [session.id],
    );
    await db.dataSource.query(`INSERT INTO turn_scores (turn_id, scorer, scorer_version, score) VALUES ($1, 'fluency', '1', 0.9)`, [turn.id]);
    await db.dataSource.query(`INSERT INTO conversions (session_id, source, occurred_at) VALUES ($1, 'widget', now())`, [session.id]);
    await db.dataSource.query(`DELETE FROM chat_sessions WHERE id = $1`, [session.id]);
    const [{ count }] = await db.dataSource.query(
      `SELECT (SELECT count(*) FROM turns WHERE session_id = $1) + (SELECT count(*) FROM conversions WHERE session_id = $1) AS count`,
      [session.id],
    );
    expect(Number(count)).toBe(0);
  });
});

describe('readiness with REDIS_URL', () => {
  const dbConfig = testSchemaConfig('health_redis');
  let app: INestApplication;
  let proxy: TcpProxy;
  let logs: LogLine[];
  const ready = () => request(app.getHttpServer()).get('/health/ready');

  beforeAll(async () => {
    // Through a proxy, so that this server's Redis can go away without the Redis other tests share.
    proxy = await redisProxy(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    ({ app } = await startTestApp(dbConfig, { env: { REDIS_URL: proxy.url, REDIS_PREFIX: `closer-test-health-${process.pid}` } }));
    // After start-up, which hands Nest's logging to the app's (silent) logger.
    logs = captureLogs();
  });

  afterAll(async () => {
    await app.close();
    await proxy.cut();
    await dropSchema(dbConfig.schema);
  });

  it('answers 503 not_ready naming redis while Redis is unreachable, logged once at warn without a stack; ready again, logged once', async () => {
    expect((await ready().expect(200)).body.details.redis).toEqual({ status: 'up' });
    await proxy.cut();
    for (let i = 0; i < 3; i++) {
      const res = await ready();
      expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { code: 'not_ready', message: 'not ready: redis' } });
    }
    // The message and the logger's context only: no stack, no error object; nothing from the error filter.
    expect(linesOf(logs, 'HealthController')).toEqual([{ level: 'warn', message: 'readiness answers 503, not ready: redis', params: ['HealthController'] }]);
    expect(linesOf(logs, 'HttpErrorFilter')).toEqual([]);

    await proxy.listen();
    const deadline = Date.now() + 15_000;
    while ((await ready()).status !== 200) {
      if (Date.now() > deadline) throw new Error('readiness did not answer 200 again after Redis came back');
      await new Promise((r) => setTimeout(r, 100));
    }
    await ready().expect(200);
    expect(linesOf(logs, 'HealthController').map(({ level, message, params }) => [level, message, params])).toEqual([
      ['warn', 'readiness answers 503, not ready: redis', ['HealthController']],
      ['log', 'readiness answers 200 again', ['HealthController']],
    ]);
  });
});
