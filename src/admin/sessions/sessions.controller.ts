import { Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { httpError, validated } from '../../http';
import { AdminController } from '../auth/admin-controller.decorator';
import { ApiZodQuery } from '../openapi';
import { pageQuery } from '../pagination';
import { isoDateParam, orderedRange, uuidParam } from '../query-fields';
import { AdminSessionsRepository } from './admin-sessions.repository';

const listQuery = z
  .object({
    ...pageQuery,
    from: isoDateParam('from').optional(),
    to: isoDateParam('to').optional(),
    outcome: z.enum(['converted', 'not_converted'], 'outcome must be converted or not_converted').optional(),
    modelVersion: z.string().min(1).max(200).optional(),
    rule: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'rule must be a rule id (letters, digits, _ . : -)').optional(),
  })
  .strict()
  .superRefine(orderedRange);

/** Chat sessions for review: newest first with filters, and one session's turns, scores and conversions. */
@AdminController('sessions', 'sessions')
export class SessionsController {
  constructor(private readonly sessions: AdminSessionsRepository) {}

  @Get()
  @ApiOperation({ summary: 'sessions, newest first (from inclusive, to exclusive, on the start time)' })
  @ApiZodQuery(listQuery)
  list(@Query() query: unknown) {
    const { limit, cursor, ...filter } = validated(listQuery, query);
    return this.sessions.page(filter, { limit, cursor });
  }

  @Get(':id')
  @ApiOperation({ summary: 'a session with its turns (each with its turn scores) and its conversions' })
  async get(@Param('id') id: string) {
    const session = uuidParam.safeParse(id).success ? await this.sessions.detail(id) : undefined;
    if (!session) throw httpError(HttpStatus.NOT_FOUND, 'unknown_session', `no session ${id}`);
    return session;
  }
}
