import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/bootstrap';
import { AppConfig, DatabaseConfig, loadConfig } from '../../src/config';
import { Database } from '../../src/database';

/** The real application on the given database, quiet logs, not listening (supertest binds it). */
export async function startTestApp(database: DatabaseConfig): Promise<{ app: INestApplication; db: Database; config: AppConfig }> {
  const config: AppConfig = { ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), database };
  const db = await Database.open(database);
  const app = await createApp({ config, database: db });
  await app.init();
  return { app, db, config };
}
