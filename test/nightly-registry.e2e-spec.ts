import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '@nestjs/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../src/config';
import { Database } from '../src/database';
import { NightlyScheduler, nightlyRunKey, RunQueueError, SettingsRepository, TRAINING_CRON_SETTING, TrainingRunQueue } from '../src/jobs';
import { adapterOf, Champion, ChampionWatcher, ChampionWatcherService, ModelRegistry, RegistryError } from '../src/registry';
import { spawnEntry, waitForExit } from './support/spawn-server';
import { startTestApp } from './support/test-app';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const settings = testSchemaConfig('nightly_registry');
const config: AppConfig = { ...loadConfig({ NODE_ENV: 'test', ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'closer-reg-')) }), database: settings };
let db: Database;
let other: Database;
let registry: ModelRegistry;
let queue: TrainingRunQueue;

beforeAll(async () => {
  Logger.overrideLogger(false);
  db = await Database.open(settings);
  other = await Database.open(settings); // a second replica's connection pool
  registry = new ModelRegistry(db.dataSource);
  queue = new TrainingRunQueue(db.dataSource);
});
afterAll(async () => {
  await Promise.all([db?.close(), other?.close()]);
  await dropSchema(settings.schema);
});

const version = async (name: string) => (await db.dataSource.query(`SELECT status, pinned, rolled_back_at FROM model_versions WHERE name = $1`, [name]))[0];
const candidate = (name: string, parentId: string | null, runId: string) =>
  registry.registerCandidate({ name, artifactPath: `/artifacts/versions/${name}`, parentId, runId, estimator: 'hian', dataWindowStart: new Date(0), dataWindowEnd: new Date(), config: {}, metrics: {} });
const enqueueRun = (runKey: string, maxAttempts = 2) => queue.enqueue({ runKey, trigger: 'cli', estimator: 'hian', config: {}, maxAttempts });

function schedulerOn(database: Database): NightlyScheduler {
  const configService = { get: (key: string) => (key === 'nightly' ? config.nightly : undefined) } as unknown as ConfigService<AppConfig, true>;
  const q = new TrainingRunQueue(database.dataSource);
  return new NightlyScheduler(q, new SettingsRepository(database.dataSource), new SchedulerRegistry(), configService);
}

/** Resolves with the next champion the watcher reports. */
const nextChange = (w: ChampionWatcher) => new Promise<Champion>((resolve) => w.once('change', resolve));

describe('model registry', () => {
  it('the first served model becomes the champion; later ones do not replace it', async () => {
    const id = await registry.adoptServed('default', '/models/default');
    expect(await registry.champion()).toEqual({ id, name: 'default', artifactPath: '/models/default' });
    await registry.adoptServed('other', '/models/other');
    expect((await registry.champion())?.name).toBe('default');
    expect((await version('other')).status).toBe('candidate');
  });

  it('promote retires the previous champion; rollback restores it and never returns to a rolled-back version', async () => {
    const { run } = await enqueueRun('registry-lineage');
    const base = (await registry.champion())!;
    const a = await candidate('cand-a', base.id, run.id);
    expect(a).toEqual(expect.objectContaining({ status: 'candidate', parentId: base.id, runId: run.id, estimator: 'hian' }));
    await registry.promote(a.id);
    expect((await registry.champion())?.name).toBe('cand-a');
    expect((await version('default')).status).toBe('retired');
    await registry.promote('other');
    expect((await registry.champion())?.name).toBe('other');

    const back = await registry.rollback();
    expect([back.from.name, back.to.name]).toEqual(['other', 'cand-a']);
    expect((await version('other')).rolled_back_at).not.toBeNull();
    expect((await registry.rollback()).to.name).toBe('default');
    await expect(registry.rollback()).rejects.toMatchObject({ code: 'no_previous_champion' });
    expect((await registry.champion())?.name).toBe('default');
  });

  it('a pinned champion is not replaced unless explicitly; bad requests change nothing', async () => {
    await registry.pin('default');
    await expect(registry.promote('cand-a')).rejects.toMatchObject({ code: 'champion_pinned' });
    await expect(registry.promote('no-such-version')).rejects.toBeInstanceOf(RegistryError);
    await expect(registry.promote('default', { expectedChampionId: '00000000-0000-0000-0000-000000000000' })).rejects.toMatchObject({ code: 'champion_changed' });
    expect(await version('default')).toEqual(expect.objectContaining({ status: 'champion', pinned: true }));
    await registry.unpin();
    await expect(registry.unpin()).rejects.toMatchObject({ code: 'no_champion' });
    const rejected = await candidate('cand-bad', null, (await enqueueRun('registry-bad')).run.id);
    await registry.reject(rejected.id, { reason: 'gate' });
    await expect(registry.reject(rejected.id, {})).rejects.toMatchObject({ code: 'not_a_candidate' });
    expect((await version('cand-bad')).status).toBe('rejected');
  });
});

describe('adapter versions', () => {
  it('an adapter version names its full-weight base; an adapter over an adapter is refused; `models list` shows the base', async () => {
    const { run } = await enqueueRun('registry-adapter');
    const base = (await registry.champion())!;
    const record = (name: string, baseVersionId: string) => ({
      name, artifactPath: `/artifacts/versions/${name}`, parentId: baseVersionId, runId: run.id, estimator: 'hian', dataWindowStart: new Date(0), dataWindowEnd: new Date(), config: { adapter: { baseVersionId, rank: 8, targets: ['q_proj'] } }, metrics: {},
    });
    const lora = await registry.registerCandidate(record('lora-a', base.id));
    expect(adapterOf(lora)).toEqual({ baseVersionId: base.id, rank: 8, targets: ['q_proj'] });
    await expect(registry.registerCandidate(record('lora-on-lora', lora.id))).rejects.toMatchObject({ code: 'adapter_over_adapter', message: expect.stringContaining('its base lora-a is itself an adapter') });
    expect(await version('lora-on-lora')).toBeUndefined();

    const list = spawnEntry('src/cli/index.ts', ['models', 'list'], { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: settings.schema, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
    const exited = await waitForExit(list, 30_000);
    expect(exited.code).toBe(0);
    const rows = exited.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.find((r) => r.name === 'lora-a').adapter).toEqual({ base: base.name, baseId: base.id, rank: 8, targets: ['q_proj'] });
    expect(rows.find((r) => r.name === base.name).adapter).toBeNull();
  });
});

describe('champion watcher', () => {
  it('a promotion committed on another connection is announced by NOTIFY (polling disabled), and only once', async () => {
    const watcher = new ChampionWatcher({ listen: { connectionString: testDatabaseUrl }, readChampion: () => registry.champion(), pollMs: 3_600_000 });
    await watcher.start();
    try {
      expect(watcher.listening).toBe(true);
      const changes: string[] = [];
      watcher.on('change', (c) => changes.push(c.name));
      const change = nextChange(watcher);
      await new ModelRegistry(other.dataSource).promote('cand-a');
      const started = Date.now();
      expect(await change).toEqual({ id: expect.any(String), name: 'cand-a', artifactPath: '/artifacts/versions/cand-a' });
      expect(Date.now() - started).toBeLessThan(2000);
      await watcher.check();
      expect(changes).toEqual(['cand-a']);
    } finally {
      await watcher.stop();
    }
  });

  it('without LISTEN (e.g. the embedded database) the polling fallback reports the change', async () => {
    const watcher = new ChampionWatcher({ readChampion: () => registry.champion(), pollMs: 100 });
    await watcher.start();
    try {
      expect(watcher.listening).toBe(false);
      const change = nextChange(watcher);
      await registry.rollback();
      expect((await change).name).toBe('default');
    } finally {
      await watcher.stop();
    }
  });
});

describe('run queue and schedule', () => {
  it('two schedulers firing at once (two replicas) enqueue one nightly run', async () => {
    const at = new Date('2026-11-25T03:00:00Z');
    const results = await Promise.all([schedulerOn(db).fire(at), schedulerOn(other).fire(at)]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    expect(results[0].run.id).toBe(results[1].run.id);
    const rows = await db.dataSource.query(`SELECT run_key, status, trigger, max_attempts FROM training_runs WHERE run_key = $1`, [nightlyRunKey(at)]);
    expect(rows).toEqual([{ run_key: 'nightly:2026-11-25', status: 'queued', trigger: 'nightly', max_attempts: config.nightly.maxAttempts }]);
    expect((await schedulerOn(db).fire(new Date('2026-11-26T03:00:00Z'))).created).toBe(true);
    await db.dataSource.query(`UPDATE training_runs SET status = 'cancelled' WHERE trigger = 'nightly'`);
  });

  it('the admin schedule overrides TRAINING_CRON; an invalid one is ignored', async () => {
    const scheduler = schedulerOn(db);
    const repo = new SettingsRepository(db.dataSource);
    await scheduler.refresh();
    expect(scheduler.schedule).toBe(config.nightly.cron);
    await repo.set(TRAINING_CRON_SETTING, '30 1 * * *');
    await scheduler.refresh();
    expect(scheduler.schedule).toBe('30 1 * * *');
    await repo.set(TRAINING_CRON_SETTING, 'every night');
    await scheduler.refresh();
    expect(scheduler.schedule).toBe(config.nightly.cron);
    scheduler.onApplicationShutdown();
    await repo.clear(TRAINING_CRON_SETTING);
  });

  it('concurrent claims never take the same run (SKIP LOCKED)', async () => {
    await db.dataSource.query(`UPDATE training_runs SET status = 'cancelled' WHERE status = 'queued'`);
    const { run } = await enqueueRun('claim-race');
    const claims = await Promise.all([queue.claim('w1'), new TrainingRunQueue(other.dataSource).claim('w2')]);
    expect(claims.filter(Boolean).map((r) => r!.id)).toEqual([run.id]);
    const held = claims.find(Boolean)!;
    expect(held).toEqual(expect.objectContaining({ status: 'preparing', attempts: 1 }));
    expect(await queue.heartbeat(run.id, held.workerId!)).toEqual({ owned: true, cancelRequested: false });
    expect(await queue.heartbeat(run.id, 'someone-else')).toEqual({ owned: false, cancelRequested: false });
    await expect(queue.advance(run.id, 'someone-else', 'training')).rejects.toMatchObject({ code: 'lost_lease' });
  });

  it('a run whose worker stopped heartbeating is requeued while attempts remain, then failed; never stuck', async () => {
    const { run } = await enqueueRun('stale-worker', 2);
    await db.dataSource.query(`UPDATE training_runs SET status = 'cancelled' WHERE status IN ('queued', 'preparing') AND id <> $1`, [run.id]);
    const age = () => db.dataSource.query(`UPDATE training_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [run.id]);
    await queue.claim('dead-1');
    expect(await queue.reapStale(60)).toEqual([]); // fresh heartbeat: left alone
    await age();
    expect(await queue.reapStale(60)).toEqual([{ id: run.id, status: 'queued' }]);
    expect((await queue.get(run.id)).error).toMatch(/worker dead-1 stopped heartbeating in state preparing/);
    expect(await queue.heartbeat(run.id, 'dead-1')).toEqual({ owned: false, cancelRequested: false });
    await queue.claim('dead-2');
    await age();
    expect(await queue.reapStale(60)).toEqual([{ id: run.id, status: 'failed' }]);
    expect(await queue.get(run.id)).toEqual(expect.objectContaining({ status: 'failed', attempts: 2, workerId: null, finishedAt: expect.any(Date) }));
  });

  it('a run the sweep fails or cancels leaves no candidate behind; one it requeues keeps its candidate for the resumed attempt', async () => {
    await db.dataSource.query(`UPDATE training_runs SET status = 'cancelled' WHERE status IN ('queued', 'preparing', 'training', 'evaluating')`);
    const evaluating = async (key: string, maxAttempts: number) => {
      const { run } = await enqueueRun(key, maxAttempts);
      await queue.claim('dies-evaluating', run.id);
      const version = await candidate(`swept-${key}`, null, run.id);
      await queue.advance(run.id, 'dies-evaluating', 'evaluating', { candidateModelVersionId: version.id });
      return run;
    };
    const requeued = await evaluating('swept-requeued', 2);
    const failed = await evaluating('swept-failed', 1);
    const cancelled = await evaluating('swept-cancelled', 2);
    await queue.requestCancel(cancelled.id);
    await db.dataSource.query(`UPDATE training_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = ANY($1)`, [[requeued.id, failed.id, cancelled.id]]);
    const reaped = await queue.reapStale(60);
    expect(Object.fromEntries(reaped.map((r) => [r.id, r.status]))).toEqual({ [requeued.id]: 'queued', [failed.id]: 'failed', [cancelled.id]: 'cancelled' });
    const [keptFor, failedFor, cancelledFor] = await Promise.all(['swept-requeued', 'swept-failed', 'swept-cancelled'].map((k) => registry.find(`swept-${k}`)));
    expect(keptFor.status).toBe('candidate');
    expect(failedFor).toEqual(expect.objectContaining({ status: 'rejected', metrics: { discarded: expect.stringMatching(/worker dies-evaluating stopped heartbeating in state evaluating/) } }));
    expect(cancelledFor.status).toBe('rejected');
    await db.dataSource.query(`UPDATE training_runs SET status = 'cancelled' WHERE id = $1`, [requeued.id]);
  });

  it('cancel: a queued run at once, a running one flagged for its worker, a finished one refused', async () => {
    const queued = (await enqueueRun('cancel-queued')).run;
    expect((await queue.requestCancel(queued.id)).status).toBe('cancelled');
    await expect(queue.requestCancel(queued.id)).rejects.toMatchObject({ code: 'run_finished' });
    await expect(queue.requestCancel('not-a-run')).rejects.toBeInstanceOf(RunQueueError);
    const running = (await enqueueRun('cancel-running')).run;
    await queue.claim('w', running.id);
    expect((await queue.requestCancel(running.id)).status).toBe('preparing');
    expect(await queue.heartbeat(running.id, 'w')).toEqual({ owned: true, cancelRequested: true });
  });
});

describe('in the server', () => {
  it("the app's champion watcher listens and reports a promotion; the scheduler is registered", async () => {
    const appSchema = testSchemaConfig('nightly_app');
    const { app } = await startTestApp(appSchema, {});
    try {
      const watcher = app.get(ChampionWatcherService);
      expect(watcher.listening).toBe(true);
      expect(app.get(NightlyScheduler).schedule).toBe(config.nightly.cron);
      const appRegistry = app.get(ModelRegistry);
      expect(watcher.champion).toBeNull(); // a fresh database: no reply served yet
      const first = nextChange(watcher);
      await appRegistry.adoptServed('default', '/models/default');
      expect((await first).name).toBe('default');
      await appRegistry.adoptServed('app-next', '/models/app-next');
      const next = nextChange(watcher);
      await appRegistry.promote('app-next');
      expect((await next).name).toBe('app-next');
      expect(watcher.champion?.name).toBe('app-next');
    } finally {
      await app.close();
      await dropSchema(appSchema.schema);
    }
  });
});
