import { HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { httpError } from './error-body';

/** An unknown field is named itself (a typo in a query or body is refused, not ignored). */
const describeIssue = (i: z.core.$ZodIssue): string =>
  i.code === 'unrecognized_keys' ? i.keys.map((k) => `${[...i.path, k].join('.')}: not a known field`).join('; ') : `${i.path.join('.') || 'body'}: ${i.message}`;

/** Every problem of a zod parse on one line, each named by its field: `limit: must be at most 100; to: …`. */
export const describeIssues = (error: z.ZodError): string => error.issues.map(describeIssue).join('; ');

/** The parsed input, or a 400 `{ code, message }` naming every bad field (nothing else has run yet). */
export function validated<S extends z.ZodType>(schema: S, input: unknown, code = 'invalid_request'): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw httpError(HttpStatus.BAD_REQUEST, code, describeIssues(parsed.error));
  return parsed.data;
}
