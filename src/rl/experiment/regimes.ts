import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { EvaluationPlan, EvaluationRecord } from '../../evaluation';
import type { SessionRewardKind } from '../../scoring';
import type { VisitorKind } from '../../simulator';
import { StepMetrics, TrainingProgress } from '../trainer/training-loop';
import { claimExperimentRoot, evaluateInitialModel, ExperimentConfig, readJsonl, runName, RunSpec, TrainingBackend, trainAndEvaluate } from './experiment';
import { CurvePoint, curveSvg, smooth } from './plots';
import { buildRegimesReport, RegimeRun } from './regimes-report';

/**
 * The pre-registered design of the regimes experiment (docs/results/duca-regimes.md): which runs,
 * in which order, and the training settings they share. Changing any of it changes the experiment,
 * so the command takes none of it as a flag.
 */
export const regimesDesign = {
  steps: 40,
  contexts: 4,
  group: 8,
  evaluationSessions: 192,
  evaluationSeed: 20261206,
  checkpointEvery: 10,
};

/** The runs, most important first, so a partial result answers the main question. */
export function regimesRuns(): RunSpec[] {
  const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const runs: RunSpec[] = [];
  const add = (visitor: VisitorKind, estimator: string, seed: number, sessionReward: SessionRewardKind = 'value', rewardScale = 1) =>
    runs.push({ visitor, estimator, seed, sessionReward, rewardScale });
  for (const visitor of ['persuadable', 'strict'] as const) for (const s of seeds(5)) for (const e of ['hian', 'grpo']) add(visitor, e, s);
  for (const s of seeds(3)) for (const e of ['mt-grpo', 'mapo']) add('persuadable', e, s);
  for (const s of seeds(3)) for (const scale of [0.1, 1, 10]) for (const e of ['hian', 'grpo']) add('persuadable', e, s, 'conversion', scale);
  return runs;
}

/** E1 strict × library personas, E2 persuadable × library personas, E3 strict × unseen personas. */
export function regimesEvaluations(libraryPersonas: string[], unseenPersonas: string[]): Record<string, EvaluationPlan> {
  const plan = (personas: string[], visitor: VisitorKind): EvaluationPlan => ({ personas, sessions: regimesDesign.evaluationSessions, seed: regimesDesign.evaluationSeed, visitor });
  return { E1: plan(libraryPersonas, 'strict'), E2: plan(libraryPersonas, 'persuadable'), E3: plan(unseenPersonas, 'strict') };
}

export interface RegimesConfig {
  runs: RunSpec[];
  loop: ExperimentConfig['loop'];
  evaluations: Record<string, EvaluationPlan>;
  root: string;
  /** The pre-registration; the results replace what follows its marker line. */
  reportPath: string;
  init: string;
  command: string;
  notes: string[];
}

/** The line of the pre-registration after which results are written. */
export const RESULTS_MARKER = '<!-- Everything below this line is written by `closer duca-regimes`. -->';

/**
 * Trains and evaluates every run one after another (resumable: finished runs are read back,
 * an interrupted one resumes from its checkpoint), and rewrites the results after each run.
 */
export async function runRegimesExperiment(
  c: RegimesConfig,
  backend: TrainingBackend,
  log: (line: string) => void = () => {},
  onStep: (run: RunSpec, p: TrainingProgress) => void = () => {},
): Promise<string> {
  await mkdir(c.root, { recursive: true });
  await claimExperimentRoot(c.root, c.init, { loop: c.loop, evaluations: c.evaluations, runs: c.runs });
  await readPreregistration(c.reportPath);
  const init = await evaluateInitialModel(c.root, c.evaluations, backend, 'grpo', log);
  const timingsPath = join(c.root, 'timings.jsonl');
  const done: RegimeRun[] = [];
  let report = '';
  for (const [i, spec] of c.runs.entries()) {
    const started = Date.now();
    const finishedBefore = existsSync(join(c.root, runName(spec), 'evaluation-E1.jsonl'));
    log(`run ${i + 1}/${c.runs.length}: ${runName(spec)}${finishedBefore ? ' (finished, read back)' : ''}`);
    const run = await trainAndEvaluate(spec, c.root, c.loop, c.evaluations, backend, log, onStep);
    if (!finishedBefore) await appendFile(timingsPath, JSON.stringify({ run: runName(spec), seconds: (Date.now() - started) / 1000 }) + '\n');
    done.push({ ...spec, visitor: spec.visitor ?? 'strict', sessionReward: spec.sessionReward ?? 'value', metrics: run.metrics, evaluations: run.evaluations });
    report = await writeResults(c, init, done, await readTimings(timingsPath));
  }
  return report;
}

async function readPreregistration(path: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  const at = text.indexOf(RESULTS_MARKER);
  if (at < 0) throw new Error(`${path} has no results marker line (${RESULTS_MARKER}); the pre-registration must end with it`);
  return text.slice(0, at + RESULTS_MARKER.length);
}

async function readTimings(path: string): Promise<Record<string, number>> {
  if (!existsSync(path)) return {};
  const rows = await readJsonl<{ run: string; seconds: number }>(path);
  return Object.fromEntries(rows.map((r) => [r.run, r.seconds]));
}

/** One figure per hypothesis: the training curve that shows it, every seed of the runs it is about. */
const FIGURES: { name: string; title: string; metric: keyof StepMetrics; runs: (r: RegimeRun) => boolean; series: (r: RegimeRun) => string }[] = [
  {
    name: 'h1-violations-persuadable',
    title: 'H1: compliance violations per turn, trained on the persuadable visitor',
    metric: 'violations_per_turn',
    runs: (r) => r.visitor === 'persuadable' && r.sessionReward === 'value',
    series: (r) => r.estimator,
  },
  {
    name: 'h2-conversion-persuadable',
    title: 'H2: conversion in training rollouts (persuadable visitor)',
    metric: 'conversion_rate',
    runs: (r) => r.visitor === 'persuadable' && r.sessionReward === 'value',
    series: (r) => r.estimator,
  },
  {
    name: 'h3-conversion-strict',
    title: 'H3: conversion in training rollouts (strict visitor)',
    metric: 'conversion_rate',
    runs: (r) => r.visitor === 'strict',
    series: (r) => r.estimator,
  },
  {
    name: 's-violations-by-scale',
    title: 'S: violations per turn by session-reward scale (conversion reward, persuadable)',
    metric: 'violations_per_turn',
    runs: (r) => r.sessionReward === 'conversion',
    series: (r) => `${r.estimator} ×${r.rewardScale}`,
  },
];

async function writeResults(c: RegimesConfig, init: Record<string, EvaluationRecord[]>, runs: RegimeRun[], timings: Record<string, number>): Promise<string> {
  const dir = dirname(c.reportPath);
  const figureDir = join(dir, 'figures', 'duca-regimes');
  await mkdir(figureDir, { recursive: true });
  const figures: Record<string, string> = {};
  for (const f of FIGURES) {
    const points: CurvePoint[] = runs.filter(f.runs).flatMap((r) => r.metrics.map((m) => ({ step: m.step, series: f.series(r), seed: r.seed, value: Number(m[f.metric]) })));
    if (!points.length) continue;
    const path = join(figureDir, `${f.name}.svg`);
    await writeFile(path, await curveSvg(smooth(points, 5), { title: f.title, yTitle: f.metric }));
    figures[f.name] = relative(dir, path);
  }
  const results = buildRegimesReport({ command: c.command, init, runs, planned: c.runs.map(runName), timings, figures, notes: c.notes });
  const text = `${await readPreregistration(c.reportPath)}\n\n${results}\n`;
  await writeFile(c.reportPath, text);
  return results;
}
