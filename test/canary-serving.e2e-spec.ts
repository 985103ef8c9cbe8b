import { INestApplication } from '@nestjs/common';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { shippedCatalog } from '../src/catalog';
import { Database } from '../src/database';
import { ModelPolicyService, REPLY_POLICY } from '../src/policy';
import { CanaryMonitor, ModelRegistry, servedByCanary } from '../src/registry';
import { loadPersonaLibrary, RuleBasedSimulator } from '../src/simulator';
import { driveVisitors } from '../src/simulator/live-driver';
import { SitesRepository } from '../src/sites';
import { listen } from './support/chat-client';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const catalog = shippedCatalog();
const personas = loadPersonaLibrary(catalog);
const dbConfig = testSchemaConfig('canary_serving');
const modelDir = resolve('models/default');
const canaryDir = join(mkdtempSync(join(tmpdir(), 'closer-canary-serving-')), 'night-canary');
cpSync(modelDir, canaryDir, { recursive: true });
const env = { MODEL_DIR: modelDir, CHAMPION_POLL_SECONDS: '1', POLICY_MAX_BATCH: '4' };

/** A server with the real default model as champion, and its policy once it serves the running canary. */
async function serve(): Promise<{ app: INestApplication; db: Database; url: string }> {
  const started = await startTestApp(dbConfig, { env });
  const policy = started.app.get<ModelPolicyService>(REPLY_POLICY);
  for (let i = 0; i < 100 && (await started.app.get(ModelRegistry).canary()) && !policy.canaryName(); i++) await new Promise((r) => setTimeout(r, 100));
  return { ...started, url: await listen(started.app) };
}

/** Drives `visitors` simulated visitors through /chat and returns, per session, the versions that wrote its replies. */
async function drive(url: string, db: Database, visitors: number, seed: number): Promise<Map<string, string[]>> {
  const { summary, visitors: played } = await driveVisitors({ url, siteKey: 'shop', simulator: new RuleBasedSimulator(personas, catalog, 'strict'), personas, visitors, concurrency: 2, seed, replyTimeoutMs: 60_000 });
  expect(summary.errors).toEqual({});
  const rows: { session_id: string; name: string }[] = await db.dataSource.query(
    `SELECT t.session_id, v.name FROM turns t JOIN model_versions v ON v.id = t.model_version_id WHERE t.role = 'agent' AND t.session_id = ANY($1) ORDER BY t.session_id, t.index`,
    [played.map((v) => v.sessionId)],
  );
  const bySession = new Map<string, string[]>();
  for (const r of rows) bySession.set(r.session_id, [...(bySession.get(r.session_id) ?? []), r.name]);
  return bySession;
}

afterAll(async () => {
  await dropSchema(dbConfig.schema);
  rmSync(canaryDir, { recursive: true, force: true });
});

describe('a canary served by the real server, through /chat (real model, real Postgres)', () => {
  it('serves the hash-assigned share of new sessions from the canary, a whole conversation on one version, before and after a restart and on a second replica; the monitor counts both arms', async () => {
    let { app, db, url } = await serve();
    await app.get(SitesRepository).create('shop', 'Shop');
    const registry = app.get(ModelRegistry);
    await registry.adoptServed('default', modelDir);
    const [row] = await db.dataSource.query(`INSERT INTO model_versions (name, artifact_path) VALUES ('night-canary', $1) RETURNING id`, [canaryDir]);
    const canary = await registry.startCanary(row.id, { share: 0.5 });
    const policy = app.get<ModelPolicyService>(REPLY_POLICY);
    for (let i = 0; i < 100 && !policy.canaryName(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(policy.canaryName()).toBe('night-canary');

    const expectAssigned = (sessions: Map<string, string[]>) => {
      for (const [sessionId, versions] of sessions) {
        expect(new Set(versions).size).toBe(1);
        expect(versions[0]).toBe(servedByCanary(sessionId, canary.canaryId, 0.5) ? 'night-canary' : 'default');
      }
    };
    const before = await drive(url, db, 6, 1);
    expectAssigned(before);

    // A restart mid-canary: the new process loads the running canary before serving and assigns sessions the same way.
    await app.close();
    ({ app, db, url } = await serve());
    expect(app.get<ModelPolicyService>(REPLY_POLICY).canaryName()).toBe('night-canary');
    const after = await drive(url, db, 6, 2);
    expectAssigned(after);

    // A second replica on the same database serves its own visitors by the same assignment.
    const replica = await serve();
    const onReplica = await drive(replica.url, replica.db, 4, 3);
    expectAssigned(onReplica);
    await replica.app.close();

    const versions = [...before.values(), ...after.values(), ...onReplica.values()].map((v) => v[0]);
    expect(new Set(versions)).toEqual(new Set(['default', 'night-canary']));
    const reading = await app.get(CanaryMonitor).read();
    expect(reading!.arms.conversion.candidate.n + reading!.arms.conversion.baseline.n).toBe(16);
    expect(reading!.arms.conversion.candidate.n).toBe(versions.filter((v) => v === 'night-canary').length);
    await app.close();
  }, 240_000);
});
