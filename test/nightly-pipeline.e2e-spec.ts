import { Logger } from '@nestjs/common';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppConfig, loadConfig } from '../src/config';
import { Database } from '../src/database';
import { TrainingRun, TrainingRunQueue } from '../src/jobs';
import { loadCheckpoint, saveCheckpoint } from '../src/model';
import { CandidateTrainer, NightlyPipeline, nightlyRunConfig, NightlyRunConfig, TrainingWorker } from '../src/nightly';
import { measureFidelity } from '../src/nightly/fidelity-report';
import { defaultComplianceRules } from '../src/scoring';
import { writeCandidateModel } from '../src/rl/trainer/candidate-model';
import { Champion, ChampionWatcher, ModelRegistry } from '../src/registry';
import { loadPersonaLibrary } from '../src/simulator';
import { spawnEntry, waitForExit } from './support/spawn-server';
import { dropSchema, testDatabaseUrl, testSchemaConfig } from './support/test-database';

const settings = testSchemaConfig('nightly_pipeline');
const artifactDir = mkdtempSync(join(tmpdir(), 'closer-nightly-'));
const modelDir = resolve('models/default');
const config: AppConfig = { ...loadConfig({ NODE_ENV: 'test', ARTIFACT_DIR: artifactDir }), database: settings };
/** The gate out of the way: these tests are about the pipeline's mechanics, the gate has its own. */
const lenient = { conversionMargin: 1, maxViolationsIncrease: 1, maxRepetitionIncrease: 1, maxIdentityIncrease: 1 };
const tiny = { steps: 2, contexts: 1, group: 2, evalSessions: 4, maxAgentTurns: 2, checkpointEvery: 1 };
/** What a process running the CLI needs: this test's schema and artifact folder, quiet logs. */
const processEnv = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: settings.schema, ARTIFACT_DIR: artifactDir, MODEL_DIR: modelDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' };

let db: Database;
let registry: ModelRegistry;
let queue: TrainingRunQueue;

beforeAll(async () => {
  Logger.overrideLogger(false);
  db = await Database.open(settings);
  registry = new ModelRegistry(db.dataSource);
  queue = new TrainingRunQueue(db.dataSource);
  await registry.adoptServed('default', modelDir);
});
afterAll(async () => {
  await db?.close();
  await dropSchema(settings.schema);
  await rm(artifactDir, { recursive: true, force: true });
});

function pipeline(trainer?: CandidateTrainer): NightlyPipeline {
  return new NightlyPipeline({ db: db.dataSource, queue, registry, catalog: config.catalog, library: loadPersonaLibrary(config.catalog), artifactDir, trainer });
}

async function enqueue(key: string, overrides: Partial<NightlyRunConfig>): Promise<TrainingRun> {
  const runConfig = { ...nightlyRunConfig(config.nightly, tiny), ...overrides };
  return (await queue.enqueue({ runKey: key, trigger: 'cli', estimator: 'hian', config: runConfig as unknown as Record<string, unknown>, maxAttempts: 2 })).run;
}

const championName = async () => (await registry.champion())?.name;

describe('nightly pipeline (real default model, real Postgres)', () => {
  it('`closer nightly --now` runs queued → canary in another process, learning from logged sessions; the watcher hears the canary, and its promotion ends the run promoted', async () => {
    // One logged live session that converted: its opening becomes a derived persona.
    const [session] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key, channel) VALUES ('demo-site', 'widget') RETURNING id`);
    await db.dataSource.query(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', 'Does it sync with my Gmail inbox? We are 12 people.'), ($1, 1, 'agent', 'Yes.')`, [session.id]);
    await db.dataSource.query(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) VALUES ($1, 'webhook', 'e1', 100, now())`, [session.id]);

    const watcher = new ChampionWatcher({ listen: { connectionString: testDatabaseUrl }, readChampion: () => registry.champion(), readCanary: () => registry.canary(), pollMs: 3_600_000 });
    await watcher.start();
    const heard: Champion[] = [];
    const canaries: (string | null)[] = [];
    watcher.on('change', (c) => heard.push(c));
    watcher.on('canary', (c) => canaries.push(c?.name ?? null));
    try {
      const cli = spawnEntry('src/cli/index.ts', ['nightly', '--now', '--steps', '2', '--contexts', '1', '--group', '2', '--eval-sessions', '4', '--max-agent-turns', '2'], {
        ...processEnv,
        GATE_CONVERSION_MARGIN: '1',
        GATE_MAX_VIOLATIONS_INCREASE: '1',
        GATE_MAX_REPETITION_INCREASE: '1',
        GATE_MAX_IDENTITY_INCREASE: '1',
      });
      const exited = await waitForExit(cli, 80_000);
      expect(exited.stderr).toMatch(/step 2\/2/);
      expect(exited.code).toBe(0);
      const result = JSON.parse(exited.stdout.trim().split('\n').pop()!);
      // Passing the gate makes it the canary (CANARY_SHARE defaults to 10 %): the champion stays until live outcomes decide.
      expect(result).toEqual(expect.objectContaining({ state: 'canary', device: 'cpu', champion: 'default', canary: result.candidate }));
      expect(result.gate).toEqual(expect.objectContaining({ promote: true, sessions: 4, conversion: expect.objectContaining({ ci95: expect.any(Array) }) }));

      const run = await queue.get(result.run);
      expect(run).toEqual(expect.objectContaining({ status: 'canary', device: 'cpu', attempts: 1, trigger: 'cli', finishedAt: expect.any(Date) }));
      expect(run.metrics).toEqual(expect.objectContaining({ step: 2, steps: 2, resumedFromStep: 0 }));
      expect(run.data).toEqual(expect.objectContaining({ loggedSessions: 1, convertedSessions: 1, library: expect.arrayContaining(['startup-founder']) }));
      expect((run.data.derived as { opening: string; needs: string[]; buyingIntent: number }[])[0]).toEqual(expect.objectContaining({ opening: expect.stringContaining('Gmail'), needs: ['email-sync'], buyingIntent: 0.75 }));
      expect(run.gate).toEqual(expect.objectContaining({ champion: expect.objectContaining({ sessions: 4 }), candidate: expect.objectContaining({ sessions: 4 }), comparison: expect.any(Object), rules: lenient }));

      const [version] = await db.dataSource.query(`SELECT v.name, v.status, v.run_id, v.estimator, p.name AS parent, v.artifact_path FROM model_versions v JOIN model_versions p ON p.id = v.parent_id WHERE v.id = $1`, [run.candidateModelVersionId]);
      expect(version).toEqual({ name: result.candidate, status: 'canary', run_id: run.id, estimator: 'hian', parent: 'default', artifact_path: join(artifactDir, 'versions', result.candidate) });
      expect(existsSync(join(version.artifact_path, 'model.safetensors')) && existsSync(join(version.artifact_path, 'tokenizer.json'))).toBe(true);
      await watcher.check();
      expect(canaries).toEqual([result.candidate]);
      expect(await registry.canary()).toEqual(expect.objectContaining({ name: result.candidate, share: 0.1 }));

      // Live outcomes promote it (here directly through the registry; the monitor's decisions are tested in canary.e2e): the run ends promoted.
      await registry.endCanary({ verdict: 'promote', decidedBy: 'test', decision: {} });
      expect((await queue.get(result.run)).status).toBe('promoted');
      await watcher.check();
      expect(heard.map((c) => c.name)).toEqual([result.candidate]);
      expect(canaries).toEqual([result.candidate, null]);
    } finally {
      await watcher.stop();
    }

    // Rollback restores the previous champion.
    expect((await registry.rollback()).to.name).toBe('default');
    expect(await championName()).toBe('default');
  }, 90_000);

  it('a candidate made deliberately worse is rejected and the champion is unchanged', async () => {
    // Training replaced by a sabotage: the champion's weights scrambled (rows of every matrix rotated).
    const sabotage: CandidateTrainer = async (job) => {
      const init = await loadCheckpoint(job.init);
      const params = new Map([...init.tensors].map(([name, t]) => {
        const d = Float32Array.from(t.data);
        const width = t.shape.at(-1)!;
        return [name, t.shape.length === 2 ? Float32Array.from(d, (_, i) => d[(i + 7 * width) % d.length]) : d];
      }));
      await writeCandidateModel(job.init, params, job.outDir, '# sabotaged');
      return [];
    };
    const run = await enqueue('worse', { evalSessions: 12, maxAgentTurns: 4, gate: config.nightly.gate });
    const worker = new TrainingWorker(queue, pipeline(sabotage), registry, 'test-worker', { heartbeatSeconds: 1, staleSeconds: 30, pollSeconds: 1 });
    const result = await worker.runOnce(run.id);
    expect(result?.run.status).toBe('rejected');
    expect(result?.outcome?.gate.promote).toBe(false);
    expect(result?.outcome?.gate.reasons.length).toBeGreaterThan(0);
    expect(await championName()).toBe('default');
    const [candidate] = await db.dataSource.query(`SELECT status, metrics FROM model_versions WHERE id = $1`, [result?.run.candidateModelVersionId]);
    expect(candidate.status).toBe('rejected');
    expect(candidate.metrics.gate.reasons).toEqual(result?.outcome?.gate.reasons);
  }, 60_000);

  it('killing the worker mid-run leaves the champion intact; the run is taken back and resumed from its checkpoint', async () => {
    const run = await enqueue('killed', { steps: 3, gate: lenient });
    const worker = spawnEntry('src/cli/index.ts', ['worker', '--once'], { ...processEnv, TRAINING_HEARTBEAT_SECONDS: '1', TRAINING_STALE_SECONDS: '2' });
    const exited = waitForExit(worker, 80_000);
    const checkpoint = join(artifactDir, 'runs', run.id, 'checkpoints', 'step-000001');
    const deadline = Date.now() + 60_000;
    while (!existsSync(checkpoint) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(checkpoint)).toBe(true);
    worker.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect((await queue.get(run.id)).status).toBe('training');
    expect(await championName()).toBe('default');

    await new Promise((r) => setTimeout(r, 2500)); // its heartbeat goes stale
    const survivor = new TrainingWorker(queue, pipeline(), registry, 'survivor', { heartbeatSeconds: 1, staleSeconds: 2, pollSeconds: 1 });
    const result = await survivor.runOnce();
    expect(result?.run.id).toBe(run.id);
    expect(result?.run).toEqual(expect.objectContaining({ status: 'promoted', attempts: 2, workerId: 'survivor' }));
    expect(Number(result?.run.metrics.resumedFromStep)).toBeGreaterThanOrEqual(1);
    const steps = readFileSync(join(artifactDir, 'runs', run.id, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3]);
    expect(await championName()).toBe(result?.outcome?.candidate);
  }, 90_000);

  it('killing the worker during evaluation leaves the champion intact and the candidate unpromoted; the run is taken back and finished', async () => {
    const run = await enqueue('killed-evaluating', { steps: 1, evalSessions: 40, maxAgentTurns: 4, gate: lenient });
    const before = await championName();
    const worker = spawnEntry('src/cli/index.ts', ['worker', '--once'], { ...processEnv, TRAINING_HEARTBEAT_SECONDS: '1', TRAINING_STALE_SECONDS: '2' });
    const exited = waitForExit(worker, 80_000);
    const deadline = Date.now() + 60_000;
    while ((await queue.get(run.id)).status !== 'evaluating' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await queue.get(run.id)).status).toBe('evaluating');
    worker.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(await championName()).toBe(before);
    const candidates = await db.dataSource.query(`SELECT status FROM model_versions WHERE id IN (SELECT candidate_model_version_id FROM training_runs WHERE id = $1)`, [run.id]);
    expect(candidates.every((c: { status: string }) => c.status !== 'champion')).toBe(true);

    await new Promise((r) => setTimeout(r, 2500)); // its heartbeat goes stale
    const survivor = new TrainingWorker(queue, pipeline(), registry, 'eval-survivor', { heartbeatSeconds: 1, staleSeconds: 2, pollSeconds: 1 });
    const result = await survivor.runOnce();
    expect(result?.run.id).toBe(run.id);
    expect(result?.run).toEqual(expect.objectContaining({ status: 'promoted', attempts: 2, workerId: 'eval-survivor' }));
    expect(await championName()).toBe(result?.outcome?.candidate);
  }, 150_000);

  it('cancel stops a running run at its next step and changes no model', async () => {
    const run = await enqueue('cancelled', { steps: 50 });
    const slow: CandidateTrainer = async (job) => {
      for (let step = 1; step <= 50; step++) {
        await new Promise((r) => setTimeout(r, 200));
        if (step === 2) await queue.requestCancel(run.id);
        job.onStep({ step, steps: 50, metrics: { conversion_rate: 0, kl: 0, rollout_seconds: 0, update_seconds: 0 } as never });
      }
      throw new Error('not cancelled');
    };
    const before = await championName();
    const result = await new TrainingWorker(queue, pipeline(slow), registry, 'canceller', { heartbeatSeconds: 0.2, staleSeconds: 30, pollSeconds: 1 }).runOnce(run.id);
    expect(result?.run).toEqual(expect.objectContaining({ status: 'cancelled', error: 'cancelled on request' }));
    expect(await championName()).toBe(before);
  }, 30_000);

  it('a worker that loses the database stops training within one heartbeat period', async () => {
    const run = await enqueue('database-lost', { steps: 60 });
    // The worker on its own connection pool, closed mid-run: every query it makes from then on fails.
    const lost = await Database.open(settings);
    const lostQueue = new TrainingRunQueue(lost.dataSource);
    const lostPipeline = new NightlyPipeline({ db: lost.dataSource, queue: lostQueue, registry: new ModelRegistry(lost.dataSource), catalog: config.catalog, library: loadPersonaLibrary(config.catalog), artifactDir, trainer: stepping });
    let closedAt = 0;
    let stoppedAt = 0;
    async function stepping(job: Parameters<CandidateTrainer>[0]) {
      for (let step = 1; step <= 60; step++) {
        await new Promise((r) => setTimeout(r, 50));
        if (step === 3) closedAt = await lost.close().then(() => Date.now());
        try {
          job.onStep({ step, steps: 60, metrics: { conversion_rate: 0, kl: 0, rollout_seconds: 0, update_seconds: 0 } as never });
        } catch (err) {
          stoppedAt = Date.now();
          throw err;
        }
      }
      return [];
    }
    const heartbeatSeconds = 0.5;
    const worker = new TrainingWorker(lostQueue, lostPipeline, registry, 'cut-off', { heartbeatSeconds, staleSeconds: 30, pollSeconds: 1 });
    await expect(worker.runOnce(run.id)).rejects.toThrow(); // it cannot even read back how the run ended
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt - closedAt).toBeLessThan(heartbeatSeconds * 1000 + 500); // one period, and the step that notices
    expect(await queue.get(run.id)).toEqual(expect.objectContaining({ status: 'training', workerId: 'cut-off' })); // the sweep takes it back
    await db.dataSource.query(`UPDATE training_runs SET status = 'cancelled' WHERE id = $1`, [run.id]);
  }, 30_000);

  it('a run cancelled during evaluation rejects its registered candidate and keeps the champion', async () => {
    const copy: CandidateTrainer = async (job) => {
      const init = await loadCheckpoint(job.init);
      await writeCandidateModel(job.init, new Map([...init.tensors].map(([n, t]) => [n, Float32Array.from(t.data)])), job.outDir, '# copy');
      return [];
    };
    const run = await enqueue('cancel-evaluating', { evalSessions: 8, maxAgentTurns: 3 });
    const before = await championName();
    const worker = new TrainingWorker(queue, pipeline(copy), registry, 'eval-canceller', { heartbeatSeconds: 0.1, staleSeconds: 30, pollSeconds: 1 });
    const running = worker.runOnce(run.id);
    while ((await queue.get(run.id)).status !== 'evaluating') await new Promise((r) => setTimeout(r, 20));
    await queue.requestCancel(run.id);
    const result = await running;
    expect(result?.run.status).toBe('cancelled');
    const [candidate] = await db.dataSource.query(`SELECT status, metrics FROM model_versions WHERE id = $1`, [result?.run.candidateModelVersionId]);
    expect(candidate).toEqual({ status: 'rejected', metrics: expect.objectContaining({ discarded: 'cancelled on request' }) });
    expect(await championName()).toBe(before);
  }, 30_000);

  it('a LoRA run stores only its adapter over the base version, which the gate evaluates (as candidate, then as champion); a LoRA run over that adapter stores full weights', async () => {
    const base = (await registry.champion())!;
    const loraRun = { steps: 1, evalSessions: 2, lora: { rank: 4, targets: ['q_proj', 'v_proj'] }, gate: lenient };
    const first = await new TrainingWorker(queue, pipeline(), registry, 'lora-worker', { heartbeatSeconds: 1, staleSeconds: 30, pollSeconds: 1 }).runOnce((await enqueue('lora', loraRun)).id);
    expect(first?.run.status).toBe('promoted');
    const adapter = await registry.find(first!.run.candidateModelVersionId!);
    expect(readdirSync(adapter.artifactPath).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    expect(JSON.parse(readFileSync(join(adapter.artifactPath, 'adapter_config.json'), 'utf8'))).toEqual(expect.objectContaining({ base_model_name_or_path: base.artifactPath, r: 4 }));
    expect(adapter.config.adapter).toEqual({ baseVersionId: base.id, rank: 4, targets: ['q_proj', 'v_proj'] });
    expect((await registry.champion())?.name).toBe(adapter.name);

    // The champion is now an adapter: the next LoRA run trains over it but keeps full weights (adapters sit over full weights only).
    let job: Parameters<CandidateTrainer>[0] | undefined;
    const recording: CandidateTrainer = async (j) => {
      job = j;
      const init = await loadCheckpoint(j.init);
      await writeCandidateModel(j.init, new Map([...init.tensors].map(([n, t]) => [n, Float32Array.from(t.data)])), j.outDir, '# copy');
      return [];
    };
    const second = await new TrainingWorker(queue, pipeline(recording), registry, 'lora-worker', { heartbeatSeconds: 1, staleSeconds: 30, pollSeconds: 1 }).runOnce((await enqueue('lora-over-lora', loraRun)).id);
    expect(job).toEqual(expect.objectContaining({ init: adapter.artifactPath, lora: expect.objectContaining({ adapterOnly: false }) }));
    expect(second?.run.status).toBe('promoted');
    const full = await registry.find(second!.run.candidateModelVersionId!);
    expect(full.config).toEqual(expect.objectContaining({ lora: expect.objectContaining({ rank: 4 }) }));
    expect(full.config.adapter).toBeUndefined();
    expect(readdirSync(full.artifactPath)).toEqual(expect.arrayContaining(['model.safetensors', 'tokenizer.json']));

    // Rolling back retires versions and deletes no folder: the adapter's base stays.
    expect((await registry.rollback()).to.name).toBe(adapter.name);
    expect(existsSync(join(base.artifactPath, 'model.safetensors'))).toBe(true);
  }, 90_000);

  it('measures the simulator’s fidelity for a served version on personas derived from its own live sessions (skipped when they are too few)', async () => {
    const served = await registry.find('default');
    const openings = ['Does it sync with Gmail? We are 5 people.', 'Is there a mobile app for my reps?', 'are you a bot? we need a pipeline view'];
    for (const [i, opening] of openings.entries()) {
      const [s] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key, channel, status, ended_at) VALUES ('demo-site', 'widget', 'ended', now()) RETURNING id`);
      await db.dataSource.query(`INSERT INTO turns (session_id, index, role, text, model_version_id) VALUES ($1, 0, 'visitor', $2, NULL), ($1, 1, 'agent', 'Yes, it does.', $3), ($1, 2, 'visitor', 'ok thanks', NULL)`, [s.id, opening, served.id]);
      if (i === 0) await db.dataSource.query(`INSERT INTO conversions (session_id, source, external_id, value, occurred_at) VALUES ($1, 'webhook', 'fid-1', 100, now())`, [s.id]);
    }
    const options = { minLiveSessions: 3, maxLiveSessions: 50, simulatedSessions: 4, seed: 1, replyMaxTokens: 40 };
    const library = loadPersonaLibrary(config.catalog);
    const report = await measureFidelity(db.dataSource, served, config.catalog, library, defaultComplianceRules, options);
    if ('skipped' in report) throw new Error(report.skipped);
    expect(report).toMatchObject({ versionName: 'default', liveSessions: 3, personas: 3, simulatedSessions: 4 });
    expect([report.gaps.conversion.live, report.gaps.identityQuestions.live, report.gaps.agentTurns.live]).toEqual([1 / 3, 1 / 3, 1]);
    for (const gap of Object.values(report.gaps)) expect(gap.ci95[0]).toBeLessThanOrEqual(gap.gap);
    expect(report.gaps.agentTurns.simulated).toBeGreaterThan(0);
    expect(await measureFidelity(db.dataSource, served, config.catalog, library, defaultComplianceRules, { ...options, minLiveSessions: 4 })).toEqual({ skipped: 'default: 3 live sessions, fewer than 4' });
  }, 60_000);
});
