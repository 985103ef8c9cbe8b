import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
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
  ],
  exports: [SocketIoRedis, SessionLock],
})
export class ClusterModule {}
