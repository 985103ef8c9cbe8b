import { DataSource } from 'typeorm';
import { loadConfig } from '../config';
import { Database } from '../database';

/** Opens the configured database (embedded unless DATABASE_URL; a running server's, through it, when it holds the data directory), runs one action on it, closes it whatever happens. */
export async function withDatabase<T>(action: (db: DataSource) => Promise<T>): Promise<T> {
  const database = await Database.open(loadConfig().database, { shareEmbedded: true });
  try {
    return await action(database.dataSource);
  } finally {
    await database.close();
  }
}
