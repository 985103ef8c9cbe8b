import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { migrations } from '../migrations';
import { DatabaseConfig } from '../src/config';
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
