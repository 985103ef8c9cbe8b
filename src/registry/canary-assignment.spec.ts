import { randomUUID } from 'node:crypto';
import { servedByCanary } from './canary-assignment';

describe('canary assignment', () => {
  const sessions = Array.from({ length: 20_000 }, () => randomUUID());

  it('is stable: the same session and canary always get the same answer', () => {
    const canary = randomUUID();
    const first = sessions.slice(0, 500).map((s) => servedByCanary(s, canary, 0.1));
    expect(sessions.slice(0, 500).map((s) => servedByCanary(s, canary, 0.1))).toEqual(first);
  });

  it('serves close to the configured share (within 4 standard errors over 20,000 sessions)', () => {
    const canary = randomUUID();
    for (const share of [0.05, 0.1, 0.5]) {
      const served = sessions.filter((s) => servedByCanary(s, canary, share)).length / sessions.length;
      expect(Math.abs(served - share)).toBeLessThan(4 * Math.sqrt((share * (1 - share)) / sessions.length));
    }
  });

  it('a larger share keeps every session a smaller one had; another canary draws another sample', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const small = sessions.filter((s) => servedByCanary(s, a, 0.1));
    expect(small.every((s) => servedByCanary(s, a, 0.2))).toBe(true);
    const overlap = small.filter((s) => servedByCanary(s, b, 0.1)).length / small.length;
    expect(overlap).toBeLessThan(0.2);
  });
});
