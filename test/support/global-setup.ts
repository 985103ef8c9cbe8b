import { connect } from 'node:net';
import { PrivatePostgres, startPrivatePostgres } from './private-postgres';
import { machineDatabaseUrl } from './test-database';

/** Set by the global setup when it started a Postgres, for the global teardown (same process). */
export const PRIVATE_POSTGRES = Symbol.for('closer.test.privatePostgres');
type WithPrivatePostgres = typeof globalThis & { [PRIVATE_POSTGRES]?: PrivatePostgres };

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * `npm test` on any machine: with DATABASE_URL unset and no Postgres listening where the machine's
 * would be, a private real Postgres (test/support/private-postgres.ts) serves the run, and
 * DATABASE_URL (inherited by the test workers) points at it. Otherwise nothing changes.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const { hostname, port } = new URL(machineDatabaseUrl);
  if (await listening(hostname, Number(port || 5432))) return;
  // Throw-away data: durability settings off make the many per-file schemas and migrations quick.
  const postgres = await startPrivatePostgres({ settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  process.env.DATABASE_URL = postgres.url;
  (globalThis as WithPrivatePostgres)[PRIVATE_POSTGRES] = postgres;
  process.stderr.write(`\nno Postgres at ${hostname}:${port || 5432} and DATABASE_URL unset: tests run on a private Postgres at ${postgres.url}\n`);
}
