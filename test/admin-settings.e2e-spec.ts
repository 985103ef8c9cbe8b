import { INestApplication } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { AppConfig } from '../src/config';
import { Database } from '../src/database';
import { NightlyScheduler, TrainingRunQueue } from '../src/jobs';
import { CandidateTrainingJob, NightlyPipeline, TrainingWorker } from '../src/nightly';
import { ModelRegistry } from '../src/registry';
import { loadPersonaLibrary } from '../src/simulator';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('admin_settings');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
const env = {
  TRAINING_CRON: '0 3 * * *',
  GATE_CONVERSION_MARGIN: '0.05',
  GATE_MAX_VIOLATIONS_INCREASE: '0',
  GATE_MAX_REPETITION_INCREASE: '0.01',
  GATE_MAX_IDENTITY_INCREASE: '0.05',
  TRAINING_HIAN_ALPHA: '1',
  TRAINING_HIAN_BETA: '1',
};
const artifactDir = mkdtempSync(join(tmpdir(), 'closer-settings-'));
let app: INestApplication;
let db: Database;
let config: AppConfig;
const keys = { admin: '', operator: '', viewer: '' };

beforeAll(async () => {
  ({ app, db, config } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(), env }));
  const manager = app.get(ApiKeyManager);
  for (const role of ['admin', 'operator', 'viewer'] as const) keys[role] = (await manager.create(setup, `${role}-key`, role)).key;
});
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
  await rm(artifactDir, { recursive: true, force: true });
});

const call = (method: 'get' | 'put' | 'post', path: string, key?: string, body?: unknown) => {
  const req = request(app.getHttpServer())[method](`/api/v1/admin/${path}`);
  if (key) req.set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
};
const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const settingsRows = () => sql(`SELECT key, value FROM settings ORDER BY key`);
const auditCount = async () => Number((await sql(`SELECT count(*) FROM admin_audit_log`))[0].count);
const expectError = (res: request.Response, status: number, code: string, message?: RegExp) => {
  expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status, keys: ['code', 'message'], code });
  if (message) expect(res.body.message).toMatch(message);
};

describe('admin settings', () => {
  it('GET without a key is 401; viewers read the environment defaults', async () => {
    expectError(await call('get', 'settings'), 401, 'unauthorized');
    const res = await call('get', 'settings', keys.viewer).expect(200);
    expect(res.body).toEqual({
      trainingCron: { value: '0 3 * * *', source: 'environment', env: 'TRAINING_CRON', environmentValue: '0 3 * * *' },
      conversionMargin: { value: 0.05, source: 'environment', env: 'GATE_CONVERSION_MARGIN', environmentValue: 0.05 },
      maxViolationsIncrease: { value: 0, source: 'environment', env: 'GATE_MAX_VIOLATIONS_INCREASE', environmentValue: 0 },
      maxRepetitionIncrease: { value: 0.01, source: 'environment', env: 'GATE_MAX_REPETITION_INCREASE', environmentValue: 0.01 },
      maxIdentityIncrease: { value: 0.05, source: 'environment', env: 'GATE_MAX_IDENTITY_INCREASE', environmentValue: 0.05 },
      hianAlpha: { value: 1, source: 'environment', env: 'TRAINING_HIAN_ALPHA', environmentValue: 1 },
      hianBeta: { value: 1, source: 'environment', env: 'TRAINING_HIAN_BETA', environmentValue: 1 },
      trainingVisitor: { value: 'strict', source: 'environment', env: 'TRAINING_VISITOR', environmentValue: 'strict' },
      gateVisitors: { value: ['strict'], source: 'environment', env: 'GATE_VISITORS', environmentValue: ['strict'] },
    });
  });

  it('PUT needs the admin role: 401 without a key, 403 for viewer and operator, and nothing changes', async () => {
    const before = { audit: await auditCount(), settings: await settingsRows() };
    expectError(await call('put', 'settings', undefined, { conversionMargin: 0.1 }), 401, 'unauthorized');
    for (const role of ['viewer', 'operator'] as const) expectError(await call('put', 'settings', keys[role], { conversionMargin: 0.1 }), 403, 'forbidden', /needs the admin role/);
    expect({ audit: await auditCount(), settings: await settingsRows() }).toEqual(before);
  });

  it('refuses a bad cron, a margin out of range, an unknown field and an empty update with field messages, changing nothing', async () => {
    const before = { audit: await auditCount(), settings: await settingsRows() };
    const bad = await call('put', 'settings', keys.admin, { trainingCron: 'every night', conversionMargin: 1.5, maxIdentityIncrease: -0.1, maxRepetitionIncrease: 'a lot', colour: 'red' });
    expectError(bad, 400, 'invalid_request');
    expect(bad.body.message).toMatch(/trainingCron: trainingCron must be a cron expression/);
    expect(bad.body.message).toMatch(/conversionMargin: conversionMargin must be from 0 to 1/);
    expect(bad.body.message).toMatch(/maxIdentityIncrease: maxIdentityIncrease must be from 0 to 1/);
    expect(bad.body.message).toMatch(/maxRepetitionIncrease: maxRepetitionIncrease must be a number/);
    expect(bad.body.message).toMatch(/colour/);
    expectError(await call('put', 'settings', keys.admin, {}), 400, 'invalid_request', /name at least one setting/);
    const weights = await call('put', 'settings', keys.admin, { hianAlpha: 11, hianBeta: 'two' });
    expectError(weights, 400, 'invalid_request', /hianAlpha: hianAlpha must be from 0 to 10/);
    expect(weights.body.message).toMatch(/hianBeta: hianBeta must be a number/);
    expectError(await call('put', 'settings', keys.admin, { hianAlpha: 0, hianBeta: 0 }), 400, 'invalid_request', /hianAlpha and hianBeta must not both be 0/);
    const visitors = await call('put', 'settings', keys.admin, { trainingVisitor: 'gullible', gateVisitors: ['persuadable'] });
    expectError(visitors, 400, 'invalid_request', /trainingVisitor: trainingVisitor must be one of strict, persuadable/);
    expect(visitors.body.message).toMatch(/gateVisitors: gateVisitors must include strict/);
    expect({ audit: await auditCount(), settings: await settingsRows() }).toEqual(before);
  });

  it('the training visitor and the judged visitors: set by an admin, recorded in the config of a run queued afterwards', async () => {
    const put = await call('put', 'settings', keys.admin, { trainingVisitor: 'persuadable', gateVisitors: ['strict', 'persuadable', 'strict'] }).expect(200);
    expect(put.body.trainingVisitor).toEqual({ value: 'persuadable', source: 'admin', env: 'TRAINING_VISITOR', environmentValue: 'strict' });
    expect(put.body.gateVisitors).toMatchObject({ value: ['strict', 'persuadable'], source: 'admin' });
    const queued = await call('post', 'training-runs', keys.operator, { steps: 1 }).expect(202);
    expect(queued.body.config).toMatchObject({ visitor: 'persuadable', gateVisitors: ['strict', 'persuadable'] });
    await call('put', 'settings', keys.admin, { trainingVisitor: null, gateVisitors: null }).expect(200);
    expect((await call('post', 'training-runs', keys.operator, { steps: 1 }).expect(202)).body.config).toMatchObject({ visitor: 'strict', gateVisitors: ['strict'] });
  });

  it('PUT sets admin values (audited in the same write); a run triggered after it records the admin gate; null resets to the environment', async () => {
    const auditBefore = await auditCount();
    const put = await call('put', 'settings', keys.admin, { trainingCron: '30 4 * * 1-5', conversionMargin: 0.2, maxViolationsIncrease: 0.003 }).expect(200);
    expect(put.body.trainingCron).toEqual({ value: '30 4 * * 1-5', source: 'admin', env: 'TRAINING_CRON', environmentValue: '0 3 * * *' });
    expect(put.body.conversionMargin).toMatchObject({ value: 0.2, source: 'admin' });
    expect(put.body.maxViolationsIncrease).toMatchObject({ value: 0.003, source: 'admin' });
    expect(put.body.maxRepetitionIncrease).toMatchObject({ value: 0.01, source: 'environment' });
    expect((await call('get', 'settings', keys.viewer).expect(200)).body).toEqual(put.body);
    expect(await settingsRows()).toEqual([
      { key: 'gate.conversionMargin', value: 0.2 },
      { key: 'gate.maxViolationsIncrease', value: 0.003 },
      { key: 'training.cron', value: '30 4 * * 1-5' },
    ]);
    expect(await auditCount()).toBe(auditBefore + 1);
    const [entry] = await sql(`SELECT * FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`);
    expect(entry).toMatchObject({ actor_name: 'admin-key', action: 'settings.update', target_type: 'settings', target_id: null, summary: { trainingCron: '30 4 * * 1-5', conversionMargin: 0.2, maxViolationsIncrease: 0.003 } });

    // The scheduler picks up the admin schedule on its next refresh.
    const scheduler = app.get(NightlyScheduler);
    await scheduler.refresh();
    expect(scheduler.schedule).toBe('30 4 * * 1-5');

    const run = await call('post', 'training-runs', keys.operator, { steps: 1 }).expect(202);
    const [stored] = await sql(`SELECT config FROM training_runs WHERE id = $1`, [run.body.id]);
    expect(stored.config.gate).toEqual({ conversionMargin: 0.2, maxViolationsIncrease: 0.003, maxRepetitionIncrease: 0.01, maxIdentityIncrease: 0.05 });

    const reset = await call('put', 'settings', keys.admin, { conversionMargin: null, trainingCron: null }).expect(200);
    expect(reset.body.conversionMargin).toEqual({ value: 0.05, source: 'environment', env: 'GATE_CONVERSION_MARGIN', environmentValue: 0.05 });
    expect(reset.body.trainingCron).toMatchObject({ value: '0 3 * * *', source: 'environment' });
    expect(reset.body.maxViolationsIncrease).toMatchObject({ value: 0.003, source: 'admin' });
    expect(await settingsRows()).toEqual([{ key: 'gate.maxViolationsIncrease', value: 0.003 }]);
    expect((await sql(`SELECT summary FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0].summary).toEqual({ conversionMargin: null, trainingCron: null });

    // The nightly run the scheduler enqueues uses the settings in force when it is created.
    const fired = await scheduler.fire(new Date('2026-11-30T03:00:00Z'));
    const [nightly] = await sql(`SELECT config FROM training_runs WHERE id = $1`, [fired.run.id]);
    expect(nightly.config.gate).toEqual({ conversionMargin: 0.05, maxViolationsIncrease: 0.003, maxRepetitionIncrease: 0.01, maxIdentityIncrease: 0.05 });
  });

  it('the HIAN weights α/β: audited, recorded in the config of a run queued afterwards, and used by the candidate trainer', async () => {
    const put = await call('put', 'settings', keys.admin, { hianAlpha: 0.25, hianBeta: 3 }).expect(200);
    expect(put.body.hianAlpha).toEqual({ value: 0.25, source: 'admin', env: 'TRAINING_HIAN_ALPHA', environmentValue: 1 });
    expect(put.body.hianBeta).toMatchObject({ value: 3, source: 'admin' });
    expect((await sql(`SELECT summary FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0].summary).toEqual({ hianAlpha: 0.25, hianBeta: 3 });
    // Both 0 is refused even when the update names one of them and the other is already 0.
    await call('put', 'settings', keys.admin, { hianAlpha: 0 }).expect(200);
    expectError(await call('put', 'settings', keys.admin, { hianBeta: 0 }), 400, 'invalid_request', /must not both be 0/);
    await call('put', 'settings', keys.admin, { hianAlpha: 0.25 }).expect(200);

    const queued = await call('post', 'training-runs', keys.operator, { steps: 1 }).expect(202);
    expect(queued.body.config.hian).toEqual({ alpha: 0.25, beta: 3 });

    // A worker picks the run up: the trainer is handed a loop fusing with the run's weights (then stops the run).
    const registry = app.get(ModelRegistry);
    await registry.adoptServed('default', resolve('models/default'));
    const handed: CandidateTrainingJob[] = [];
    const pipeline = new NightlyPipeline({
      db: db.dataSource,
      queue: app.get(TrainingRunQueue),
      registry,
      catalog: config.catalog,
      library: loadPersonaLibrary(config.catalog),
      artifactDir,
      trainer: async (job) => {
        handed.push(job);
        throw new Error('stopped by the test after the hand-over');
      },
    });
    const worker = new TrainingWorker(app.get(TrainingRunQueue), pipeline, registry, 'settings-test', { heartbeatSeconds: 1, staleSeconds: 30, pollSeconds: 1 });
    const result = await worker.runOnce(queued.body.id);
    expect(result?.run.error).toMatch(/stopped by the test/);
    expect(handed).toHaveLength(1);
    expect(handed[0].loop.advantage).toEqual(expect.objectContaining({ alpha: 0.25, beta: 3 }));

    // Back to the environment: the next run fuses with TRAINING_HIAN_* again.
    await call('put', 'settings', keys.admin, { hianAlpha: null, hianBeta: null }).expect(200);
    expect((await call('post', 'training-runs', keys.operator, { steps: 1 }).expect(202)).body.config.hian).toEqual({ alpha: 1, beta: 1 });
  });
});
