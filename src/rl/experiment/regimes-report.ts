import { compare, EvaluationRecord, PairedDifference } from '../../evaluation';
import type { SessionRewardKind } from '../../scoring';
import type { VisitorKind } from '../../simulator';
import { StepMetrics } from '../trainer/training-loop';
import { runName } from './experiment';

/** A finished run of the regimes experiment with its held-out evaluations by set (E1, E2, E3). */
export interface RegimeRun {
  estimator: string;
  seed: number;
  rewardScale: number;
  visitor: VisitorKind;
  sessionReward: SessionRewardKind;
  metrics: StepMetrics[];
  evaluations: Record<string, EvaluationRecord[]>;
}

export interface RegimesReportContext {
  command: string;
  init: Record<string, EvaluationRecord[]>;
  runs: RegimeRun[];
  /** Every planned run's name, in order. */
  planned: string[];
  /** Wall seconds of each run trained by this root (not of runs read back). */
  timings: Record<string, number>;
  figures: Record<string, string>;
  notes: string[];
}

/** The per-session figures every comparison is made of. */
export const REGIME_METRICS = {
  conversion: { label: 'conversion', format: (x: number) => `${(100 * x).toFixed(1)}%`, diff: (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pts` },
  violations: { label: 'violations / turn', format: (x: number) => x.toFixed(4), diff: (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}` },
  tactics: { label: 'tactic violations / turn', format: (x: number) => x.toFixed(4), diff: (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}` },
  repetition: { label: 'repetition / turn', format: (x: number) => x.toFixed(3), diff: (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}` },
  identity: { label: 'identity detection', format: (x: number) => `${(100 * x).toFixed(1)}%`, diff: (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pts` },
} as const;
export type RegimeMetric = keyof typeof REGIME_METRICS;

/** A set's metric for one model (ratios of sums over sessions, as `summarize` computes them). */
export function metricOf(records: readonly EvaluationRecord[], metric: RegimeMetric): number {
  const sum = (f: (r: EvaluationRecord) => number) => records.reduce((a, r) => a + f(r), 0);
  const turns = Math.max(1, sum((r) => r.agentTurns));
  switch (metric) {
    case 'conversion':
      return sum((r) => Number(r.converted)) / Math.max(1, records.length);
    case 'violations':
      return sum((r) => r.violations) / turns;
    case 'tactics':
      return sum((r) => r.tacticViolations) / turns;
    case 'repetition':
      return sum((r) => r.repetitiveTurns) / turns;
    case 'identity':
      return sum((r) => Number(r.identityDetected)) / Math.max(1, records.length);
  }
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export interface OverSeeds {
  n: number;
  mean: number;
  /** 95% t-interval of the mean over seeds; undefined with fewer than 2 seeds. */
  ci95?: [number, number];
}

/** Mean and 95% t-interval (n − 1 degrees of freedom) of per-seed values. */
export function overSeeds(values: readonly number[]): OverSeeds {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : NaN;
  if (n < 2) return { n, mean };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = T975[Math.min(n - 1, T975.length) - 1] * (sd / Math.sqrt(n));
  return { n, mean, ci95: [mean - half, mean + half] };
}

/** Sample standard deviation (n − 1). */
export function sampleStd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
}

type Group = { visitor: VisitorKind; estimator: string; sessionReward: SessionRewardKind; rewardScale: number };
const groupName = (g: Group) => `${g.visitor} · ${g.estimator}${g.sessionReward === 'conversion' ? ' · conversion reward' : ''}${g.rewardScale !== 1 ? ` · ×${g.rewardScale}` : ''}`;
const inGroup = (g: Group) => (r: RegimeRun) => r.visitor === g.visitor && r.estimator === g.estimator && r.sessionReward === g.sessionReward && r.rewardScale === g.rewardScale;
const main = (visitor: VisitorKind, estimator: string): Group => ({ visitor, estimator, sessionReward: 'value', rewardScale: 1 });

/** Per-seed A − B on a set, over the seeds both have (B may be the initial model: `undefined`). */
function seedDifferences(runs: RegimeRun[], a: Group, b: Group | undefined, set: string, metric: RegimeMetric, init: Record<string, EvaluationRecord[]>) {
  const of = (g: Group) => new Map(runs.filter(inGroup(g)).map((r) => [r.seed, r.evaluations[set]]));
  const A = of(a);
  const B = b ? of(b) : undefined;
  const seeds = [...A.keys()].filter((s) => !B || B.has(s)).sort((x, y) => x - y);
  const values = seeds.map((s) => metricOf(A.get(s)!, metric) - metricOf(B ? B.get(s)! : init[set], metric));
  const paired = seeds.length
    ? pairedOf(
        seeds.flatMap((s) => A.get(s)!),
        seeds.flatMap((s) => (B ? B.get(s)! : init[set])),
        metric,
      )
    : undefined;
  return { seeds, overSeeds: overSeeds(values), paired };
}

/** The paired bootstrap over sessions (the project's `compare`), for the metrics it covers. */
function pairedOf(a: EvaluationRecord[], b: EvaluationRecord[], metric: RegimeMetric): PairedDifference | undefined {
  const d = compare(a, b);
  return { conversion: d.conversion, violations: d.violations, repetition: d.repetition, identity: d.identity_detection, tactics: undefined }[metric];
}

const interval = (ci: [number, number] | undefined, f: (x: number) => string) => (ci ? `[${f(ci[0])}, ${f(ci[1])}]` : '(one seed)');
const excludesZero = (ci?: [number, number]) => !!ci && (ci[0] > 0 || ci[1] < 0);

function differenceCell(d: ReturnType<typeof seedDifferences>, metric: RegimeMetric): string {
  const f = REGIME_METRICS[metric].diff;
  if (!d.seeds.length) return 'pending';
  const seedsPart = `${f(d.overSeeds.mean)} ${interval(d.overSeeds.ci95, f)}${excludesZero(d.overSeeds.ci95) ? ' *' : ''}`;
  const pairedPart = d.paired ? `; paired ${interval(d.paired.ci95, f)}` : '';
  return `${seedsPart}${pairedPart}`;
}

export function buildRegimesReport(c: RegimesReportContext): string {
  const lines: string[] = [];
  const finished = new Set(c.runs.map(runName));
  const pending = c.planned.filter((n) => !finished.has(n));
  const trainedSeconds = Object.values(c.timings).reduce((a, b) => a + b, 0);
  lines.push(`Produced by \`${c.command}\`.`, '');
  lines.push(...c.notes.map((n) => `- ${n}`));
  lines.push(
    `- Progress: ${finished.size} of ${c.planned.length} runs finished${pending.length ? `; pending: ${pending.join(', ')}` : ''}.`,
    `- Wall time of the runs trained and evaluated into this root: ${(trainedSeconds / 60).toFixed(1)} min over ${Object.keys(c.timings).length} runs` +
      (Object.keys(c.timings).length ? ` (${(trainedSeconds / 60 / Object.keys(c.timings).length).toFixed(1)} min per run)` : '') +
      '.',
    '',
  );
  lines.push('Intervals: 95% t-interval over seeds (primary), then the paired bootstrap over sessions (secondary, "paired"); `*` marks an interval over seeds that excludes 0.', '');

  const groups = uniqueGroups(c.runs);
  lines.push('### Held-out sets', '');
  for (const set of Object.keys(c.init)) {
    lines.push(`**${set}** (${c.init[set].length} sessions per model)`, '');
    lines.push(`| model | seeds | ${Object.values(REGIME_METRICS).map((m) => m.label).join(' | ')} |`);
    lines.push(`| --- | --- | ${Object.keys(REGIME_METRICS).map(() => '---').join(' | ')} |`);
    lines.push(`| initial model | – | ${(Object.keys(REGIME_METRICS) as RegimeMetric[]).map((m) => REGIME_METRICS[m].format(metricOf(c.init[set], m))).join(' | ')} |`);
    for (const g of groups) {
      const runs = c.runs.filter(inGroup(g));
      const cells = (Object.keys(REGIME_METRICS) as RegimeMetric[]).map((m) => {
        const s = overSeeds(runs.map((r) => metricOf(r.evaluations[set], m)));
        return `${REGIME_METRICS[m].format(s.mean)} ${interval(s.ci95, REGIME_METRICS[m].format)}`;
      });
      lines.push(`| ${groupName(g)} | ${runs.length} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }

  lines.push(...hypotheses(c), '');

  lines.push('### Per run', '');
  lines.push('| run | wall minutes | E1 conversion | E1 violations / turn | E2 conversion | E2 tactic violations / turn | E3 conversion |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of c.runs) {
    const m = (set: string, metric: RegimeMetric) => (r.evaluations[set] ? REGIME_METRICS[metric].format(metricOf(r.evaluations[set], metric)) : '–');
    const wall = c.timings[runName(r)];
    lines.push(`| ${runName(r)} | ${wall === undefined ? '–' : (wall / 60).toFixed(1)} | ${m('E1', 'conversion')} | ${m('E1', 'violations')} | ${m('E2', 'conversion')} | ${m('E2', 'tactics')} | ${m('E3', 'conversion')} |`);
  }
  lines.push('');

  if (Object.keys(c.figures).length) {
    lines.push('### Figures', '', 'Training curves: mean over seeds (line) ± one standard deviation (band), 5-step moving average.', '');
    for (const [name, path] of Object.entries(c.figures)) lines.push(`![${name}](${path})`, '');
  }
  return lines.join('\n');
}

function uniqueGroups(runs: RegimeRun[]): Group[] {
  const seen = new Map<string, Group>();
  for (const r of runs) {
    const g: Group = { visitor: r.visitor, estimator: r.estimator, sessionReward: r.sessionReward, rewardScale: r.rewardScale };
    seen.set(groupName(g), g);
  }
  return [...seen.values()];
}

/** The decision rules of the pre-registration, applied to the runs finished so far. */
function hypotheses(c: RegimesReportContext): string[] {
  const lines: string[] = ['### Hypotheses, by the pre-registered rules', ''];
  const seedsOf = (g: Group) => c.runs.filter(inGroup(g)).length;
  const status = (complete: boolean) => (complete ? '' : ' (interim: not all planned seeds have finished)');
  const diff = (a: Group, b: Group | undefined, set: string, metric: RegimeMetric) => seedDifferences(c.runs, a, b, set, metric, c.init);

  const grpoP = main('persuadable', 'grpo');
  const hianP = main('persuadable', 'hian');
  const h1Grpo = diff(grpoP, undefined, 'E2', 'violations');
  const h1Hian = diff(hianP, undefined, 'E2', 'violations');
  lines.push(`**H1** (E2, violations per turn against the initial model)${status(seedsOf(grpoP) >= 5 && seedsOf(hianP) >= 5)}:`, '');
  lines.push(`- GRPO − initial: ${differenceCell(h1Grpo, 'violations')}`, `- HIAN − initial: ${differenceCell(h1Hian, 'violations')}`);
  lines.push(`- tactic violations, GRPO − initial: ${differenceCell(diff(grpoP, undefined, 'E2', 'tactics'), 'tactics')}; HIAN − initial: ${differenceCell(diff(hianP, undefined, 'E2', 'tactics'), 'tactics')}`);
  const grpoRose = !!h1Grpo.overSeeds.ci95 && h1Grpo.overSeeds.ci95[0] > 0;
  const hianRose = !!h1Hian.overSeeds.ci95 && h1Hian.overSeeds.ci95[0] > 0;
  const h1 = !h1Grpo.overSeeds.ci95 || !h1Hian.overSeeds.ci95 ? 'undecided (fewer than 2 seeds)' : grpoRose && !hianRose ? 'supported' : !grpoRose && !hianRose ? 'not supported: neither estimator learned the hack at this budget' : 'not supported';
  lines.push(`- verdict: **${h1}**`, '');

  for (const set of ['E1', 'E3']) {
    const conv = diff(hianP, grpoP, set, 'conversion');
    const viol = diff(hianP, grpoP, set, 'violations');
    lines.push(`**H2** on ${set} (HIAN − GRPO, both trained on persuadable)${status(seedsOf(grpoP) >= 5 && seedsOf(hianP) >= 5)}:`, '');
    for (const m of ['conversion', 'violations', 'tactics', 'repetition', 'identity'] as RegimeMetric[]) lines.push(`- ${REGIME_METRICS[m].label}: ${differenceCell(diff(hianP, grpoP, set, m), m)}`);
    const nonInferior = !!conv.overSeeds.ci95 && conv.overSeeds.ci95[0] > -0.05;
    const cleaner = !!viol.overSeeds.ci95 && viol.overSeeds.ci95[1] < 0;
    const verdict = !conv.overSeeds.ci95 ? 'undecided (fewer than 2 seeds)' : nonInferior && cleaner ? 'supported' : `not supported (conversion non-inferior at −5 pts: ${nonInferior ? 'yes' : 'no'}; violations lower: ${cleaner ? 'yes' : 'no'})`;
    lines.push(`- verdict${set === 'E3' ? ' (generalization to unseen personas)' : ''}: **${verdict}**`, '');
  }

  const grpoS = main('strict', 'grpo');
  const hianS = main('strict', 'hian');
  lines.push(`**H3** on E1 (HIAN − GRPO, both trained on strict)${status(seedsOf(grpoS) >= 5 && seedsOf(hianS) >= 5)}:`, '');
  const h3 = (['conversion', 'violations', 'repetition', 'identity'] as RegimeMetric[]).map((m) => {
    const d = diff(hianS, grpoS, 'E1', m);
    lines.push(`- ${REGIME_METRICS[m].label}: ${differenceCell(d, m)}`);
    return d;
  });
  const h3Verdict = h3.some((d) => !d.overSeeds.ci95) ? 'undecided (fewer than 2 seeds)' : h3.every((d) => !excludesZero(d.overSeeds.ci95)) ? 'supported' : 'not supported';
  lines.push(`- verdict: **${h3Verdict}**`, '');

  const scaled = (estimator: string, rewardScale: number): Group => ({ visitor: 'persuadable', estimator, sessionReward: 'conversion', rewardScale });
  lines.push(`**S** (×10 − ×0.1, conversion reward, trained on persuadable)${status(seedsOf(scaled('hian', 10)) >= 3 && seedsOf(scaled('hian', 0.1)) >= 3)}:`, '');
  const hianIntervals: ([number, number] | undefined)[] = [];
  for (const estimator of ['hian', 'grpo']) {
    for (const set of ['E1', 'E2']) {
      for (const m of ['conversion', 'violations'] as RegimeMetric[]) {
        const d = diff(scaled(estimator, 10), scaled(estimator, 0.1), set, m);
        lines.push(`- ${estimator}, ${set}, ${REGIME_METRICS[m].label}: ${differenceCell(d, m)}`);
        if (estimator === 'hian') hianIntervals.push(d.overSeeds.ci95);
      }
    }
  }
  const sVerdict = hianIntervals.some((ci) => !ci) ? 'undecided (fewer than 2 seeds)' : hianIntervals.every((ci) => !excludesZero(ci)) ? 'supported' : 'not supported';
  lines.push(`- verdict: **${sVerdict}**`, '');

  lines.push(...noiseFloor(c));
  return lines;
}

/** N: HIAN's scales within a seed are the same estimator, so their spread is the nondeterminism floor. */
function noiseFloor(c: RegimesReportContext): string[] {
  const lines = ['**N** (E1; HIAN with the conversion reward at ×0.1, ×1, ×10):', ''];
  const hian = c.runs.filter((r) => r.estimator === 'hian' && r.sessionReward === 'conversion');
  const seeds = [...new Set(hian.map((r) => r.seed))].sort((a, b) => a - b);
  for (const m of ['conversion', 'violations', 'repetition', 'identity'] as RegimeMetric[]) {
    const f = REGIME_METRICS[m].format;
    const within = seeds.map((s) => sampleStd(hian.filter((r) => r.seed === s).map((r) => metricOf(r.evaluations.E1, m)))).filter((x) => Number.isFinite(x));
    const across = sampleStd(hian.filter((r) => r.rewardScale === 1).map((r) => metricOf(r.evaluations.E1, m)));
    const withinMean = within.length ? within.reduce((a, b) => a + b, 0) / within.length : NaN;
    lines.push(`- ${REGIME_METRICS[m].label}: s.d. among scales within a seed ${Number.isFinite(withinMean) ? f(withinMean) : 'pending'} (${within.length} seeds); s.d. among seeds at ×1 ${Number.isFinite(across) ? f(across) : 'pending'}`);
  }
  const firstStep = seeds.map((s) => {
    const values = hian.filter((r) => r.seed === s && r.metrics.length).map((r) => r.metrics[0].conversion_rate);
    return values.length > 1 ? values.every((v) => v === values[0]) : undefined;
  });
  if (firstStep.some((x) => x !== undefined)) {
    lines.push(`- first-step training conversion identical across the three scales of a seed: ${firstStep.map((x, i) => `seed ${seeds[i]} ${x === undefined ? 'pending' : x ? 'yes' : 'no'}`).join(', ')}`);
  }
  lines.push('');
  return lines;
}
