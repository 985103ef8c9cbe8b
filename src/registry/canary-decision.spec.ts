import { Rng } from '../engine/rng';
import { addToArm, ArmSample, emptyArm } from '../evaluation/sequential';
import { CANARY_GUARDS, CanaryMetric, CanaryRules, decideCanary, defaultCanaryRules } from './canary-decision';

type Rates = Record<CanaryMetric, number>;
const clean: Rates = { conversion: 0.3, violations: 0.02, repetition: 0.05, botLike: 0.05, handoff: 0.03, earlyLeave: 0.1 };
const rules: CanaryRules = { ...defaultCanaryRules, maxCanarySessions: 1500 };

/** Plays sessions one by one into both arms (10% canary) and asks for a verdict every 10 canary sessions. */
function runCanary(canary: Rates, champion: Rates, seed: number, r: CanaryRules = rules) {
  const rng = new Rng(seed);
  const arms = Object.fromEntries((['conversion', ...CANARY_GUARDS] as CanaryMetric[]).map((m) => [m, { candidate: emptyArm(), baseline: emptyArm() }])) as Record<CanaryMetric, { candidate: ArmSample; baseline: ArmSample }>;
  for (let i = 0; ; i++) {
    const onCanary = rng.next() < 0.1;
    const rates = onCanary ? canary : champion;
    for (const m of Object.keys(arms) as CanaryMetric[]) {
      const arm = arms[m];
      const value = Number(rng.next() < rates[m]);
      if (onCanary) arm.candidate = addToArm(arm.candidate, value);
      else arm.baseline = addToArm(arm.baseline, value);
    }
    if (onCanary && arms.conversion.candidate.n % 10 === 0) {
      const d = decideCanary(arms, r, 0);
      if (d.verdict !== 'continue') return d;
    }
  }
}

describe('canary decision', () => {
  it('promotes a candidate as good as the champion, and says why', () => {
    const d = runCanary(clean, clean, 1, { ...rules, maxCanarySessions: 20000 });
    expect(d.verdict).toBe('promote');
    expect(d.reasons[0]).toMatch(/^conversion non-inferior: lower bound/);
  });

  it('rolls back a candidate whose violations are worse, naming the guard', () => {
    const d = runCanary({ ...clean, violations: 0.15 }, clean, 2);
    expect(d.verdict).toBe('rollback');
    expect(d.reasons.some((r) => r.startsWith('violations is worse'))).toBe(true);
  });

  it('rolls back a candidate that converts much worse', () => {
    const d = runCanary({ ...clean, conversion: 0.1 }, clean, 3);
    expect(d.verdict).toBe('rollback');
    expect(d.reasons.some((r) => r.startsWith('conversion is inferior'))).toBe(true);
  });

  it('a low-traffic canary ends inconclusive and says how many sessions it would need', () => {
    const d = runCanary(clean, clean, 4, { ...rules, maxCanarySessions: 60 });
    expect(d.verdict).toBe('inconclusive');
    expect(d.sessionsNeeded).toBeGreaterThan(60);
    const waiting = decideCanary(
      Object.fromEntries((['conversion', ...CANARY_GUARDS] as CanaryMetric[]).map((m) => [m, { candidate: emptyArm(), baseline: emptyArm() }])) as never,
      rules,
      0,
    );
    expect(waiting.verdict).toBe('continue');
    expect(waiting.reasons[0]).toMatch(/^conversion needs about \d+ sessions per arm/);
  });

  it('under the null (conversion exactly the margin worse) it promotes at most α of the time, however often it looks (simulated)', () => {
    let promoted = 0;
    const trials = 100;
    for (let s = 0; s < trials; s++) if (runCanary({ ...clean, conversion: clean.conversion - rules.conversionMargin }, clean, 100 + s, { ...rules, maxCanarySessions: 600 }).verdict === 'promote') promoted++;
    expect(promoted / trials).toBeLessThanOrEqual(rules.alpha);
  });
});
