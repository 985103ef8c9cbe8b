import { LocalRateBuckets } from './rate-buckets';

describe('LocalRateBuckets', () => {
  const a = { key: 'a', limit: { rate: 2, burst: 3 } };
  const b = { key: 'b', limit: { rate: 1, burst: 1 } };

  it('grants the burst, then one token per 1/rate seconds, per key; refilled buckets are forgotten', async () => {
    let now = 0;
    const buckets = new LocalRateBuckets(() => now);
    for (let i = 0; i < 3; i++) expect(await buckets.take([a])).toBe(0);
    expect(await buckets.take([a])).toBe(500);
    expect(await buckets.take([b])).toBe(0);
    now = 250;
    expect(await buckets.take([a])).toBe(250);
    now = 500;
    expect(await buckets.take([a])).toBe(0);
    now = 10_000;
    buckets.prune();
    expect(buckets.size).toBe(0);
    buckets.onModuleDestroy();
  });

  it('takes from every bucket or from none, and answers the longest wait', async () => {
    let now = 0;
    const buckets = new LocalRateBuckets(() => now);
    expect(await buckets.take([a, b])).toBe(0);
    // b is empty: a keeps its two tokens.
    expect(await buckets.take([a, b])).toBe(1000);
    expect(await buckets.take([a])).toBe(0);
    expect(await buckets.take([a])).toBe(0);
    expect(await buckets.take([a])).toBe(500);
    buckets.onModuleDestroy();
  });
});
