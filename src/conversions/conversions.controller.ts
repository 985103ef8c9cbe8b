import { Controller, Headers, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AppConfig } from '../config';
import { httpError as fail, validated } from '../http';
import { ChatMetrics } from '../metrics';
import { ChatSessionRepository } from '../sessions';
import { signatureMatches } from './signature';
import { SitesRepository } from '../sites';

const conversionSchema = z.object({
  sessionId: z.uuid('sessionId must be a UUID'),
  eventId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'eventId must be 1-128 letters, digits, _ . : or -'),
  value: z.number().nonnegative().max(1e9).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code').optional(),
  occurredAt: z.iso.datetime({ offset: true, error: 'occurredAt must be an ISO 8601 date-time' }).optional(),
});

/** The webhook's route (its body parser is mounted on it: see src/bootstrap.ts). */
export const CONVERSIONS_PATH = 'api/v1/conversions';

/** Signatures older (or further in the future) than this are refused. */
const TIMESTAMP_TOLERANCE_SECONDS = 300;

/** Form encodings are refused: the body is JSON, whatever content type the sender's HTTP client sets. */
const formTypes = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * `POST /api/v1/conversions`: the customer's backend reports a sale for a chat session. Signed with
 * the site's webhook secret (`X-Closer-Site`, `X-Closer-Timestamp`, `X-Closer-Signature:
 * sha256=HMAC(secret, "<timestamp>.<raw body>")`); a replayed request is refused, a repeated
 * event id is ignored, and the sale must fall within the attribution window of the session.
 */
@Controller(CONVERSIONS_PATH)
export class ConversionsController {
  constructor(
    private readonly sites: SitesRepository,
    private readonly sessions: ChatSessionRepository,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
    private readonly metrics: ChatMetrics,
  ) {}

  @Post()
  @HttpCode(200)
  async report(
    @Req() req: IncomingMessage & { body?: unknown },
    @Headers('x-closer-site') siteKey: string | undefined,
    @Headers('x-closer-timestamp') timestamp: string | undefined,
    @Headers('x-closer-signature') signature: string | undefined,
  ) {
    if (formTypes.includes(mediaType(req))) {
      throw fail(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported_media_type', 'send the conversion as a JSON body (application/json), not form-encoded');
    }
    if (!siteKey || !timestamp || !signature) {
      throw fail(HttpStatus.UNAUTHORIZED, 'missing_signature', 'X-Closer-Site, X-Closer-Timestamp and X-Closer-Signature are required');
    }
    // The exact bytes received (the webhook's parser keeps them whatever the content type); none: an empty body.
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const site = await this.sites.find(siteKey);
    if (!site || !signatureMatches(site.webhookSecret, timestamp, rawBody, signature)) {
      throw fail(HttpStatus.UNAUTHORIZED, 'invalid_signature', 'the signature does not match the body for this site');
    }
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
      throw fail(HttpStatus.UNAUTHORIZED, 'stale_timestamp', `the timestamp must be within ${TIMESTAMP_TOLERANCE_SECONDS} s of now`);
    }
    const event = validated(conversionSchema, parseJson(rawBody), 'invalid_payload');
    const occurredAt = event.occurredAt ? new Date(event.occurredAt) : new Date();
    const windowHours = this.config.get('attributionWindowHours', { infer: true });

    const result = await this.db.transaction(async (tx) => {
      const [session] = await tx.query(`SELECT created_at FROM chat_sessions WHERE id = $1 AND site_key = $2`, [event.sessionId, siteKey]);
      if (!session) throw fail(HttpStatus.NOT_FOUND, 'unknown_session', 'no session with this id for this site');
      const start = new Date(session.created_at).getTime();
      if (occurredAt.getTime() < start || occurredAt.getTime() > start + windowHours * 3600_000) {
        throw fail(HttpStatus.UNPROCESSABLE_ENTITY, 'outside_attribution_window', `the conversion must happen within ${windowHours} h of the session's start`);
      }
      const receipt: unknown[] = await tx.query(
        `INSERT INTO webhook_receipts (signature, site_key) VALUES ($1, $2) ON CONFLICT (signature) DO NOTHING RETURNING signature`,
        [signature, siteKey],
      );
      if (receipt.length === 0) throw fail(HttpStatus.CONFLICT, 'replayed', 'this signed request was already received');
      const id = await this.sessions.recordConversion(
        { sessionId: event.sessionId, source: 'webhook', externalId: event.eventId, value: event.value ?? 0, currency: event.currency ?? null, occurredAt },
        tx,
      );
      return { ok: true, duplicate: id === undefined, conversionId: id ?? null };
    });
    // Counted once committed: a transaction that fails at commit recorded nothing.
    if (!result.duplicate) this.metrics.conversionRecorded('webhook');
    return result;
  }
}

const mediaType = (req: IncomingMessage) => (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw fail(HttpStatus.BAD_REQUEST, 'invalid_json', 'the body is not valid JSON');
  }
}
