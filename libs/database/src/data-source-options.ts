import type { DataSourceOptions } from 'typeorm';

import type { AppConfig } from '@mend/config';

import { migrations } from '../../../migrations/index.js';
import { PREPARED_STATEMENTS_OPTION } from './prepared-query.js';

export const MIGRATIONS_TABLE = 'typeorm_migrations';

/** Options shared by the app (as the RLS-bound role) and the migration CLI (as the owner). */
export function dataSourceOptions(
  url: string,
  config: Pick<AppConfig, 'database'>,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: config.database.poolSize,
      statement_timeout: config.database.statementTimeoutMs,
      connectionTimeoutMillis: config.database.connectTimeoutMs,
      application_name: 'mend',
      [PREPARED_STATEMENTS_OPTION]: config.database.preparedStatements,
    },
  };
}
