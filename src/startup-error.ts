import { ConfigError } from './config/app-config';
import { DataDirInUseError } from './database/data-dir-lock';

interface Listening {
  host: string;
  port: number;
}

const unreachable = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One line that says what is wrong with start-up, for the operator reading the terminal.
 * Never includes credentials (a DATABASE_URL is shown without its password).
 */
export function describeStartupError(err: unknown, context: { databaseUrl?: string; http?: Listening }): string {
  if (err instanceof ConfigError || err instanceof DataDirInUseError) return err.message;
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const where = context.databaseUrl ? redactUrl(context.databaseUrl) : 'the embedded database';
  if (e?.code === 'EADDRINUSE' && e.syscall === 'listen' && context.http && e.port === context.http.port) {
    return `port ${context.http.port} on ${context.http.host} is already in use: stop the other process or set PORT`;
  }
  if (e?.code && unreachable.has(e.code)) {
    return `cannot reach the database at ${where} (${e.code}): is it running? check DATABASE_URL`;
  }
  if (/timeout/i.test(e?.message ?? '') && /connect/i.test(e?.message ?? '')) {
    return `cannot reach the database at ${where} (connection timed out): check DATABASE_URL`;
  }
  // Postgres SQLSTATE classes 28 (authorization) and 3D (no such database) come with a clear message.
  if (typeof e?.code === 'string' && /^(28|3D)/.test(e.code)) {
    return `the database at ${where} refused the connection: ${e.message}`;
  }
  return `start-up failed: ${e?.message ?? String(err)}`;
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
