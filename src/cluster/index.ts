export { ClusterModule } from './cluster.module';
export { LocalSessionLock, RedisSessionLock, SessionLock } from './session-lock';
export { SocketIoRedis } from './socket-io-redis';
