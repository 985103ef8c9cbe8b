export { ChatMetrics, EVENT_LOOP_SAMPLE_MS, SCRAPE_STATEMENTS, SocketNamespace } from './chat-metrics';
export { MetricsModule } from './metrics.module';
