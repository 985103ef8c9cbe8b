import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';
import { createDataSource } from './data-source';
import { EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';

/** An open, migrated database: the TypeORM DataSource plus the embedded server if we started one. */
export class Database {
  private closed = false;

  private constructor(
    readonly dataSource: DataSource,
    readonly embedded: EmbeddedPostgres | undefined,
    /** Names of the migrations this open applied (empty when the schema was current). */
    readonly appliedMigrations: string[],
  ) {}

  get kind(): 'embedded' | 'external' {
    return this.embedded ? 'embedded' : 'external';
  }

  /**
   * Connects (starting PGlite when no URL is configured) and applies pending migrations unless
   * told not to. Never `synchronize`: the schema is whatever the migrations say.
   */
  static async open(config: DatabaseConfig, { runMigrations = true } = {}): Promise<Database> {
    const embedded = config.url ? undefined : await startEmbeddedPostgres(config.embeddedDataDir);
    const dataSource = createDataSource({
      url: embedded?.url ?? (config.url as string),
      poolSize: embedded ? 1 : config.poolSize,
      schema: config.schema,
    });
    let applied: string[] = [];
    try {
      await dataSource.initialize();
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"`);
      if (runMigrations) applied = (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
    } catch (err) {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
      throw err;
    }
    return new Database(dataSource, embedded, applied);
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}
