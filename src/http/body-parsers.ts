import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpError } from './error-body';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
interface ParserOptions {
  limit: string;
  type?: () => boolean;
}
// Express's own body parsers; this install has no type declarations for express, so they are typed here.
const { json, raw } = require('express') as { json(options: ParserOptions): Middleware; raw(options: ParserOptions): Middleware };

/** Largest request body accepted (a conversion report or an admin call is a few hundred bytes). */
export const BODY_LIMIT = '100kb';

/** body-parser's error types, as the codes clients see. */
const codesByType: Record<string, string> = {
  'entity.parse.failed': 'invalid_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'invalid_content_length',
};

/** A client's malformed body (bad JSON or gzip, too large, aborted) as a `{ code, message }` HTTP error. */
export function bodyError(err: unknown): unknown {
  const { status, type, message } = (err ?? {}) as { status?: unknown; type?: unknown; message?: unknown };
  const clientStatus = typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
  if (clientStatus === undefined) return err; // a server-side failure: the error filter answers 500 and logs it
  const code = (typeof type === 'string' && codesByType[type]) || 'invalid_body';
  return httpError(clientStatus, code, typeof message === 'string' ? message : 'the request body could not be read');
}

const answeringClientErrors =
  (parser: Middleware): Middleware =>
  (req, res, next) =>
    parser(req, res, (err?: unknown) => next(err === undefined ? undefined : bodyError(err)));

/**
 * The request body parsers. The conversions webhook gets the exact bytes whatever the content type
 * (it verifies an HMAC over them and parses the JSON itself); every other route parses JSON.
 */
export const bodyParsers = {
  webhook: answeringClientErrors(raw({ type: () => true, limit: BODY_LIMIT })),
  json: answeringClientErrors(json({ limit: BODY_LIMIT })),
};
