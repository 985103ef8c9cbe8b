import { Body, HttpCode, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { validated } from '../../http';
import { siteKeySchema, visitorIdSchema } from '../../sessions';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiZodBody } from '../openapi';
import { ErasureService, ErasureTarget } from './erasure.service';

/** `{ sessionId }` or `{ siteKey, visitorId }`, one of the two. */
const erasureBody = z
  .object({
    sessionId: z.uuid('sessionId must be a session id (a UUID)').optional(),
    siteKey: siteKeySchema.optional(),
    visitorId: visitorIdSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (b.sessionId !== undefined) {
      if (b.siteKey !== undefined || b.visitorId !== undefined) issue('sessionId', 'send either sessionId or siteKey and visitorId, not both');
    } else if (b.visitorId === undefined && b.siteKey === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'name what to erase: { sessionId } or { siteKey, visitorId }' });
    } else if (b.siteKey === undefined) {
      issue('siteKey', 'siteKey is required with visitorId (a visitor identifier is the site\'s own)');
    } else if (b.visitorId === undefined) {
      issue('visitorId', 'visitorId is required with siteKey');
    }
  })
  .transform((b): ErasureTarget => (b.sessionId !== undefined ? { sessionId: b.sessionId } : { siteKey: b.siteKey!, visitorId: b.visitorId! }));

/**
 * GDPR art. 17 erasure, for admins only: it destroys conversations and training data for good and
 * cannot be undone, so it takes the role trusted with the other irreversible and audited actions.
 */
@AdminController('erasures', 'erasure')
export class ErasuresController {
  constructor(private readonly erasure: ErasureService) {}

  @Post()
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      'erase a session ({ sessionId }) or every session of a site\'s visitor ({ siteKey, visitorId }): turns, scores, conversions, every row referencing them, imported personas and training-data entries derived from them; live sessions are ended first. Counts per table; 404 unknown_session / unknown_visitor',
  })
  @ApiZodBody(erasureBody)
  erase(@Actor() actor: AdminActor, @Body() body: unknown) {
    return this.erasure.erase(actor, validated(erasureBody, body ?? {}));
  }
}
