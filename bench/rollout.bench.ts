/**
 * Rollout benchmark: 64 simulated sessions (8 contexts × 8 seeds) with the default model against
 * the rule-based simulator. Prints JSON lines:
 *   npm run bench:rollout [-- --model DIR --contexts 8 --group 8 --workers 2 --batch 32 --weights fed --repeats 2]
 * Modes, measured in the same run on the same jobs:
 * - `sequential`: one process, one session at a time, batch 1 (2 intra-op threads: the best a
 *   single batch-1 process gets from the machine);
 * - `pool`: worker threads (1 intra-op thread each) with continuous batching inside each worker.
 * Start-up and a warm-up on other seeds (which compiles the session shapes) are not timed. Modes
 * alternate `repeats` times and each keeps its best run (the VM is shared; others only slow a run down).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { shippedCatalog } from '../src/catalog';
import { loadCheckpoint } from '../src/model';
import { RolloutJob, RolloutPool, RolloutPoolOptions, RolloutSession } from '../src/model/rollout';
import { loadPersonaLibrary } from '../src/simulator';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);
const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const modelDir = args.get('model') ?? 'models/default';
const contexts = Number(args.get('contexts') ?? 8);
const group = Number(args.get('group') ?? 8);
const workers = Number(args.get('workers') ?? 2);
const batch = Number(args.get('batch') ?? 32);
const weights = (args.get('weights') ?? 'fed') as 'fed' | 'baked';
const repeats = Number(args.get('repeats') ?? 2);
const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version };
const emit = (r: Record<string, unknown>) => console.log(JSON.stringify({ ...r, model: modelDir, machine }));
const round = (x: number) => Math.round(x * 1000) / 1000;

const jobs: RolloutJob[] = Array.from({ length: contexts * group }, (_, i) => ({
  personaId: defaultPersonas[Math.floor(i / group) % defaultPersonas.length].id,
  seed: 1000 + i,
}));

let weightsMap: Map<string, Float32Array>;

async function measure(mode: string, options: RolloutPoolOptions) {
  const t0 = performance.now();
  const pool = await RolloutPool.create(options);
  const startup = performance.now() - t0;
  // Warm-up on other seeds compiles the session shapes the run will use.
  await pool.play(jobs.slice(0, Math.min(jobs.length, options.workers === 0 ? 2 : 2 * (options.maxBatchPerWorker ?? 16))).map((j) => ({ ...j, seed: j.seed + 1_000_000 })));
  const t1 = performance.now();
  const sessions = await pool.play(jobs);
  const seconds = (performance.now() - t1) / 1000;
  // What an RL step pays to hand new weights to every player (here: the same values again).
  const t2 = performance.now();
  await pool.setWeights(weightsMap);
  const setWeightsMs = performance.now() - t2;
  await pool.close();
  const agentTokens = sessions.reduce((n, s) => n + s.agentTurns.reduce((m, t) => m + t.end - t.start, 0), 0);
  const agentTurns = sessions.reduce((n, s) => n + s.agentTurns.length, 0);
  const line = {
    bench: 'rollout',
    mode,
    workers: options.workers,
    intra_op_threads: options.intraOpThreads,
    max_batch_per_worker: options.maxBatchPerWorker,
    weights: options.weights,
    sessions: sessions.length,
    seconds: round(seconds),
    startup_seconds: round(startup / 1000),
    set_weights_ms: round(setWeightsMs),
    sessions_per_s: round(sessions.length / seconds),
    agent_tokens_per_s: round(agentTokens / seconds),
    mean_agent_turns: round(agentTurns / sessions.length),
    mean_tokens_per_session: round(sessions.reduce((n, s) => n + s.tokens.length, 0) / sessions.length),
    conversion_rate: round(sessions.filter((s) => s.outcome.converted).length / sessions.length),
    ended: countBy(sessions, (s) => s.ended),
  };
  return { line, sessions };
}

function countBy(sessions: RolloutSession[], key: (s: RolloutSession) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of sessions) counts[key(s)] = (counts[key(s)] ?? 0) + 1;
  return counts;
}

async function main() {
  weightsMap = new Map([...(await loadCheckpoint(modelDir)).tensors].map(([name, t]) => [name, Float32Array.from(t.data)]));
  const modes: [string, RolloutPoolOptions][] = [
    ['sequential', { modelDir, catalog: defaultCatalog, personas: defaultPersonas, workers: 0, intraOpThreads: 2, maxBatchPerWorker: 1, weights }],
    ['pool', { modelDir, catalog: defaultCatalog, personas: defaultPersonas, workers, intraOpThreads: 1, maxBatchPerWorker: batch, weights }],
  ];
  const best = new Map<string, Awaited<ReturnType<typeof measure>>>();
  for (let r = 0; r < repeats; r++) {
    for (const [mode, options] of modes) {
      const run = await measure(mode, options);
      if (!best.has(mode) || run.line.sessions_per_s > best.get(mode)!.line.sessions_per_s) best.set(mode, run);
    }
  }
  const sequential = best.get('sequential')!;
  const pool = best.get('pool')!;
  emit({ ...sequential.line, repeats });
  emit({ ...pool.line, repeats });
  const identical = pool.sessions.filter((s, i) => JSON.stringify(s.tokens) === JSON.stringify(sequential.sessions[i].tokens)).length;
  emit({
    bench: 'rollout-summary',
    speedup_sessions_per_s: round(pool.line.sessions_per_s / sequential.line.sessions_per_s),
    speedup_agent_tokens_per_s: round(pool.line.agent_tokens_per_s / sequential.line.agent_tokens_per_s),
    sessions_identical_to_sequential: `${identical}/${jobs.length}`,
    target_speedup: 5,
  });
}

void main();
