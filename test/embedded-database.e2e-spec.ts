import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { migrations } from '../migrations';
import { DatabaseConfig } from '../src/config';
import { Database } from '../src/database';
import { spawnEntry, waitForExit } from './support/spawn-server';
import { startTestApp } from './support/test-app';

describe('server on the embedded database (PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'closer-pglite-'));
  const config: DatabaseConfig = { poolSize: 10, schema: 'public', embeddedDataDir: dataDir };

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves readiness on the embedded database and keeps its data across a restart', async () => {
    const first = await startTestApp(config);
    try {
      const res = await request(first.app.getHttpServer()).get('/health/ready').expect(200);
      expect(res.body.details.database).toEqual({ status: 'up', kind: 'embedded' });
      expect(first.db.appliedMigrations).toEqual(migrations.map((m) => m.name));
      await first.db.dataSource.query(`INSERT INTO chat_sessions (site_key) VALUES ('kept-across-restart')`);
    } finally {
      await first.app.close();
    }

    const second = await startTestApp(config);
    try {
      expect(second.db.appliedMigrations).toEqual([]);
      const rows = await second.db.dataSource.query(`SELECT site_key FROM chat_sessions`);
      expect(rows).toEqual([{ site_key: 'kept-across-restart' }]);
    } finally {
      await second.app.close();
    }
  });
});

describe('one owner per embedded data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'closer-owner-'));
  const config: DatabaseConfig = { poolSize: 10, schema: 'public', embeddedDataDir: join(dataDir, 'pglite') };
  /** A process of the command line or the server on this DATA_DIR, as an operator would run it. */
  const run = (entry: string, args: string[]) => waitForExit(spawnEntry(entry, args, { DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0' }), 60_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a key created by the CLI while the server runs works at once; a second server is refused in one line; CLI and server writes both survive a restart', async () => {
    const server = await startTestApp(config);
    try {
      const created = await run('src/cli/index.ts', ['admin-key', 'create', '--role', 'admin', '--name', 'while-running']);
      expect(created.code).toBe(0);
      const { key } = JSON.parse(created.stdout);
      await request(server.app.getHttpServer()).get('/api/v1/admin/me').set('authorization', `Bearer ${key}`).expect(200, { name: 'while-running', role: 'admin' });
      await server.db.dataSource.query(`INSERT INTO chat_sessions (site_key) VALUES ('written-by-the-server')`);

      const second = await run('src/main.ts', []);
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toMatch(/^closer: the embedded database in .*pglite is in use by another Closer process \(pid \d+, since .*\): stop it, or set DATA_DIR to another folder/);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await server.app.close();
    }

    // The server is gone: the command line opens the directory itself, and everything written is there.
    const reopened = await Database.open(config);
    try {
      expect(await reopened.dataSource.query(`SELECT name FROM api_keys`)).toEqual([{ name: 'while-running' }]);
      expect(await reopened.dataSource.query(`SELECT site_key FROM chat_sessions`)).toEqual([{ site_key: 'written-by-the-server' }]);
    } finally {
      await reopened.close();
    }
  }, 120_000);
});
