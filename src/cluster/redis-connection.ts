import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisConfig } from '../config';

/** How long start-up waits for Redis to answer before giving up with a clear message. */
const READY_TIMEOUT_MS = 5000;

export interface RedisConnectionOptions {
  /** Shown by `CLIENT LIST` (`<prefix>:<role>`), so an operator sees which replica part holds a connection. */
  role: string;
  /** Attempts (one per reconnection) before a command fails; null: commands wait for Redis to come back. */
  maxRetriesPerRequest: number | null;
}

/** REDIS_URL without its password, for messages. */
export const redactedRedisUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

/** A connection to the deployment's Redis; errors are logged (ioredis reconnects on its own), never thrown at the process. */
export function redisConnection(config: RedisConfig, { role, maxRetriesPerRequest }: RedisConnectionOptions): Redis {
  const logger = new Logger(`Redis:${role}`);
  const redis = new Redis(config.url, { connectionName: `${config.prefix}:${role}`, maxRetriesPerRequest });
  let reported = false;
  // One line per outage, not one per reconnection attempt.
  redis.on('error', (err: Error) => {
    if (!reported) logger.error(`${redactedRedisUrl(config.url)}: ${err.message}; reconnecting`);
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) logger.log(`${redactedRedisUrl(config.url)}: connected again`);
    reported = false;
  });
  return redis;
}

/** Resolves once the connection is ready (Redis answered its handshake); start-up fails with a message naming REDIS_URL (and the last connection error) if it does not in time. */
export async function redisReady(redis: Redis, config: RedisConfig): Promise<void> {
  let lastError: Error | undefined;
  const onError = (err: Error) => (lastError = err);
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  redis.on('error', onError);
  redis.once('ready', onReady);
  try {
    // The ready event rather than a command: a connection whose commands fail fast (no retries) waits here too.
    if (redis.status !== 'ready') await answeredWithin(ready, READY_TIMEOUT_MS);
  } catch (err) {
    throw new Error(`Redis at ${redactedRedisUrl(config.url)} is unavailable (${(lastError ?? (err as Error)).message}): is it running? check REDIS_URL`);
  } finally {
    redis.off('error', onError);
    redis.off('ready', onReady);
  }
}

/** `reply`, or an error `no answer within … ms` once `ms` have passed (Redis hung, or a reply held for a reconnection). */
export async function answeredWithin<T>(reply: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([reply, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes cleanly when connected (pending replies arrive first), at once otherwise (a command queued for an absent Redis would hold shutdown). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}
