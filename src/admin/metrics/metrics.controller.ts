import { Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { validated } from '../../http';
import { FLAGGED_TURN_SCORES } from '../../simulator';
import { AdminController } from '../auth/admin-controller.decorator';
import { ApiZodQuery } from '../openapi';
import { isoDateParam, orderedRange } from '../query-fields';
import { AdminMetricsRepository } from './admin-metrics.repository';

const metricsQuery = z
  .object({
    from: isoDateParam('from').optional(),
    to: isoDateParam('to').optional(),
    groupBy: z.enum(['day', 'model'], 'groupBy must be day or model').default('day'),
  })
  .strict()
  .superRefine(orderedRange);

/** Conversion, compliance and reply-quality figures per day or per model version, with their counts. */
@AdminController('metrics', 'metrics')
export class MetricsController {
  constructor(private readonly metrics: AdminMetricsRepository) {}

  @Get()
  @ApiOperation({
    summary:
      'sessions, conversion rate, violation rate by rule, repetition and bot-like rates per day (of the session start, UTC) or per model version (leaving out the personHandledSessions a person took over); from inclusive, to exclusive, on the session start',
  })
  @ApiZodQuery(metricsQuery)
  async get(@Query() query: unknown) {
    const filter = validated(metricsQuery, query);
    return {
      groupBy: filter.groupBy,
      from: filter.from ?? null,
      to: filter.to ?? null,
      thresholds: FLAGGED_TURN_SCORES,
      personHandledSessions: await this.metrics.personHandledSessions(filter),
      items: await this.metrics.figures(filter),
    };
  }
}
