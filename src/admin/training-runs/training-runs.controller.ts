import { Body, Get, HttpCode, HttpStatus, Inject, Param, Post, Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { AppConfig } from '../../config';
import { validated } from '../../http';
import { SettingsRepository, TrainingRunQueue, trainingRunStates } from '../../jobs';
import { manualRunRequest } from '../../nightly/run-config';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { ApiZodBody, ApiZodQuery } from '../openapi';
import { pageQuery } from '../pagination';
import { AdminTrainingRunsRepository } from './admin-training-runs.repository';

const listQuery = z.object({ ...pageQuery, status: z.enum(trainingRunStates, `status must be one of ${trainingRunStates.join(', ')}`).optional() }).strict();

const whole = (name: string, min: number, max: number) => z.int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`).optional();
/** Overrides of the nightly defaults (TRAINING_*) for this run only; bounded so a typo cannot queue a week of training. */
const triggerBody = z
  .object({
    steps: whole('steps', 1, 10_000),
    contexts: whole('contexts', 1, 256),
    group: whole('group', 2, 64),
    evalSessions: whole('evalSessions', 1, 10_000),
    maxAgentTurns: whole('maxAgentTurns', 1, 50),
  })
  .strict();
const emptyBody = z.object({}).strict();

/** Training runs: list, detail with per-step metrics and the gate report, trigger one now, cancel one. */
@AdminController('training-runs', 'training runs')
export class TrainingRunsController {
  constructor(
    private readonly runs: AdminTrainingRunsRepository,
    private readonly queue: TrainingRunQueue,
    private readonly audit: AuditLogRepository,
    private readonly settings: SettingsRepository,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'training runs, newest first' })
  @ApiZodQuery(listQuery)
  list(@Query() query: unknown) {
    const { limit, cursor, status } = validated(listQuery, query);
    return this.runs.page({ status }, { limit, cursor });
  }

  @Get(':id')
  @ApiOperation({ summary: 'a run with its per-step metrics (from its run folder, once training started) and its gate report' })
  get(@Param('id') id: string) {
    return this.runs.detail(id);
  }

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator')
  @ApiOperation({ summary: 'queue a training run now (a worker claims it: TRAINING_WORKER=spawn or `closer worker`); omitted settings are the nightly defaults, with the admin settings (gate thresholds) applied' })
  @ApiZodBody(triggerBody)
  async trigger(@Actor() actor: AdminActor, @Body() body: unknown) {
    const overrides = validated(triggerBody, body ?? {});
    const { runConfig: _, ...request } = manualRunRequest(await this.settings.nightlyConfig(this.config.get('nightly', { infer: true })), 'admin', overrides);
    const { run } = await this.queue.enqueue(request);
    await this.audit.record(actor, { action: 'training_run.trigger', targetType: 'training_run', targetId: run.id, summary: overrides });
    return run;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'cancel a run: a queued one at once, a running one at its next step (409 run_finished)' })
  @ApiZodBody(emptyBody)
  async cancel(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    validated(emptyBody, body ?? {});
    const run = await this.queue.requestCancel(id);
    await this.audit.record(actor, { action: 'training_run.cancel', targetType: 'training_run', targetId: run.id, summary: { status: run.status } });
    return run;
  }
}
