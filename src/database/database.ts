import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';
import { createDataSource } from './data-source';
import { DataDirInUseError, lockPath, readOwner } from './data-dir-lock';
import { EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';

/** How long a process sharing the embedded database waits for its owner to publish where it serves it. */
const OWNER_STARTING_MS = 15_000;

/** An open, migrated database: the TypeORM DataSource plus the embedded server if we started one. */
export class Database {
  private closed = false;

  private constructor(
    readonly dataSource: DataSource,
    /** The embedded server this process started (undefined when it shares another process's, or uses DATABASE_URL). */
    readonly embedded: EmbeddedPostgres | undefined,
    /** True when the database is another process's embedded one, reached through its loopback socket. */
    private readonly shared: boolean,
    /** Names of the migrations this open applied (empty when the schema was current). */
    readonly appliedMigrations: string[],
  ) {}

  get kind(): 'embedded' | 'external' {
    return this.embedded || this.shared ? 'embedded' : 'external';
  }

  /**
   * Connects (starting PGlite when no URL is configured) and applies pending migrations unless
   * told not to. Never `synchronize`: the schema is whatever the migrations say. `shareEmbedded`
   * (command-line tools): when another process (a running server) holds the embedded database,
   * connect to it through that process instead of refusing, so what the tool writes is what the
   * server reads at once. A server never shares: a second one on the same DATA_DIR is refused.
   */
  static async open(config: DatabaseConfig, { runMigrations = true, shareEmbedded = false } = {}): Promise<Database> {
    let embedded: EmbeddedPostgres | undefined;
    let url = config.url;
    if (!url) {
      try {
        embedded = await startEmbeddedPostgres(config.embeddedDataDir);
        url = embedded.url;
      } catch (err) {
        if (!(err instanceof DataDirInUseError) || !shareEmbedded) throw err;
        url = await ownerUrl(err);
      }
    }
    const dataSource = createDataSource({
      url,
      poolSize: config.url ? config.poolSize : 1,
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
    return new Database(dataSource, embedded, !config.url && !embedded, applied);
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

/** The URL the owner of the data directory serves it on, once it has published it. */
async function ownerUrl(inUse: DataDirInUseError): Promise<string> {
  for (const deadline = Date.now() + OWNER_STARTING_MS; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const url = readOwner(lockPath(inUse.dataDir))?.url;
    if (url) return url;
  }
  throw inUse;
}
