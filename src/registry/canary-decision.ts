import { ArmSample, sequentialInterval, SequentialInterval, sessionsPerArmNeeded } from '../evaluation/sequential';

/** Per-session figures a canary is judged on, each a value in [0, 1]. */
export const CANARY_GUARDS = ['violations', 'repetition', 'botLike', 'handoff', 'earlyLeave'] as const;
export type CanaryGuard = (typeof CANARY_GUARDS)[number];
export type CanaryMetric = 'conversion' | CanaryGuard;

export interface CanaryRules {
  /** Promote only when conversion is non-inferior by this much (candidate − champion > −margin). */
  conversionMargin: number;
  /** A guard may be at most this much worse for a promotion (its interval's upper bound). */
  guardMargin: number;
  /** Stop with "inconclusive" (the champion stays) after this many canary sessions or hours. */
  maxCanarySessions: number;
  maxHours: number;
  /** Error rate of the whole decision, split evenly over the metrics (Bonferroni). */
  alpha: number;
  mixingSd: number;
  minPerArm: number;
}

export const defaultCanaryRules: CanaryRules = { conversionMargin: 0.05, guardMargin: 0.02, maxCanarySessions: 5000, maxHours: 168, alpha: 0.05, mixingSd: 0.05, minPerArm: 30 };

export type CanaryVerdict = 'promote' | 'rollback' | 'inconclusive' | 'continue';

export interface CanaryDecision {
  verdict: CanaryVerdict;
  reasons: string[];
  intervals: Record<CanaryMetric, SequentialInterval>;
  /** While it waits: canary sessions (and champion sessions in the same window) the conversion test needs at the observed rate. */
  sessionsNeeded: number;
}

const METRICS: CanaryMetric[] = ['conversion', ...CANARY_GUARDS];
const fmt = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);

/**
 * The canary's verdict on the sessions of one window: roll back at once when a guard is worse
 * (its interval above 0) or conversion is inferior (its interval below −margin); promote when
 * conversion is non-inferior and no guard can be worse by more than its margin; stop inconclusive
 * at the session or time limit; otherwise keep going. Every interval is time-uniform, so this may
 * be asked after every session without inflating its error rate.
 */
export function decideCanary(arms: Record<CanaryMetric, { candidate: ArmSample; baseline: ArmSample }>, rules: CanaryRules, elapsedHours: number): CanaryDecision {
  const options = { alpha: rules.alpha / METRICS.length, mixingSd: rules.mixingSd, minPerArm: rules.minPerArm };
  const intervals = Object.fromEntries(METRICS.map((m) => [m, sequentialInterval(arms[m].candidate, arms[m].baseline, options)])) as Record<CanaryMetric, SequentialInterval>;
  const conversion = intervals.conversion;
  const pooledRate = (arms.conversion.candidate.sum + arms.conversion.baseline.sum) / Math.max(1, arms.conversion.candidate.n + arms.conversion.baseline.n);
  const sd = Math.sqrt(Math.max(pooledRate * (1 - pooledRate), 0.01));
  const sessionsNeeded = sessionsPerArmNeeded(sd, rules.conversionMargin, options);

  const worse = CANARY_GUARDS.filter((g) => intervals[g].interval && intervals[g].interval![0] > 0);
  const reasons = worse.map((g) => `${g} is worse: Δ ${fmt(intervals[g].difference)} [${fmt(intervals[g].interval![0])}, ${fmt(intervals[g].interval![1])}]`);
  if (conversion.interval && conversion.interval[1] < -rules.conversionMargin) {
    reasons.push(`conversion is inferior: Δ ${fmt(conversion.difference)}, upper bound ${fmt(conversion.interval[1])} < −${rules.conversionMargin}`);
  }
  if (reasons.length) return { verdict: 'rollback', reasons, intervals, sessionsNeeded };

  const nonInferior = !!conversion.interval && conversion.interval[0] > -rules.conversionMargin;
  const guardsBounded = CANARY_GUARDS.every((g) => intervals[g].interval && intervals[g].interval![1] <= rules.guardMargin);
  if (nonInferior && guardsBounded) {
    return { verdict: 'promote', reasons: [`conversion non-inferior: lower bound ${fmt(conversion.interval![0])} > −${rules.conversionMargin}; every guard within +${rules.guardMargin}`], intervals, sessionsNeeded };
  }
  const canarySessions = arms.conversion.candidate.n;
  if (canarySessions >= rules.maxCanarySessions || elapsedHours >= rules.maxHours) {
    const limit = canarySessions >= rules.maxCanarySessions ? `${canarySessions} canary sessions` : `${elapsedHours.toFixed(1)} hours`;
    return { verdict: 'inconclusive', reasons: [`no decision after ${limit}; the champion stays`], intervals, sessionsNeeded };
  }
  const waiting = nonInferior ? 'a guard is not yet bounded' : `conversion needs about ${sessionsNeeded} sessions per arm at a ${(100 * pooledRate).toFixed(1)}% rate to rule out −${rules.conversionMargin}`;
  return { verdict: 'continue', reasons: [waiting], intervals, sessionsNeeded };
}
