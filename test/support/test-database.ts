import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DatabaseConfig } from '../../src/config';

/**
 * The machine's Postgres, used when DATABASE_URL is unset (CI's and developers' default);
 * TEST_MACHINE_DATABASE_URL points it elsewhere. With nothing listening there, the jest global
 * setup starts a private Postgres for the run and sets DATABASE_URL (test/support/global-setup.ts).
 */
export const machineDatabaseUrl = process.env.TEST_MACHINE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The real Postgres the e2e tests run against. */
export const testDatabaseUrl = process.env.DATABASE_URL ?? machineDatabaseUrl;

/** A throw-away schema per test file, so parallel and repeated runs never collide. */
export function testSchemaConfig(label: string): DatabaseConfig {
  return {
    url: testDatabaseUrl,
    poolSize: 4,
    schema: `t_${label}_${randomBytes(4).toString('hex')}`,
    embeddedDataDir: '',
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
