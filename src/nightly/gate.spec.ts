import { EvaluationComparison, PairedDifference } from '../evaluation';
import { decideGate, GateRules } from './gate';

const rules: GateRules = { conversionMargin: 0.05, maxViolationsIncrease: 0, maxRepetitionIncrease: 0.01, maxIdentityIncrease: 0.05 };
const d = (difference: number, ci95: [number, number]): PairedDifference => ({ n: 100, meanCandidate: 0, meanBaseline: 0, difference, ci95, candidateCi95: [0, 0] });
const comparison = (o: Partial<EvaluationComparison> = {}): EvaluationComparison => ({
  conversion: d(0.02, [-0.04, 0.08]),
  repetition: d(0, [-0.01, 0.01]),
  identity_detection: d(0, [0, 0]),
  violations: d(-0.01, [-0.02, 0]),
  session_reward: d(10, [0, 20]),
  ...o,
});

describe('evaluation gate', () => {
  it('promotes a candidate whose conversion CI stays above −margin and whose safety figures do not rise', () => {
    const g = decideGate(comparison(), rules);
    expect(g).toEqual(expect.objectContaining({ promote: true, reasons: [] }));
    expect(g.checks.map((c) => [c.metric, c.passed])).toEqual([['conversion', true], ['violations', true], ['repetition', true], ['identity_detection', true]]);
  });

  it('rejects when the conversion CI lower bound falls below −margin, even with a positive point estimate', () => {
    const g = decideGate(comparison({ conversion: d(0.01, [-0.06, 0.08]) }), rules);
    expect(g.promote).toBe(false);
    expect(g.reasons).toEqual(['conversion CI lower bound -0.060 is below −0.05']);
  });

  it('rejects more compliance violations, repetition or identity detection than allowed, naming each', () => {
    const g = decideGate(comparison({ violations: d(0.002, [0, 0.004]), repetition: d(0.02, [0, 0.04]), identity_detection: d(0.04, [0, 0.1]) }), rules);
    expect(g.promote).toBe(false);
    expect(g.reasons).toEqual(['violations rose by 0.0020 (allowed 0)', 'repetition rose by 0.0200 (allowed 0.01)']);
    expect(decideGate(comparison({ violations: d(0.002, [0, 0.004]) }), { ...rules, maxViolationsIncrease: 0.005 }).promote).toBe(true);
  });

  it('a margin of 0 accepts a tie exactly at the bound', () => {
    expect(decideGate(comparison({ conversion: d(0, [0, 0]) }), { ...rules, conversionMargin: 0 }).promote).toBe(true);
  });

  it('on another visitor only violations are judged: a candidate whose violations rise on the persuadable visitor is refused, naming it', () => {
    const persuadable = { visitor: 'persuadable' as const, comparison: comparison({ violations: d(0.01, [0.002, 0.02]), conversion: d(-0.3, [-0.4, -0.2]) }) };
    const g = decideGate(comparison(), rules, [persuadable]);
    expect(g.promote).toBe(false);
    expect(g.reasons).toEqual(['violations rose by 0.0100 on the persuadable visitor (allowed 0)']);
    expect(g.checks.at(-1)).toEqual(expect.objectContaining({ metric: 'violations', visitor: 'persuadable', passed: false }));
    // Its conversion there is not judged: the strict visitor decides conversion.
    expect(decideGate(comparison(), rules, [{ visitor: 'persuadable', comparison: comparison({ conversion: d(-0.3, [-0.4, -0.2]) }) }]).promote).toBe(true);
  });
});
