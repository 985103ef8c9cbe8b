import { INestApplication } from '@nestjs/common';
import { Client, Notification } from 'pg';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { Database } from '../src/database';
import { TrainingRunQueue } from '../src/jobs';
import { CHAMPION_CHANNEL, ModelRegistry } from '../src/registry';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('admin_models');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
let app: INestApplication;
let db: Database;
let adminKey = '';
const listener = new Client({ connectionString: testDatabaseUrl });
/** Champion announcements for this test's schema (NOTIFY is delivered at commit only). */
const announced: string[] = [];

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy() }));
  adminKey = (await app.get(ApiKeyManager).create(setup, 'admin-key', 'admin')).key;
  const registry = app.get(ModelRegistry);
  await registry.adoptServed('default', '/models/default');
  const runId = (await app.get(TrainingRunQueue).enqueue({ runKey: 'admin-models', trigger: 'cli', estimator: 'hian', config: {}, maxAttempts: 1 })).run.id;
  await registry.registerCandidate({ name: 'cand-a', artifactPath: '/artifacts/versions/cand-a', parentId: null, runId, estimator: 'hian', dataWindowStart: new Date(0), dataWindowEnd: new Date(), config: {}, metrics: {} });
  await listener.connect();
  listener.on('notification', (n: Notification) => {
    const payload = JSON.parse(n.payload ?? '{}');
    if (payload.schema === dbConfig.schema) announced.push(payload.name);
  });
  await listener.query(`LISTEN ${CHAMPION_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await app?.close();
  await dropSchema(dbConfig.schema);
});

const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const post = (path: string, body: object = {}) => request(app.getHttpServer()).post(`/api/v1/admin/${path}`).set('authorization', `Bearer ${adminKey}`).send(body);
const champion = async () => (await sql(`SELECT name, pinned FROM model_versions WHERE status = 'champion'`))[0];
const versions = () => sql(`SELECT name, status, pinned, promoted_at, retired_at, rolled_back_at FROM model_versions ORDER BY name`);
const auditActions = async () => (await sql(`SELECT action FROM admin_audit_log WHERE action LIKE 'model.%' ORDER BY created_at, id`)).map((r: { action: string }) => r.action);
/** Lets a notification sent at a commit reach the listener before the test looks. */
const settle = async () => {
  await listener.query('SELECT 1');
  await new Promise((r) => setTimeout(r, 100));
};

/** Every insert into the audit log fails, as a full disk or a lost connection mid-transaction would. */
async function breakAuditLog(): Promise<void> {
  await sql(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$`);
  await sql(`CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`);
}
async function repairAuditLog(): Promise<void> {
  await sql(`DROP TRIGGER refuse_audit ON admin_audit_log`);
  await sql(`DROP FUNCTION refuse_audit()`);
}

describe('model promote and rollback commit with their audit entry', () => {
  it('a failed audit write rolls back the promotion, the pin and the rollback: 500, registry unchanged, nothing announced', async () => {
    await breakAuditLog();
    const before = await versions();
    try {
      expect((await post('models/cand-a/promote')).status).toBe(500);
      expect((await post('models/default/promote', { pin: true })).status).toBe(500);
      expect(await versions()).toEqual(before);
      expect(await champion()).toEqual({ name: 'default', pinned: false });
    } finally {
      await repairAuditLog();
    }
    await settle();
    expect(announced).toEqual([]);
    expect(await auditActions()).toEqual([]);

    // Working audit log: the same promotion goes through, with its entry, and is announced.
    const promoted = await post('models/cand-a/promote').expect(200);
    expect(promoted.body).toEqual({ champion: expect.objectContaining({ name: 'cand-a' }), previous: expect.objectContaining({ name: 'default' }) });
    await settle();
    expect(announced).toEqual(['cand-a']);
    expect(await auditActions()).toEqual(['model.promote']);

    await breakAuditLog();
    const promotedState = await versions();
    try {
      expect((await post('models/rollback')).status).toBe(500);
      expect(await versions()).toEqual(promotedState);
      expect(await champion()).toEqual({ name: 'cand-a', pinned: false });
    } finally {
      await repairAuditLog();
    }
    await settle();
    expect(announced).toEqual(['cand-a']);

    const back = await post('models/rollback').expect(200);
    expect([back.body.from.name, back.body.to.name]).toEqual(['cand-a', 'default']);
    expect(await auditActions()).toEqual(['model.promote', 'model.rollback']);
    expect((await sql(`SELECT summary FROM admin_audit_log WHERE action = 'model.rollback'`))[0].summary).toEqual({ from: 'cand-a', to: 'default' });
  });
});
