import { OnModuleDestroy } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { BucketLimit } from '../config';

/** One token bucket: `limit.rate` tokens a second, `limit.burst` at most, full when first met. */
export interface Bucket {
  key: string;
  limit: BucketLimit;
}

/** Milliseconds until a bucket holding `tokens` has one (0: it has one now). */
const waitFor = (tokens: number, { rate }: BucketLimit) => (tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / rate) * 1000));

/**
 * The event limiter's token buckets (docs/security.md): this process's own without REDIS_URL,
 * shared by every replica with it (RedisRateBuckets).
 */
export abstract class RateBuckets {
  /** Takes a token from each of `buckets` if every one has one, none otherwise; resolves to 0 when taken, else the milliseconds until they all have one. */
  abstract take(buckets: readonly Bucket[]): Promise<number>;
}

const PRUNE_INTERVAL_MS = 10_000;

/** The buckets in this process's memory. One that has refilled is forgotten (a new one is the same). */
export class LocalRateBuckets extends RateBuckets implements OnModuleDestroy {
  private readonly buckets = new Map<string, { tokens: number; at: number; limit: BucketLimit }>();
  private readonly pruning = setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref();

  constructor(private readonly now: () => number = () => performance.now()) {
    super();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruning);
  }

  take(buckets: readonly Bucket[]): Promise<number> {
    const filled = buckets.map((bucket) => this.refill(bucket));
    const wait = Math.max(...filled.map((b) => waitFor(b.tokens, b.limit)));
    if (wait === 0) for (const b of filled) b.tokens -= 1;
    return Promise.resolve(wait);
  }

  prune(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * b.limit.rate >= b.limit.burst) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill({ key, limit }: Bucket): { tokens: number; at: number; limit: BucketLimit } {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      const fresh = { tokens: limit.burst, at: now, limit };
      this.buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.rate);
    bucket.at = now;
    return bucket;
  }
}
