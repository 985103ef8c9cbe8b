import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { entities } from './entities';
import { StatementCounter } from './statement-counter';

export interface DataSourceSettings {
  url: string;
  poolSize: number;
  schema: string;
}

export function createDataSource({ url, poolSize, schema }: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema,
    entities,
    migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    logger: new StatementCounter(),
    poolSize,
    // Unqualified names in migrations and raw SQL resolve to Closer's schema.
    extra: {
      ...(schema === 'public' ? {} : { options: `-c search_path=${schema}` }),
      connectionTimeoutMillis: 5000,
    },
  });
}
