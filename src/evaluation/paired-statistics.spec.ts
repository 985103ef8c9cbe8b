import { mean, pairedDifference, percentileInterval, relativeChange } from './paired-statistics';

describe('paired statistics', () => {
  it('percentile interval interpolates between order statistics', () => {
    const xs = Array.from({ length: 41 }, (_, i) => i); // 0..40: 2.5% → 1, 97.5% → 39
    expect(percentileInterval(xs)).toEqual([1, 39]);
    expect(percentileInterval([5])).toEqual([5, 5]);
  });

  it('a constant shift gives a zero-width interval at the shift, whatever the spread between pairs', () => {
    const baseline = [0, 10, 3, 7, 1, 9, 4, 4];
    const candidate = baseline.map((v) => v + 0.5);
    const d = pairedDifference(candidate, baseline);
    expect(d.difference).toBeCloseTo(0.5, 12);
    expect(d.ci95[0]).toBeCloseTo(0.5, 12);
    expect(d.ci95[1]).toBeCloseTo(0.5, 12);
    expect(d.meanBaseline).toBe(mean(baseline));
  });

  it('pairing narrows the interval compared with treating the samples as independent', () => {
    // Conversion per (persona, seed): shared difficulty dominates, the candidate wins 6 of 40 pairs.
    const baseline = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const candidate = baseline.map((v, i) => (v === 0 && i < 12 ? 1 : v));
    const paired = pairedDifference(candidate, baseline, { resamples: 4000, seed: 3 });
    expect(paired.difference).toBeCloseTo(6 / 40, 12);
    expect(paired.ci95[0]).toBeGreaterThan(0); // significant when paired
    const shuffled = [...baseline].reverse(); // breaks the pairing, same marginal
    const unpaired = pairedDifference(candidate, shuffled, { resamples: 4000, seed: 3 });
    expect(unpaired.ci95[1] - unpaired.ci95[0]).toBeGreaterThan(paired.ci95[1] - paired.ci95[0]);
  });

  it('is deterministic per seed and refuses mismatched or empty samples', () => {
    const a = [1, 0, 1, 1, 0];
    const b = [0, 0, 1, 0, 0];
    expect(pairedDifference(a, b, { resamples: 500, seed: 9 })).toEqual(pairedDifference(a, b, { resamples: 500, seed: 9 }));
    expect(() => pairedDifference([1], [1, 2])).toThrow('differ in length');
    expect(() => pairedDifference([], [])).toThrow('empty');
  });

  it('relative change is signed against the baseline and undefined at 0', () => {
    expect(relativeChange(0.55, 0.5)).toBeCloseTo(0.1, 12);
    expect(relativeChange(0.02, 0.1)).toBeCloseTo(-0.8, 12);
    expect(relativeChange(1, 0)).toBeNull();
  });
});

describe('ratio metrics', () => {
  it('compares Σ numerator / Σ denominator, not the mean of per-session ratios', () => {
    // Candidate: 1 repetitive turn of 10, then 1 of 2 → 2/12; baseline 3/10 then 1/2 → 4/12.
    const d = pairedDifference({ numerators: [1, 1], denominators: [10, 2] }, { numerators: [3, 1], denominators: [10, 2] }, { resamples: 200, seed: 1 });
    expect(d.meanCandidate).toBeCloseTo(2 / 12, 12);
    expect(d.meanBaseline).toBeCloseTo(4 / 12, 12);
    expect(d.difference).toBeCloseTo(-2 / 12, 12);
    expect(d.ci95[1]).toBeLessThanOrEqual(0);
  });
});
