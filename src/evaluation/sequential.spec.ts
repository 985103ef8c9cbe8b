import { Rng } from '../engine/rng';
import { addToArm, armOf, emptyArm, mixtureHalfWidth, sequentialInterval, sessionsPerArmNeeded } from './sequential';

describe('normal-mixture confidence sequence', () => {
  it('matches a hand-computed boundary', () => {
    // V = 0.01, ρ = 0.05, α = 0.05: √(0.01 · 0.0125 / 0.0025 · (2 ln 20 + ln 1.25)) = √(0.05 · 6.2146) = 0.55744
    expect(mixtureHalfWidth(0.01, { alpha: 0.05, mixingSd: 0.05 })).toBeCloseTo(0.55744, 4);
  });

  it('is wider than a fixed-n interval, and narrows as sessions accumulate', () => {
    const arm = (n: number, rate: number) => armOf(Array.from({ length: n }, (_, i) => Number(i < rate * n)));
    const small = sequentialInterval(arm(100, 0.3), arm(100, 0.3));
    const large = sequentialInterval(arm(2000, 0.3), arm(2000, 0.3));
    const fixedHalf = 1.96 * Math.sqrt((2 * 0.3 * 0.7) / 100);
    expect(small.interval![1] - small.difference).toBeGreaterThan(fixedHalf);
    expect(large.interval![1] - large.interval![0]).toBeLessThan(small.interval![1] - small.interval![0]);
    expect(sequentialInterval(arm(10, 0.3), arm(100, 0.3)).interval).toBeUndefined(); // fewer than minPerArm
  });

  it('covers the true difference at every look with probability ≥ 1 − α (simulated, 200 sequences of 1,000 looks)', () => {
    const rng = new Rng(7);
    let missed = 0;
    for (let s = 0; s < 200; s++) {
      let a = emptyArm();
      let b = emptyArm();
      let ever = false;
      for (let i = 0; i < 1000 && !ever; i++) {
        a = addToArm(a, Number(rng.next() < 0.3));
        b = addToArm(b, Number(rng.next() < 0.25));
        const { interval } = sequentialInterval(a, b);
        if (interval && (interval[0] > 0.05 || interval[1] < 0.05)) ever = true;
      }
      if (ever) missed++;
    }
    expect(missed / 200).toBeLessThanOrEqual(0.05);
  });

  it('says how many sessions per arm a margin needs, fewer for a wider margin', () => {
    const n = sessionsPerArmNeeded(Math.sqrt(0.3 * 0.7), 0.05);
    expect(mixtureHalfWidth((2 * 0.21) / n, { alpha: 0.05, mixingSd: 0.05 })).toBeLessThanOrEqual(0.05);
    expect(mixtureHalfWidth((2 * 0.21) / (n - 1), { alpha: 0.05, mixingSd: 0.05 })).toBeGreaterThan(0.05);
    expect(sessionsPerArmNeeded(Math.sqrt(0.21), 0.1)).toBeLessThan(n);
    expect(sessionsPerArmNeeded(0.5, 0)).toBe(Infinity);
  });
});
