import { existsSync } from 'node:fs';
import request from 'supertest';
import { Client } from 'pg';
import { freePort } from './support/private-postgres';
import { startTestApp } from './support/test-app';

/** A TCP connection to 127.0.0.1:port is accepted. */
async function accepts(port: number): Promise<boolean> {
  const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `npm test` on a machine with no Postgres: the jest global setup, run as jest runs it (same
 * environment variables, same process), with DATABASE_URL unset and the machine's Postgres
 * pointed at a port nothing listens on.
 */
describe('jest global setup on a machine without Postgres', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, TEST_MACHINE_DATABASE_URL: process.env.TEST_MACHINE_DATABASE_URL };
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('starts a real Postgres the app migrates and serves on, and the teardown stops and deletes it', async () => {
    const closed = await freePort();
    delete process.env.DATABASE_URL;
    process.env.TEST_MACHINE_DATABASE_URL = `postgres://postgres@127.0.0.1:${closed}/test`;
    let setup!: () => Promise<void>;
    let teardown!: () => Promise<void>;
    let holderKey!: symbol;
    // Fresh modules: test-database.ts reads the variables when it loads.
    jest.isolateModules(() => {
      ({ default: setup, PRIVATE_POSTGRES: holderKey } = require('./support/global-setup'));
      ({ default: teardown } = require('./support/global-teardown'));
    });

    await setup();
    const holder = globalThis as unknown as Record<symbol, { port: number; dir: string } | undefined>;
    try {
      const url = process.env.DATABASE_URL;
      expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
      const port = Number(new URL(url!).port);
      expect(port).not.toBe(closed);
      expect(holder[holderKey]?.port).toBe(port);

      // Real Postgres (not PGlite): the server reports its version, and the app migrates and serves on it.
      const client = new Client({ connectionString: url });
      await client.connect();
      const [{ server_version_num }] = (await client.query('SHOW server_version_num')).rows;
      await client.end();
      expect(Number(server_version_num)).toBeGreaterThanOrEqual(150000);

      const { app } = await startTestApp({ url, poolSize: 2, schema: 't_private_pg', embeddedDataDir: '' });
      try {
        const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
        expect(ready.body.details.database).toEqual({ status: 'up', kind: 'external' });
      } finally {
        await app.close();
      }
    } finally {
      const started = holder[holderKey];
      await teardown();
      expect(holder[holderKey]).toBeUndefined();
      expect(process.env.DATABASE_URL).toBeUndefined();
      expect(await accepts(started!.port)).toBe(false);
      expect(existsSync(started!.dir)).toBe(false);
    }
  });

  it('leaves DATABASE_URL alone when it is set, and the machine Postgres when one listens', async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/set-by-ci';
    let setup!: () => Promise<void>;
    jest.isolateModules(() => ({ default: setup } = require('./support/global-setup')));
    await setup();
    expect(process.env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:1/set-by-ci');

    // The test run's own database stands in for "the machine's Postgres".
    delete process.env.DATABASE_URL;
    process.env.TEST_MACHINE_DATABASE_URL = saved.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    jest.isolateModules(() => ({ default: setup } = require('./support/global-setup')));
    await setup();
    expect(process.env.DATABASE_URL).toBeUndefined();
  });
});
