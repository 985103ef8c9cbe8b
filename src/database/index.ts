export { Database } from './database';
export { DatabaseModule } from './database.module';
export { createDataSource } from './data-source';
export { startEmbeddedPostgres, EmbeddedPostgres } from './embedded-postgres';
export { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from './unavailable';
export { DataDirInUseError } from './data-dir-lock';
