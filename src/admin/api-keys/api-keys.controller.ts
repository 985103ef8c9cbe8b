import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { validated } from '../../http';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor } from '../auth/roles.decorator';
import { ApiZodBody, ApiZodQuery } from '../openapi';
import { pageOf, pageQuery } from '../pagination';
import { adminRoles } from '../roles';
import { AdminActor, apiKeyView, ApiKeysRepository } from './api-keys.repository';
import { apiKeyFields } from './api-key-fields';
import { ApiKeyManager } from './api-key-manager';

const createBody = z.object(apiKeyFields).strict();
const listQuery = z.object({ ...pageQuery, revoked: z.enum(['true', 'false'], 'revoked must be true or false').optional() }).strict();

/** API keys (admin only): create (the key is in this one response), list, revoke. */
@AdminController('api-keys', 'API keys', 'admin')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly manager: ApiKeyManager,
  ) {}

  @Post()
  @ApiOperation({ summary: `create a key (role: ${adminRoles.join(' | ')}); the key is returned once and stored only as its SHA-256` })
  @ApiZodBody(createBody)
  create(@Actor() actor: AdminActor, @Body() body: unknown) {
    const { name, role } = validated(createBody, body ?? {});
    return this.manager.create(actor, name, role);
  }

  @Get()
  @ApiOperation({ summary: 'keys, newest first: name, role, prefix, last use; never the key or its hash' })
  @ApiZodQuery(listQuery)
  async list(@Query() query: unknown) {
    const { limit, cursor, revoked } = validated(listQuery, query);
    const qb = this.keys.query();
    if (revoked) qb.andWhere(`k.revoked_at IS ${revoked === 'true' ? 'NOT ' : ''}NULL`);
    const page = await pageOf(qb, { limit, cursor });
    return { items: page.items.map(apiKeyView), nextCursor: page.nextCursor };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'revoke a key: its next request is 401 (409 already_revoked)' })
  revoke(@Actor() actor: AdminActor, @Param('id') id: string) {
    return this.manager.revoke(actor, id);
  }
}
