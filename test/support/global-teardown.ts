import { PRIVATE_POSTGRES } from './global-setup';
import { PrivatePostgres } from './private-postgres';

/** Stops and deletes the private Postgres the global setup started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as typeof globalThis & { [PRIVATE_POSTGRES]?: PrivatePostgres };
  const postgres = holder[PRIVATE_POSTGRES];
  if (!postgres) return;
  delete holder[PRIVATE_POSTGRES];
  delete process.env.DATABASE_URL;
  await postgres.destroy();
}
