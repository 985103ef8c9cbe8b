import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { answeredWithin, closeRedis, redisConnection, redisReady } from '../cluster';
import { AppConfig, RedisConfig } from '../config';

/** A probe answers within its load balancer's timeout (often 1-2 s), Redis or not. */
const PING_TIMEOUT_MS = 1000;

/** Readiness's Redis check with REDIS_URL (the replicas share their limits, locks and events through it): a PING on a connection of its own. */
@Injectable()
export class RedisIndicator implements OnModuleInit, OnApplicationShutdown {
  private readonly connection?: { config: RedisConfig; redis: Redis };

  constructor(
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
    private readonly indicators: HealthIndicatorService,
  ) {
    const redis = config.get('redis', { infer: true });
    // No retries: a check while Redis is away answers down at once, not after reconnection attempts.
    if (redis) this.connection = { config: redis, redis: redisConnection(redis, { role: 'health', maxRetriesPerRequest: 0 }) };
  }

  async onModuleInit(): Promise<void> {
    if (this.connection) await redisReady(this.connection.redis, this.connection.config);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection) await closeRedis(this.connection.redis);
  }

  /** For terminus's check list: none without REDIS_URL. */
  checks(): HealthIndicatorFunction[] {
    const connection = this.connection;
    if (!connection) return [];
    return [
      async () => {
        const indicator = this.indicators.check('redis');
        if (connection.redis.status !== 'ready') return indicator.down({ message: `not connected (${connection.redis.status})` });
        try {
          await answeredWithin(connection.redis.ping(), PING_TIMEOUT_MS);
          return indicator.up();
        } catch (err) {
          return indicator.down({ message: (err as Error).message });
        }
      },
    ];
  }
}
