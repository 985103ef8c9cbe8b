import { replySeed } from './reply-seed';

describe('replySeed', () => {
  it('is the same for the same session, turn and attempt, and differs when any of them differs', () => {
    const a = replySeed('3f1c0b9e-0000-4000-8000-000000000001', 0, 0);
    expect(replySeed('3f1c0b9e-0000-4000-8000-000000000001', 0, 0)).toBe(a);
    const others = [replySeed('3f1c0b9e-0000-4000-8000-000000000002', 0, 0), replySeed('3f1c0b9e-0000-4000-8000-000000000001', 1, 0), replySeed('3f1c0b9e-0000-4000-8000-000000000001', 0, 1)];
    expect(new Set([a, ...others]).size).toBe(4);
    for (const seed of [a, ...others]) expect(seed).toBe(seed >>> 0); // a uint32, what the sampler's RNG takes
  });
});
