import type { IncomingMessage, ServerResponse } from 'node:http';

type Level = 'info' | 'warn' | 'error';

/**
 * The level of a request's log line: a server failure (5xx) is an `error`; a client's mistake
 * (4xx, a bad or aborted body) is a `warn`.
 */
export function requestLogLevel(_req: IncomingMessage, res: ServerResponse, err?: Error): Level {
  if (res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 || err ? 'warn' : 'info';
}

/** A client error's log line names the error without its stack: the stack is the server's, not the mistake. */
export function requestErrorObject(_req: IncomingMessage, res: ServerResponse, err: Error, line: Record<string, unknown>): Record<string, unknown> {
  return res.statusCode >= 500 ? line : { ...line, err: { type: err.name, message: err.message } };
}
