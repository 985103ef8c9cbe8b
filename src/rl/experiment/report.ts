import { compare, EvaluationRecord, PairedDifference, relativeChange, summarize } from '../../evaluation';
import { StepMetrics } from '../trainer/training-loop';

/** One finished training run of the experiment and its held-out evaluation. */
export interface RunResult {
  estimator: string;
  seed: number;
  /** Multiplier on the session reward (the reward-scale sweep; 1 for the main comparison). */
  rewardScale: number;
  metrics: StepMetrics[];
  evaluation: EvaluationRecord[];
}

export interface ReportContext {
  command: string;
  init: string;
  baseline: string;
  /** Held-out evaluation of the initial model on the same plan as every run. */
  initEvaluation: EvaluationRecord[];
  runs: RunResult[];
  /** Relative paths of the figures, by metric. */
  figures: Record<string, string>;
  notes: string[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number, digits = 3) => x.toFixed(digits);
const signedPct = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`);
const interval = ([lo, hi]: [number, number], f: (x: number) => string) => `[${f(lo)}, ${f(hi)}]`;
const diff = (d: PairedDifference, f: (x: number) => string) =>
  `${d.difference >= 0 ? '+' : ''}${f(d.difference)} ${interval(d.ci95, f)}${d.ci95[0] > 0 || d.ci95[1] < 0 ? ' *' : ''}`;

const runsOf = (runs: RunResult[], estimator: string, scale: number) =>
  runs.filter((r) => r.estimator === estimator && r.rewardScale === scale).sort((a, b) => a.seed - b.seed);

/** Records of one estimator at one scale, concatenated in seed order, optionally only for `seeds`. */
function pooled(runs: RunResult[], estimator: string, scale: number, seeds?: number[]): EvaluationRecord[] {
  return runsOf(runs, estimator, scale)
    .filter((r) => !seeds || seeds.includes(r.seed))
    .flatMap((r) => r.evaluation);
}

const seedsOf = (runs: RunResult[], estimator: string, scale = 1) => runsOf(runs, estimator, scale).map((r) => r.seed);

/** The initial model's evaluation once per seed, to pair with records pooled over those seeds. */
const initPooled = (c: ReportContext, seeds: number) => Array.from({ length: seeds }, () => c.initEvaluation).flat();

export function buildReport(c: ReportContext): string {
  const estimators = [...new Set(c.runs.filter((r) => r.rewardScale === 1).map((r) => r.estimator))];
  const seeds = [...new Set(c.runs.map((r) => r.seed))].sort((a, b) => a - b);
  const base = pooled(c.runs, c.baseline, 1);
  const baseSummary = base.length ? summarize(base) : undefined;
  const lines: string[] = [];
  lines.push('# DuCA (HIAN) vs GRPO on the simulated sales funnel', '');
  lines.push(`Produced by \`${c.command}\`. Initial model: \`${c.init}\`. Seeds: ${seeds.join(', ')}.`, '');
  lines.push(...c.notes.map((n) => `- ${n}`), '');

  lines.push('## Held-out evaluation', '');
  lines.push(
    `Every model plays the same ${c.initEvaluation.length} held-out sessions per seed (visitors from the evaluation seed range, fixed agent seeds). ` +
      'Rates pool all seeds; 95% intervals: Wilson for a conversion rate, paired percentile bootstrap over sessions for differences. Relative change is against ' +
      `\`${c.baseline}\`, the way the paper reports it.`,
    '',
  );
  lines.push('| model | seeds | conversion (95% CI) | Δ CVR | repetition / turn | Δ | identity detection | Δ | violations / turn | Δ | mean session reward |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const row = (name: string, seedCount: number, records: EvaluationRecord[]) => {
    const s = summarize(records);
    const rel = (v: number, b: number | undefined) => (b === undefined ? 'n/a' : signedPct(relativeChange(v, b)));
    lines.push(
      `| ${name} | ${seedCount} | ${pct(s.conversion_rate)} ${interval(s.conversion_ci95, pct)} | ${rel(s.conversion_rate, baseSummary?.conversion_rate)} | ` +
        `${num(s.repetition_rate)} | ${rel(s.repetition_rate, baseSummary?.repetition_rate)} | ` +
        `${pct(s.identity_detection_rate)} | ${rel(s.identity_detection_rate, baseSummary?.identity_detection_rate)} | ` +
        `${num(s.violations_per_turn)} | ${rel(s.violations_per_turn, baseSummary?.violations_per_turn)} | ${num(s.mean_session_reward, 1)} |`,
    );
  };
  row('initial model', 1, c.initEvaluation);
  for (const e of estimators) row(e, seedsOf(c.runs, e).length, pooled(c.runs, e, 1));
  lines.push('');

  lines.push('## Paired differences', '');
  lines.push('Same visitors and agent seeds for both sides, over the seeds both sides have; `*` marks a 95% interval that excludes 0.', '');
  lines.push('| comparison | Δ conversion | Δ repetition / turn | Δ identity detection | Δ violations / turn |');
  lines.push('| --- | --- | --- | --- | --- |');
  const pairRow = (name: string, a: EvaluationRecord[], b: EvaluationRecord[]) => {
    const d = compare(a, b);
    lines.push(`| ${name} | ${diff(d.conversion, pct)} | ${diff(d.repetition, num)} | ${diff(d.identity_detection, pct)} | ${diff(d.violations, num)} |`);
  };
  for (const e of estimators.filter((e) => e !== c.baseline)) {
    const common = seedsOf(c.runs, e).filter((s) => seedsOf(c.runs, c.baseline).includes(s));
    if (common.length) pairRow(`${e} − ${c.baseline} (${common.length} seed${common.length > 1 ? 's' : ''})`, pooled(c.runs, e, 1, common), pooled(c.runs, c.baseline, 1, common));
  }
  for (const e of estimators) pairRow(`${e} − initial`, pooled(c.runs, e, 1), initPooled(c, seedsOf(c.runs, e).length));
  lines.push('');

  lines.push('## Per seed', '');
  lines.push('| estimator | seed | conversion | repetition / turn | identity detection | violations / turn | training minutes |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of c.runs.filter((r) => r.rewardScale === 1).sort((a, b) => a.estimator.localeCompare(b.estimator) || a.seed - b.seed)) {
    const s = summarize(r.evaluation);
    const minutes = r.metrics.reduce((a, m) => a + m.rollout_seconds + m.update_seconds, 0) / 60;
    lines.push(`| ${r.estimator} | ${r.seed} | ${pct(s.conversion_rate)} | ${num(s.repetition_rate)} | ${pct(s.identity_detection_rate)} | ${num(s.violations_per_turn)} | ${minutes.toFixed(1)} |`);
  }
  lines.push('');

  const scales = [...new Set(c.runs.map((r) => r.rewardScale))].sort((a, b) => a - b);
  if (scales.length > 1) {
    lines.push('## Reward-scale sweep', '');
    lines.push('The session reward multiplied by each factor before the advantages; HIAN standardizes each horizon on its own and is invariant by construction, GRPO merges the raw sums.', '');
    lines.push('| scale | estimator | conversion | repetition / turn | identity detection | violations / turn |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const scale of scales) {
      for (const e of [...new Set(c.runs.filter((r) => r.rewardScale === scale).map((r) => r.estimator))]) {
        const s = summarize(pooled(c.runs, e, scale));
        lines.push(`| ×${scale} | ${e} | ${pct(s.conversion_rate)} ${interval(s.conversion_ci95, pct)} | ${num(s.repetition_rate)} | ${pct(s.identity_detection_rate)} | ${num(s.violations_per_turn)} |`);
      }
    }
    lines.push('');
  }

  lines.push('## Training dynamics', '');
  lines.push('Mean over seeds (line) ± one standard deviation (band), 5-step moving average.', '');
  for (const [metric, path] of Object.entries(c.figures)) lines.push(`![${metric}](${path})`, '');
  return lines.join('\n');
}
