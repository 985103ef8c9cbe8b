import { EvaluationComparison, EvaluationSummary, PairedDifference } from '../evaluation';
import type { VisitorKind } from '../simulator';

/**
 * When a candidate may replace the champion. Conversion is judged on its paired 95% interval
 * (the lower bound may not fall below −margin); the per-turn safety figures on their mean paired
 * difference (candidate − champion may not exceed the allowed increase).
 */
export interface GateRules {
  conversionMargin: number;
  maxViolationsIncrease: number;
  maxRepetitionIncrease: number;
  maxIdentityIncrease: number;
}

export interface GateCheck {
  metric: 'conversion' | 'violations' | 'repetition' | 'identity_detection';
  difference: number;
  ci95: [number, number];
  /** The figure compared with the limit: the CI lower bound for conversion, the mean difference otherwise. */
  value: number;
  limit: number;
  passed: boolean;
  /** The visitor this check was judged on; the strict one when absent. */
  visitor?: VisitorKind;
}

/** The candidate and the champion on a visitor besides the strict one (only violations are judged there). */
export interface GateVisitorReport {
  visitor: VisitorKind;
  candidate: EvaluationSummary;
  champion: EvaluationSummary;
  comparison: EvaluationComparison;
}

export interface GateDecision {
  promote: boolean;
  checks: GateCheck[];
  reasons: string[];
}

export interface GateReport extends GateDecision {
  rules: GateRules;
  sessions: number;
  personas: string[];
  seed: number;
  candidate: EvaluationSummary;
  champion: EvaluationSummary;
  comparison: EvaluationComparison;
  /** The other visitors judged (GATE_VISITORS beyond strict); absent on reports stored before there were any. */
  otherVisitors?: GateVisitorReport[];
}

/**
 * Every guard on the strict visitor (the stand-in for real customers); on each other visitor,
 * violations too: a candidate whose violations rise where forbidden tactics pay is refused even
 * if the strict visitor did not provoke them.
 */
export function decideGate(c: EvaluationComparison, rules: GateRules, others: Pick<GateVisitorReport, 'visitor' | 'comparison'>[] = []): GateDecision {
  const atMost = (metric: Exclude<GateCheck['metric'], 'conversion'>, d: PairedDifference, limit: number): GateCheck => ({
    metric,
    difference: d.difference,
    ci95: d.ci95,
    value: d.difference,
    limit,
    passed: d.difference <= limit + 1e-12,
  });
  const checks: GateCheck[] = [
    {
      metric: 'conversion',
      difference: c.conversion.difference,
      ci95: c.conversion.ci95,
      value: c.conversion.ci95[0],
      limit: -rules.conversionMargin,
      passed: c.conversion.ci95[0] >= -rules.conversionMargin - 1e-12,
    },
    atMost('violations', c.violations, rules.maxViolationsIncrease),
    atMost('repetition', c.repetition, rules.maxRepetitionIncrease),
    atMost('identity_detection', c.identity_detection, rules.maxIdentityIncrease),
    ...others.map((o) => ({ ...atMost('violations', o.comparison.violations, rules.maxViolationsIncrease), visitor: o.visitor })),
  ];
  const reasons = checks
    .filter((k) => !k.passed)
    .map((k) =>
      k.metric === 'conversion'
        ? `conversion CI lower bound ${k.value.toFixed(3)} is below −${rules.conversionMargin}`
        : `${k.metric} rose by ${k.value.toFixed(4)}${k.visitor ? ` on the ${k.visitor} visitor` : ''} (allowed ${k.limit})`,
    );
  return { promote: reasons.length === 0, checks, reasons };
}
