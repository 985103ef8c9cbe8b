import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { migrations } from '../migrations';
import { DatabaseConfig } from '../src/config';
import { Database } from '../src/database';
import { freePort, spawnEntry, waitForExit, waitForHttp } from './support/spawn-server';
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

describe('TRAINING_WORKER=spawn on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'closer-spawned-worker-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the server’s worker process reaches the database through the server and claims a queued run', async () => {
    const port = await freePort();
    const server = spawnEntry('src/main.ts', [], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', TRAINING_WORKER: 'spawn', LOG_LEVEL: 'silent' });
    const exited = waitForExit(server, 120_000);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000);
      const shared = await Database.open({ poolSize: 1, schema: 'public', embeddedDataDir: join(dataDir, 'pglite') }, { shareEmbedded: true });
      try {
        // A run whose settings no worker accepts: the worker claims it and fails it at once (no training needed to see it got there).
        const [run] = await shared.dataSource.query(`INSERT INTO training_runs (run_key, trigger, estimator, config, status, max_attempts) VALUES ('spawned-worker', 'cli', 'hian', '{"steps": "many"}', 'queued', 1) RETURNING id`);
        let row: { status: string; worker_id: string | null; error: string | null } | undefined;
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
          [row] = await shared.dataSource.query(`SELECT status, worker_id, error FROM training_runs WHERE id = $1`, [run.id]);
          if (row?.status === 'failed') break;
        }
        expect(row).toMatchObject({ status: 'failed', error: expect.stringMatching(/steps/) });
      } finally {
        await shared.close();
      }
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  }, 150_000);
});
