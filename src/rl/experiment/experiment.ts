import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join, relative } from 'node:path';
import { evaluate, EvaluationPlan, EvaluationRecord } from '../../evaluation';
import { PolicyOptimizer } from '../policy';
import { RolloutSource } from '../rollouts';
import { RunDirectory } from '../trainer/run-directory';
import { runTrainingLoop, StepMetrics, TrainingLoopConfig, TrainingProgress } from '../trainer/training-loop';
import { CurvePoint, curveSvg, smooth } from './plots';
import { buildReport, RunResult } from './report';

/** One training run of the experiment. */
export interface RunSpec {
  estimator: string;
  seed: number;
  rewardScale: number;
}

/**
 * Opens what a run trains with: an optimizer on the initial weights, rollouts scoring at the run's
 * reward scale, and the source held-out evaluation plays with (same weights, serving sampling).
 */
export interface TrainingBackend {
  open(run: RunSpec): Promise<{ optimizer: PolicyOptimizer; rollouts: RolloutSource; evaluation: RolloutSource; close(): Promise<void> }>;
}

export interface ExperimentConfig {
  runs: RunSpec[];
  /** Everything of the training loop but the estimator and the seed, which each run sets. */
  loop: Omit<TrainingLoopConfig, 'estimator' | 'seed'>;
  evaluation: EvaluationPlan;
  /** Where run folders go (resumable: finished runs are read back, unfinished ones resume). */
  root: string;
  /** The markdown report; figures go to `figures/` beside it. */
  reportPath: string;
  baseline: string;
  init: string;
  command: string;
  notes: string[];
}

export const runName = (r: RunSpec) => `${r.estimator}-x${r.rewardScale}-s${r.seed}`;

const readJsonl = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
const writeJsonl = (path: string, rows: object[]) => writeFile(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));

/**
 * Trains every run (one after another: the machine's cores go to each run's rollout workers),
 * evaluates each final policy and the initial model on the same held-out plan, and writes the
 * report with its figures. Interrupted experiments continue where they stopped.
 */
export async function runExperiment(
  c: ExperimentConfig,
  backend: TrainingBackend,
  log: (line: string) => void = () => {},
  onStep: (run: RunSpec, p: TrainingProgress) => void = () => {},
): Promise<string> {
  await mkdir(c.root, { recursive: true });
  await claimRoot(c);
  const initPath = join(c.root, 'init-evaluation.jsonl');
  if (!existsSync(initPath)) {
    log('evaluating the initial model');
    const first = await backend.open({ estimator: c.baseline, seed: 0, rewardScale: 1 });
    try {
      await writeJsonl(initPath, await evaluate(first.evaluation, c.evaluation));
    } finally {
      await first.close();
    }
  }
  const results: RunResult[] = [];
  for (const spec of c.runs) results.push(await trainAndEvaluate(spec, c, backend, log, onStep));
  return writeReport(c, await readJsonl<EvaluationRecord>(initPath), results);
}

/**
 * Finished runs under the root are reused, so the root records what they were trained and
 * evaluated with, down to the initial weights' checksum: after the default model or the plan
 * changes, a rerun into the same root is refused instead of mixing old results into the report.
 */
async function claimRoot(c: ExperimentConfig): Promise<void> {
  const path = join(c.root, 'experiment.json');
  const identity = JSON.parse(JSON.stringify({ init: c.init, initWeightsSha256: await sha256(join(c.init, 'model.safetensors')), loop: c.loop, evaluation: c.evaluation }));
  if (existsSync(path)) {
    const recorded: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isDeepStrictEqual(recorded, identity)) {
      throw new Error(`${c.root} holds runs of another experiment (initial model or settings differ, see its experiment.json); use another --root or remove it`);
    }
    return;
  }
  await writeFile(path, JSON.stringify(identity, null, 2) + '\n');
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

async function trainAndEvaluate(
  spec: RunSpec,
  c: ExperimentConfig,
  backend: TrainingBackend,
  log: (line: string) => void,
  onStep: (run: RunSpec, p: TrainingProgress) => void,
): Promise<RunResult> {
  const run = new RunDirectory(join(c.root, runName(spec)));
  const evaluationPath = join(run.root, 'evaluation.jsonl');
  if (!existsSync(evaluationPath)) {
    const loop: TrainingLoopConfig = { ...c.loop, estimator: spec.estimator as TrainingLoopConfig['estimator'], seed: spec.seed };
    await run.create({ ...loop, rewardScale: spec.rewardScale });
    const { optimizer, rollouts, evaluation, close } = await backend.open(spec);
    try {
      log(`training ${runName(spec)}`);
      await runTrainingLoop(run, loop, optimizer, rollouts, (p) => onStep(spec, p));
      log(`evaluating ${runName(spec)}`);
      await evaluation.setWeights(optimizer.params);
      await writeJsonl(evaluationPath, await evaluate(evaluation, c.evaluation));
    } finally {
      await close();
    }
  }
  return { ...spec, metrics: await run.readMetrics<StepMetrics>(), evaluation: await readJsonl<EvaluationRecord>(evaluationPath) };
}

/** The training-dynamics figures: one per metric, every estimator of the main comparison. */
const FIGURES: [keyof StepMetrics, string][] = [
  ['conversion_rate', 'conversion rate (training rollouts)'],
  ['session_reward', 'session reward'],
  ['turn_reward', 'turn reward'],
  ['repetition_rate', 'inter-sentence repetition per turn'],
  ['identity_detection_rate', 'identity-detection rate'],
  ['violations_per_turn', 'compliance violations per turn'],
  ['kl', 'KL to the reference'],
  ['entropy', 'policy entropy'],
];

async function writeReport(c: ExperimentConfig, initEvaluation: EvaluationRecord[], runs: RunResult[]): Promise<string> {
  const dir = dirname(c.reportPath);
  const figureDir = join(dir, 'figures');
  await mkdir(figureDir, { recursive: true });
  const figures: Record<string, string> = {};
  for (const [metric, title] of FIGURES) {
    const points: CurvePoint[] = runs
      .filter((r) => r.rewardScale === 1)
      .flatMap((r) => r.metrics.map((m) => ({ step: m.step, series: r.estimator, seed: r.seed, value: Number(m[metric]) })));
    const path = join(figureDir, `${metric}.svg`);
    await writeFile(path, await curveSvg(smooth(points, 5), { title, yTitle: metric }));
    figures[metric] = relative(dir, path);
  }
  const report = buildReport({ command: c.command, init: c.init, baseline: c.baseline, initEvaluation, runs, figures, notes: c.notes });
  await writeFile(c.reportPath, report + '\n');
  return report;
}
