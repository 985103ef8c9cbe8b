import { Rng } from '../engine/rng';

export interface PairedDifference {
  n: number;
  meanCandidate: number;
  meanBaseline: number;
  /** mean(candidate) − mean(baseline). */
  difference: number;
  /** Percentile interval of the difference from the paired bootstrap. */
  ci95: [number, number];
  /** 95% interval of the candidate's own mean (percentile bootstrap). */
  candidateCi95: [number, number];
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
}

export const defaultBootstrap: BootstrapOptions = { resamples: 2000, seed: 1 };

/** Per-observation values of a ratio metric: Σ numerator / Σ denominator (e.g. repetitive turns / turns). */
export interface RatioSample {
  numerators: readonly number[];
  /** Defaults to 1 per observation: a plain mean. */
  denominators?: readonly number[];
}

/**
 * Paired bootstrap over matched observations (same persona and seeds for both models): resample the
 * pairs, so the persona-to-persona spread that both models share cancels out of the difference.
 * Plain arrays are means; `RatioSample`s are ratios of sums (per-turn rates over sessions).
 */
export function pairedDifference(
  candidate: readonly number[] | RatioSample,
  baseline: readonly number[] | RatioSample,
  o: BootstrapOptions = defaultBootstrap,
): PairedDifference {
  const c = asRatio(candidate);
  const b = asRatio(baseline);
  const n = c.num.length;
  if (n !== b.num.length) throw new Error(`paired samples differ in length: ${n} vs ${b.num.length}`);
  if (n === 0) throw new Error('paired samples are empty');
  const rng = new Rng(o.seed);
  const diffs: number[] = [];
  const candidateValues: number[] = [];
  const indices = new Int32Array(n);
  for (let r = 0; r < o.resamples; r++) {
    for (let k = 0; k < n; k++) indices[k] = rng.int(n);
    const vc = ratioOf(c, indices);
    diffs.push(vc - ratioOf(b, indices));
    candidateValues.push(vc);
  }
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const meanCandidate = ratioOf(c, all);
  const meanBaseline = ratioOf(b, all);
  return { n, meanCandidate, meanBaseline, difference: meanCandidate - meanBaseline, ci95: percentileInterval(diffs), candidateCi95: percentileInterval(candidateValues) };
}

function asRatio(x: readonly number[] | RatioSample): { num: readonly number[]; den: readonly number[] } {
  if (!('numerators' in x)) return { num: x, den: x.map(() => 1) };
  const den = x.denominators ?? x.numerators.map(() => 1);
  if (den.length !== x.numerators.length) throw new Error('ratio sample: numerators and denominators differ in length');
  return { num: x.numerators, den };
}

function ratioOf(x: { num: readonly number[]; den: readonly number[] }, indices: Int32Array): number {
  let num = 0;
  let den = 0;
  for (const i of indices) {
    num += x.num[i];
    den += x.den[i];
  }
  return den === 0 ? 0 : num / den;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : 0;
}

/** The 2.5th and 97.5th percentiles (linear interpolation between order statistics). */
export function percentileInterval(samples: readonly number[]): [number, number] {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  return [at(0.025), at(0.975)];
}

/** Relative change of a metric vs a baseline, as the paper reports it (+6.82% CVR, −82.28% repetition). */
export function relativeChange(value: number, baseline: number): number | null {
  return baseline === 0 ? null : (value - baseline) / Math.abs(baseline);
}
