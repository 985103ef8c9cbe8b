import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { LocalRateBuckets, RateBuckets } from './rate-buckets';
import { RedisRateBuckets } from './redis-rate-buckets';
import { LocalSessionLock, RedisSessionLock, SessionLock } from './session-lock';
import { SocketIoRedis } from './socket-io-redis';

/** What lets several replicas serve one deployment (REDIS_URL, docs/deploy.md); one server without it. */
@Module({
  providers: [
    SocketIoRedis,
    {
      provide: SessionLock,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): SessionLock => {
        const redis = config.get('redis', { infer: true });
        return redis ? new RedisSessionLock(redis) : new LocalSessionLock();
      },
    },
    {
      provide: RateBuckets,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): RateBuckets => {
        const redis = config.get('redis', { infer: true });
        return redis ? new RedisRateBuckets(redis) : new LocalRateBuckets();
      },
    },
  ],
  exports: [SocketIoRedis, SessionLock, RateBuckets],
})
export class ClusterModule {}
