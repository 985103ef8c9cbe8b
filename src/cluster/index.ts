export { ClusterModule } from './cluster.module';
export { LocalRateBuckets, RateBuckets } from './rate-buckets';
export { RedisRateBuckets } from './redis-rate-buckets';
export { LocalSessionLock, RedisSessionLock, SessionLock } from './session-lock';
export { SocketIoRedis } from './socket-io-redis';
export { answeredWithin, closeRedis, redisConnection, redisReady } from './redis-connection';
