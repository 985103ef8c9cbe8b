import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { validated } from '../../http';
import { ModelRegistry } from '../../registry';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { ApiZodBody, ApiZodQuery } from '../openapi';
import { pageQuery } from '../pagination';
import { AdminModelsRepository } from './admin-models.repository';

const listQuery = z.object({ ...pageQuery, status: z.enum(['candidate', 'champion', 'retired', 'rejected'], 'status must be candidate, champion, retired or rejected').optional() }).strict();
const promoteBody = z.object({ pin: z.boolean('pin must be true or false').optional() }).strict();
const emptyBody = z.object({}).strict();

/** Model versions: list, lineage, and the champion changes (promote, rollback) every server follows. */
@AdminController('models', 'models')
export class ModelsController {
  constructor(
    private readonly models: AdminModelsRepository,
    private readonly registry: ModelRegistry,
    private readonly audit: AuditLogRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'model versions, newest first' })
  @ApiZodQuery(listQuery)
  list(@Query() query: unknown) {
    const { limit, cursor, status } = validated(listQuery, query);
    return this.models.page({ status }, { limit, cursor });
  }

  @Get(':id')
  @ApiOperation({ summary: 'a version (id or name) with its lineage (parent chain, adapter base, training run) and evaluation metrics' })
  get(@Param('id') id: string) {
    return this.models.detail(id);
  }

  @Post('rollback')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'back to the previous champion; the current one is marked rolled back (409 no_previous_champion)' })
  @ApiZodBody(emptyBody)
  async rollback(@Actor() actor: AdminActor, @Body() body: unknown) {
    validated(emptyBody, body ?? {});
    const result = await this.registry.rollback();
    await this.audit.record(actor, { action: 'model.rollback', targetType: 'model_version', targetId: result.to.id, summary: { from: result.from.name, to: result.to.name } });
    return result;
  }

  @Post(':id/promote')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'make a version (id or name) the champion, bypassing the gate; `pin: true` also pins it (and overrides a pinned champion)' })
  @ApiZodBody(promoteBody)
  async promote(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    const { pin } = validated(promoteBody, body ?? {});
    const before = await this.registry.champion();
    const champion = pin ? await this.registry.pin(id) : await this.registry.promote(id);
    await this.audit.record(actor, { action: 'model.promote', targetType: 'model_version', targetId: champion.id, summary: { version: champion.name, previous: before?.name ?? null, pin: pin ?? false } });
    return { champion, previous: before };
  }
}
