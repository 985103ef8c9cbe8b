import { z } from 'zod';

/** A date (`2026-11-25`, midnight UTC) or a date-time with offset, as a Date. */
export const isoDateParam = (name: string) =>
  z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 date (2026-11-25) or date-time with offset`)
    .transform((s) => new Date(s));

/** A path `:id` that must be a UUID (anything else cannot exist: 404 instead of a database error). */
export const uuidParam = z.uuid('id must be a UUID');

/** `{from, to}` checked together: an empty range is a mistake, not an empty answer. */
export const orderedRange = <T extends { from?: Date; to?: Date }>(q: T, ctx: z.RefinementCtx) => {
  if (q.from && q.to && q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
};
