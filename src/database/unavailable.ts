/** Socket errors and Postgres SQLSTATEs (class 08: connection exception; 57P01-03: shutting down, crashed, starting up; 53300: too many connections) that mean the database cannot be reached right now. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/** node-postgres reports a dropped connection, and a connect that timed out, by message only. */
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

const RELEASED_RUNNER = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

/**
 * The database is down, restarting or unreachable (as opposed to a failing query): the request may
 * succeed if retried shortly, and the pool reconnects by itself once the server is back. Looks
 * through TypeORM's QueryFailedError (`driverError`) and `cause` chains.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (UNAVAILABLE_MESSAGE.test(err.message)) return true;
  // TypeORM releases a transaction's connection when the server drops it; the transaction's next query fails so.
  if (RELEASED_RUNNER.has(err.name)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable((err as { driverError?: unknown }).driverError, depth + 1) || isDatabaseUnavailable(err.cause, depth + 1);
}

/** What a client is told when the database is unavailable: a retryable code, not `internal`. */
export const DATABASE_UNAVAILABLE = { code: 'unavailable', message: 'the service is briefly unavailable; retry shortly' } as const;
