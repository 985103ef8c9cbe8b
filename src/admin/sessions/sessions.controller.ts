import { Get, HttpStatus, Param, Query, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { httpError, validated } from '../../http';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor } from '../auth/roles.decorator';
import { ApiZodQuery } from '../openapi';
import { pageQuery } from '../pagination';
import { isoDateParam, orderedRange, uuidParam } from '../query-fields';
import { AdminSessionsRepository } from './admin-sessions.repository';
import { csvHeader, csvRows, exportContentType, jsonLine } from './session-export';

/** The filters of the list and the export: one definition. */
const sessionFilters = {
  from: isoDateParam('from').optional(),
    to: isoDateParam('to').optional(),
    outcome: z.enum(['converted', 'not_converted'], 'outcome must be converted or not_converted').optional(),
    modelVersion: z.string().min(1).max(200).optional(),
  rule: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'rule must be a rule id (letters, digits, _ . : -)').optional(),
};

const listQuery = z
  .object({ ...pageQuery, ...sessionFilters })
  .strict()
  .superRefine(orderedRange);

const exportQuery = z
  .object({ format: z.enum(['jsonl', 'csv'], 'format must be jsonl or csv'), ...sessionFilters })
  .strict()
  .superRefine(orderedRange);

/** Chat sessions for review: newest first with filters, and one session's turns, scores and conversions. */
@AdminController('sessions', 'sessions')
export class SessionsController {
  constructor(
    private readonly sessions: AdminSessionsRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'sessions, newest first (from inclusive, to exclusive, on the start time)' })
  @ApiZodQuery(listQuery)
  list(@Query() query: unknown) {
    const { limit, cursor, ...filter } = validated(listQuery, query);
    return this.sessions.page(filter, { limit, cursor });
  }

  @Get('export')
  @ApiOperation({ summary: 'the filtered sessions as a streamed download: JSONL (a session a line, with turns, scores, conversions) or CSV (a turn a row)' })
  @ApiZodQuery(exportQuery)
  async export(@Actor() actor: AdminActor, @Query() query: unknown, @Res() res: ServerResponse) {
    const { format, ...filter } = validated(exportQuery, query);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.statusCode = 200;
    res.setHeader('Content-Type', exportContentType[format]);
    res.setHeader('Content-Disposition', `attachment; filename="sessions-${stamp}.${format}"`);
    const write = async (chunk: string) => {
      if (chunk && !res.write(chunk)) await once(res, 'drain');
    };
    let rows = 0;
    try {
      if (format === 'csv') await write(csvHeader());
      for await (const session of this.sessions.exportAll(filter)) {
        if (res.destroyed) break;
        await write(format === 'csv' ? csvRows(session) : jsonLine(session));
        rows += format === 'csv' ? session.turns.length : 1;
      }
    } catch (err) {
      // Headers are out: the client can only learn of the failure from a cut-off download.
      res.destroy(err as Error);
      throw err;
    }
    await this.audit.record(actor, { action: 'sessions.export', targetType: 'session', targetId: null, summary: { format, filter, rows, complete: !res.destroyed } });
    res.end();
  }

  @Get(':id')
  @ApiOperation({ summary: 'a session with its turns (each with its turn scores) and its conversions' })
  async get(@Param('id') id: string) {
    const session = uuidParam.safeParse(id).success ? await this.sessions.detail(id) : undefined;
    if (!session) throw httpError(HttpStatus.NOT_FOUND, 'unknown_session', `no session ${id}`);
    return session;
  }
}
