/**
 * Always-valid comparison of two arms (canary vs champion) on per-session values in [0, 1]
 * (a conversion, a handoff, violations per turn, …), read as often as one likes.
 *
 * The interval for the difference of means is the normal-mixture confidence sequence (Robbins'
 * mixture; the mSPRT of Johari, Koomen, Pekelis & Walsh, "Always valid inference: continuous
 * monitoring of A/B tests", Operations Research 70(3), 2022; in its asymptotic, time-uniform form:
 * Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and asymptotic
 * confidence sequences", 2021). With V the variance of the difference estimate and ρ² the mixing
 * variance, the boundary
 *
 *   |θ̂ − θ| ≤ √( V (V + ρ²) / ρ² · (2 log(1/α) + log((V + ρ²) / V)) )
 *
 * holds for every n at once with probability ≥ 1 − α (asymptotically), so stopping the first time it
 * excludes a value does not inflate the error the way repeated fixed-n tests do.
 */
export interface ArmSample {
  n: number;
  /** Σ values and Σ values² over the arm's sessions. */
  sum: number;
  sumSquares: number;
}

export const emptyArm = (): ArmSample => ({ n: 0, sum: 0, sumSquares: 0 });

export function addToArm(arm: ArmSample, value: number): ArmSample {
  return { n: arm.n + 1, sum: arm.sum + value, sumSquares: arm.sumSquares + value * value };
}

export function armOf(values: readonly number[]): ArmSample {
  return values.reduce(addToArm, emptyArm());
}

export interface SequentialOptions {
  /** Error rate of the whole sequence (two-sided). */
  alpha: number;
  /** Mixing s.d. ρ: the effect size the sequence is tightest for (on the difference's scale). */
  mixingSd: number;
  /** Sessions per arm before any interval is reported (the normal approximation needs a few). */
  minPerArm: number;
}

export const defaultSequentialOptions: SequentialOptions = { alpha: 0.05, mixingSd: 0.05, minPerArm: 30 };

export interface SequentialInterval {
  /** mean(candidate) − mean(baseline). */
  difference: number;
  /** Time-uniform 95% (1 − α) interval of the difference; undefined before `minPerArm` sessions per arm. */
  interval?: [number, number];
  candidateMean: number;
  baselineMean: number;
  n: { candidate: number; baseline: number };
}

/** Unbiased variance of an arm's values, floored so an arm of all-equal values is not certain. */
function armVariance(a: ArmSample): number {
  const mean = a.sum / a.n;
  const variance = a.n > 1 ? (a.sumSquares - a.n * mean * mean) / (a.n - 1) : 0.25;
  // A Bernoulli arm with no successes yet still has variance ≥ that of one success in n + 1 tries.
  const floor = (1 / (a.n + 1)) * (1 - 1 / (a.n + 1));
  return Math.max(variance, floor);
}

/** Half-width of the normal-mixture boundary for an estimate of variance V. */
export function mixtureHalfWidth(variance: number, o: Pick<SequentialOptions, 'alpha' | 'mixingSd'>): number {
  const rho2 = o.mixingSd * o.mixingSd;
  return Math.sqrt(((variance * (variance + rho2)) / rho2) * (2 * Math.log(1 / o.alpha) + Math.log((variance + rho2) / variance)));
}

export function sequentialInterval(candidate: ArmSample, baseline: ArmSample, o: SequentialOptions = defaultSequentialOptions): SequentialInterval {
  const candidateMean = candidate.n ? candidate.sum / candidate.n : 0;
  const baselineMean = baseline.n ? baseline.sum / baseline.n : 0;
  const difference = candidateMean - baselineMean;
  const n = { candidate: candidate.n, baseline: baseline.n };
  if (candidate.n < o.minPerArm || baseline.n < o.minPerArm) return { difference, candidateMean, baselineMean, n };
  const variance = armVariance(candidate) / candidate.n + armVariance(baseline) / baseline.n;
  const half = mixtureHalfWidth(variance, o);
  return { difference, interval: [difference - half, difference + half], candidateMean, baselineMean, n };
}

/**
 * Sessions per arm the boundary needs before a true difference of 0 is told apart from −margin,
 * for a per-session value with standard deviation `sd`: the smallest n whose half-width is ≤ margin.
 * What a low-traffic site is told while it waits.
 */
export function sessionsPerArmNeeded(sd: number, margin: number, o: Pick<SequentialOptions, 'alpha' | 'mixingSd'> = defaultSequentialOptions): number {
  if (margin <= 0) return Infinity;
  const halfWidthAt = (n: number) => mixtureHalfWidth((2 * sd * sd) / n, o);
  let hi = 1;
  while (halfWidthAt(hi) > margin) {
    hi *= 2;
    if (hi > 1e9) return Infinity;
  }
  let lo = Math.max(1, hi / 2);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (halfWidthAt(mid) <= margin) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}
