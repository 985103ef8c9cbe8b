import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisConfig } from '../config';
import { Bucket, LocalRateBuckets, RateBuckets } from './rate-buckets';
import { answeredWithin, closeRedis, redisConnection, redisReady } from './redis-connection';

/** How long an event waits for Redis before this replica's own buckets answer for it. */
const TAKE_TIMEOUT_MS = 250;

/*
 * KEYS: the buckets; ARGV: rate and burst of each, in turn. A bucket is a hash { tokens, at } (ms,
 * Redis's clock, so replicas' clocks do not matter), refilled by the time elapsed. Either every
 * bucket gives a token or none does. A bucket expires when it would be full again: an absent
 * bucket is a full one, so idle ones leave nothing behind. Returns 0, or the ms until all have one.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tokens, wait = {}, 0
for i, key in ipairs(KEYS) do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local stored = redis.call('HMGET', key, 'tokens', 'at')
  local n = burst
  if stored[1] then n = math.min(burst, tonumber(stored[1]) + (now - tonumber(stored[2])) / 1000 * rate) end
  tokens[i] = n
  if n < 1 then wait = math.max(wait, math.ceil((1 - n) / rate * 1000)) end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('HSET', key, 'tokens', tokens[i] - 1, 'at', now)
  redis.call('PEXPIRE', key, math.ceil((burst - tokens[i] + 1) / rate * 1000))
end
return 0`;

type WithTake = Redis & { takeTokens(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<number> };

/**
 * Several replicas (REDIS_URL): the buckets live in Redis under `<prefix>:rate:`, one atomic script
 * per event, so N replicas together admit the configured rate, not N times it.
 *
 * Redis unreachable or slow (over TAKE_TIMEOUT_MS): this replica's own buckets answer instead (fail
 * open), with one warning per outage. A sales site keeps talking to its visitors; the limits hold
 * per replica meanwhile, as they did before they were shared, rather than every event being refused.
 */
export class RedisRateBuckets extends RateBuckets implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RateBuckets.name);
  private readonly redis: WithTake;
  private readonly local = new LocalRateBuckets();
  private shared = true;

  constructor(private readonly config: RedisConfig) {
    super();
    // No retries: an event answered by the local buckets now beats one held for a reconnection.
    this.redis = redisConnection(config, { role: 'rate-limits', maxRetriesPerRequest: 0 }) as WithTake;
    this.redis.defineCommand('takeTokens', { lua: TAKE });
  }

  async onModuleInit(): Promise<void> {
    await redisReady(this.redis, this.config);
  }

  async onApplicationShutdown(): Promise<void> {
    this.local.onModuleDestroy();
    await closeRedis(this.redis);
  }

  async take(buckets: readonly Bucket[]): Promise<number> {
    // Not connected: no command is queued to wait for a reconnection.
    if (this.redis.status !== 'ready') return this.takeLocally(buckets, `not connected (${this.redis.status})`);
    const args = buckets.flatMap(({ limit }) => [limit.rate, limit.burst]);
    const keys = buckets.map(({ key }) => `${this.config.prefix}:rate:${key}`);
    let wait: number;
    try {
      wait = await answeredWithin(this.redis.takeTokens(keys.length, ...keys, ...args), TAKE_TIMEOUT_MS);
    } catch (err) {
      return this.takeLocally(buckets, (err as Error).message);
    }
    if (!this.shared) this.logger.log('Redis answers again: socket event limits are shared by the replicas again');
    this.shared = true;
    return wait;
  }

  private takeLocally(buckets: readonly Bucket[], reason: string): Promise<number> {
    if (this.shared) this.logger.warn(`Redis unavailable (${reason}): socket event limits are this replica's own until it answers`);
    this.shared = false;
    return this.local.take(buckets);
  }
}
