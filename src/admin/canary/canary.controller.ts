import { Body, Get, HttpCode, Post, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { validated } from '../../http';
import { CanaryMonitor, figuresOf, RegistryError } from '../../registry';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ApiZodQuery } from '../openapi';
import { pageQuery } from '../pagination';

const emptyBody = z.object({}).strict();
const historyQuery = z.object({ limit: pageQuery.limit }).strict();

/**
 * The canary: the running one with its live test as it stands (sessions per arm, each metric's
 * difference with its always-valid interval, the verdict it supports, sessions still needed), past
 * canaries with how and on what figures they ended, and the admin's manual promote or abort.
 */
@AdminController('canary', 'canary')
export class CanaryController {
  constructor(
    private readonly monitor: CanaryMonitor,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: 'the running canary (null when none) with its live test now, and the rules it is judged by' })
  async current() {
    const reading = await this.monitor.read();
    return {
      rules: this.monitor.rules,
      canary: reading && { id: reading.canary.canaryId, version: { id: reading.canary.id, name: reading.canary.name }, championId: reading.canary.championId, share: reading.canary.share, startedAt: reading.canary.startedAt, ...figuresOf(reading) },
    };
  }

  @Get('history')
  @ApiOperation({ summary: 'the latest canaries (at most `limit`, newest first; one per nightly run at most): version, champion, share, start and end, verdict, who decided and the figures' })
  @ApiZodQuery(historyQuery)
  async history(@Query() query: unknown) {
    const { limit } = validated(historyQuery, query);
    const items = await this.db.query(
      `SELECT c.id, v.name AS version, ch.name AS champion, c.share, c.started_at AS "startedAt", c.ended_at AS "endedAt", c.verdict, c.decided_by AS "decidedBy", c.decision, c.run_id AS "runId"
         FROM canaries c JOIN model_versions v ON v.id = c.version_id JOIN model_versions ch ON ch.id = c.champion_id
        ORDER BY c.started_at DESC, c.id DESC LIMIT $1`,
      [limit],
    );
    return { items };
  }

  @Post('promote')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'end the canary now by promoting it, whatever the test says (409 no_canary)' })
  @ApiZodBody(emptyBody)
  endPromoted(@Actor() actor: AdminActor, @Body() body: unknown) {
    return this.endNow(actor, body, 'promote');
  }

  @Post('abort')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'end the canary now without promoting it: the champion serves every session (409 no_canary)' })
  @ApiZodBody(emptyBody)
  abort(@Actor() actor: AdminActor, @Body() body: unknown) {
    return this.endNow(actor, body, 'aborted');
  }

  private async endNow(actor: AdminActor, body: unknown, verdict: 'promote' | 'aborted') {
    validated(emptyBody, body ?? {});
    const reading = await this.monitor.read();
    if (!reading) throw new RegistryError('no_canary', 'no canary is running');
    await this.monitor.end(reading, verdict, actor);
    return { verdict, version: reading.canary.name, ...figuresOf(reading) };
  }
}
