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

/**
 * Paired bootstrap over matched observations (same persona and seed for both models): resample the
 * pairs, so the persona-to-persona spread that both models share cancels out of the difference.
 */
export function pairedDifference(candidate: readonly number[], baseline: readonly number[], o: BootstrapOptions = defaultBootstrap): PairedDifference {
  if (candidate.length !== baseline.length) throw new Error(`paired samples differ in length: ${candidate.length} vs ${baseline.length}`);
  const n = candidate.length;
  if (n === 0) throw new Error('paired samples are empty');
  const rng = new Rng(o.seed);
  const diffs: number[] = [];
  const means: number[] = [];
  for (let r = 0; r < o.resamples; r++) {
    let sumC = 0;
    let sumB = 0;
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      sumC += candidate[i];
      sumB += baseline[i];
    }
    diffs.push((sumC - sumB) / n);
    means.push(sumC / n);
  }
  const meanCandidate = mean(candidate);
  const meanBaseline = mean(baseline);
  return { n, meanCandidate, meanBaseline, difference: meanCandidate - meanBaseline, ci95: percentileInterval(diffs), candidateCi95: percentileInterval(means) };
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
