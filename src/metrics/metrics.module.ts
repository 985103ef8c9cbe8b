import { Global, Module } from '@nestjs/common';
import { ChatMetrics } from './chat-metrics';
import { MetricsController } from './metrics.controller';

/** Prometheus metrics: `ChatMetrics` for the chat and conversion paths to record into, `GET /metrics` to scrape them. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [ChatMetrics],
  exports: [ChatMetrics],
})
export class MetricsModule {}
