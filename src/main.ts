import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createApp } from './bootstrap';
import { AppConfig, loadConfig } from './config';
import { Database } from './database';
import { describeStartupError } from './startup-error';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig | undefined;
  let database: Database | undefined;
  try {
    config = loadConfig();
    database = await Database.open(config.database);
    const app = await createApp({ config, database });
    await app.listen(config.http.port, config.http.host);
  } catch (err) {
    await database?.close().catch(() => undefined);
    process.stderr.write(
      `closer: ${describeStartupError(err, { databaseUrl: config?.database.url, http: config?.http })}\n`,
    );
    process.exit(1);
  }
}

void main();
