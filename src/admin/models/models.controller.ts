import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { validated } from '../../http';
import { Champion, ModelRegistry } from '../../registry';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { ApiZodBody, ApiZodQuery } from '../openapi';
import { pageQuery } from '../pagination';
import { AdminModelsRepository } from './admin-models.repository';

const listQuery = z.object({ ...pageQuery, status: z.enum(['candidate', 'canary', 'champion', 'retired', 'rejected'], 'status must be candidate, canary, champion, retired or rejected').optional() }).strict();
const promoteBody = z.object({ pin: z.boolean('pin must be true or false').optional() }).strict();
const emptyBody = z.object({}).strict();

/**
 * Model versions: list, lineage, and the champion changes (promote, rollback) every server follows.
 * Each change commits with its audit entry in one transaction: no change without its entry.
 */
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
    return this.registry.rollback({
      inTransaction: (tx, { from, to }) => this.audit.record(actor, { action: 'model.rollback', targetType: 'model_version', targetId: to.id, summary: { from: from.name, to: to.name } }, tx),
    });
  }

  @Post(':id/promote')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'make a version (id or name) the champion, bypassing the gate; `pin: true` also pins it (and overrides a pinned champion)' })
  @ApiZodBody(promoteBody)
  async promote(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    const { pin } = validated(promoteBody, body ?? {});
    let previous = null as Champion | null; // set by the registry inside its transaction
    const champion = await this.registry.promote(id, {
      ...(pin ? { overridePin: true, pin: true } : {}),
      inTransaction: async (tx, change) => {
        previous = change.previous;
        await this.audit.record(actor, { action: 'model.promote', targetType: 'model_version', targetId: change.champion.id, summary: { version: change.champion.name, previous: previous?.name ?? null, pin: pin ?? false } }, tx);
      },
    });
    return { champion, previous };
  }
}
