export { ChatMetrics, SCRAPE_STATEMENTS, SocketNamespace } from './chat-metrics';
export { MetricsModule } from './metrics.module';
