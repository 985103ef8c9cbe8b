import { z } from 'zod';
import { siteKeySchema, visitorIdSchema } from '../sessions';

/** Payloads of the `/chat` namespace (docs/protocol.md). Validated before anything is touched. */
export const startSessionSchema = z.object({
  siteKey: siteKeySchema,
  resumeToken: z.string().min(16).max(128).optional(),
  /** The site's identifier of the visitor, kept only as a keyed hash so their data can be erased on request. */
  visitorId: visitorIdSchema.optional(),
});

export const sendMessageSchema = z.object({
  clientMessageId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'clientMessageId must be 1-64 letters, digits, _ . : or -'),
  text: z.string(),
});

export const reportConversionSchema = z.object({
  ctaId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'ctaId must be 1-64 letters, digits, _ . : or -'),
  value: z.number().nonnegative().max(1e9).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code').optional(),
});

export type ErrorCode = 'invalid_payload' | 'no_session' | 'unknown_session' | 'session_closed' | 'busy' | 'empty_text' | 'text_too_long' | 'invalid_characters' | 'internal';

export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ChatError('invalid_payload', parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  }
  return parsed.data;
}
