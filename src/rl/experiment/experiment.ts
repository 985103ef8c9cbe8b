import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join, relative } from 'node:path';
import { evaluate, EvaluationPlan, EvaluationRecord } from '../../evaluation';
import { PolicyOptimizer, Rehearsal } from '../policy';
import { RolloutSource } from '../rollouts';
import type { SessionRewardKind } from '../../scoring';
import type { VisitorKind } from '../../simulator';
import { RunDirectory } from '../trainer/run-directory';
import { runTrainingLoop, StepMetrics, TrainingLoopConfig, TrainingProgress } from '../trainer/training-loop';
import { CurvePoint, curveSvg, smooth } from './plots';
import { buildReport, RunResult } from './report';

/** One training run of the experiment. */
export interface RunSpec {
  estimator: string;
  seed: number;
  rewardScale: number;
  /** The visitor the run trains against; the backend's default (strict) when absent. */
  visitor?: VisitorKind;
  /** The session reward; the backend's default when absent. */
  sessionReward?: SessionRewardKind;
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

export const runName = (r: RunSpec) => `${r.visitor ? `${r.visitor}-` : ''}${r.estimator}${r.sessionReward ? `-${r.sessionReward}` : ''}-x${r.rewardScale}-s${r.seed}`;

export const readJsonl = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
export const writeJsonl = (path: string, rows: object[]) => writeFile(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));

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
  const plans = { '': c.evaluation };
  const init = await evaluateInitialModel(c.root, plans, backend, c.baseline, log);
  const results: RunResult[] = [];
  for (const spec of c.runs) {
    const run = await trainAndEvaluate(spec, c.root, c.loop, plans, backend, log, onStep);
    results.push({ ...spec, metrics: run.metrics, evaluation: run.evaluations[''] });
  }
  return writeReport(c, init[''], results);
}

/** The file a plan's records go to: `evaluation.jsonl` for the unnamed plan, `evaluation-<name>.jsonl` otherwise. */
const evaluationFile = (prefix: string, name: string) => `${prefix}evaluation${name ? `-${name}` : ''}.jsonl`;

/** The initial model on every plan, once per root (kept across resumptions). */
export async function evaluateInitialModel(
  root: string,
  plans: Record<string, EvaluationPlan>,
  backend: TrainingBackend,
  estimator: string,
  log: (line: string) => void,
): Promise<Record<string, EvaluationRecord[]>> {
  const missing = Object.keys(plans).filter((name) => !existsSync(join(root, evaluationFile('init-', name))));
  if (missing.length) {
    log('evaluating the initial model');
    const first = await backend.open({ estimator, seed: 0, rewardScale: 1 });
    try {
      for (const name of missing) await writeJsonl(join(root, evaluationFile('init-', name)), await evaluate(first.evaluation, plans[name]));
    } finally {
      await first.close();
    }
  }
  return readPlans(root, 'init-', plans);
}

async function readPlans(dir: string, prefix: string, plans: Record<string, EvaluationPlan>): Promise<Record<string, EvaluationRecord[]>> {
  const out: Record<string, EvaluationRecord[]> = {};
  for (const name of Object.keys(plans)) out[name] = await readJsonl<EvaluationRecord>(join(dir, evaluationFile(prefix, name)));
  return out;
}

/**
 * Finished runs under the root are reused, so the root records what they were trained and
 * evaluated with, down to the initial weights' checksum: after the default model or the plan
 * changes, a rerun into the same root is refused instead of mixing old results into the report.
 */
async function claimRoot(c: ExperimentConfig): Promise<void> {
  await claimExperimentRoot(c.root, c.init, { loop: c.loop, evaluation: c.evaluation });
}

const identityPath = (root: string) => join(root, 'experiment.json');

/** Whether a root holds runs already (claimed with what they are trained and evaluated with). */
export const holdsRuns = (root: string) => existsSync(identityPath(root));

/** Records what a root's runs are trained and evaluated with; refuses a root that holds another experiment's runs. */
export async function claimExperimentRoot(root: string, init: string, settings: object): Promise<void> {
  const path = identityPath(root);
  const identity = JSON.parse(JSON.stringify({ init, initWeightsSha256: await sha256(join(init, 'model.safetensors')), ...settings }));
  if (existsSync(path)) {
    const recorded: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isDeepStrictEqual(recorded, identity)) {
      throw new Error(`${root} holds runs of another experiment (initial model or settings differ, see its experiment.json); choose another run root or remove it`);
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

/**
 * Trains one run (resuming from its last checkpoint) and plays every plan with its final weights;
 * a run whose evaluations are all on disk is read back.
 */
export async function trainAndEvaluate(
  spec: RunSpec,
  root: string,
  loopSettings: ExperimentConfig['loop'],
  plans: Record<string, EvaluationPlan>,
  backend: TrainingBackend,
  log: (line: string) => void,
  onStep: (run: RunSpec, p: TrainingProgress) => void,
  rehearsal?: Rehearsal,
): Promise<{ metrics: StepMetrics[]; evaluations: Record<string, EvaluationRecord[]> }> {
  const run = new RunDirectory(join(root, runName(spec)));
  const missing = Object.keys(plans).filter((name) => !existsSync(join(run.root, evaluationFile('', name))));
  if (missing.length) {
    const loop: TrainingLoopConfig = { ...loopSettings, estimator: spec.estimator as TrainingLoopConfig['estimator'], seed: spec.seed };
    const replayed = rehearsal && { coef: rehearsal.coef, windowsPerStep: rehearsal.windowsPerStep, windows: rehearsal.windows.length };
    await run.create({ ...loop, rewardScale: spec.rewardScale, visitor: spec.visitor, sessionReward: spec.sessionReward, ...(replayed ? { rehearsal: replayed } : {}) });
    const { optimizer, rollouts, evaluation, close } = await backend.open(spec);
    try {
      log(`training ${runName(spec)}`);
      await runTrainingLoop(run, loop, optimizer, rollouts, (p) => onStep(spec, p), rehearsal);
      log(`evaluating ${runName(spec)}`);
      await evaluation.setWeights(optimizer.params);
      for (const name of missing) await writeJsonl(join(run.root, evaluationFile('', name)), await evaluate(evaluation, plans[name]));
    } finally {
      await close();
    }
  }
  return { metrics: await run.readMetrics<StepMetrics>(), evaluations: await readPlans(run.root, '', plans) };
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
