import { Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { validated } from '../../http';
import { AdminController } from '../auth/admin-controller.decorator';
import { ApiZodQuery } from '../openapi';
import { pageOf, pageQuery } from '../pagination';
import { AuditLogRepository } from './audit-log.repository';

const listQuery = z.object({ ...pageQuery, action: z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'action must look like model.promote').optional() }).strict();

/** The audit log (admin only): every admin write, newest first. */
@AdminController('audit-log', 'audit log', 'admin')
export class AuditLogController {
  constructor(private readonly audit: AuditLogRepository) {}

  @Get()
  @ApiOperation({ summary: 'admin writes, newest first: who (key id and name), action, target, request summary' })
  @ApiZodQuery(listQuery)
  list(@Query() query: unknown) {
    const { limit, cursor, action } = validated(listQuery, query);
    return pageOf(this.audit.query({ action }), { limit, cursor });
  }
}
