export { ChatMetrics, SocketNamespace } from './chat-metrics';
export { MetricsModule } from './metrics.module';
