import { TokenBuckets } from './event-limiter';

describe('TokenBuckets', () => {
  it('grants the burst, then one token per 1/rate seconds, per key; refilled buckets are forgotten', () => {
    let now = 0;
    const buckets = new TokenBuckets({ rate: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(buckets.wait('a')).toBe(0);
      buckets.take('a');
    }
    expect(buckets.wait('a')).toBe(500);
    expect(buckets.wait('b')).toBe(0);
    now = 250;
    expect(buckets.wait('a')).toBe(250);
    now = 500;
    expect(buckets.wait('a')).toBe(0);
    buckets.take('a');
    now = 10_000;
    buckets.prune();
    expect(buckets.size).toBe(0);
  });
});
