import { DataSource } from 'typeorm';

import { dataSourceOptions } from './data-source-options.js';

export interface MigrateResult {
  applied: string[];
}

/** Runs pending migrations as the table owner, each in its own transaction. */
export async function runMigrations(ownerUrl: string): Promise<MigrateResult> {
  const ds = new DataSource({
    ...dataSourceOptions(ownerUrl, {
      database: {
        url: ownerUrl,
        ownerUrl,
        poolSize: 2,
        statementTimeoutMs: 600000,
        connectTimeoutMs: 30000,
        preparedStatements: false,
      },
    }),
  });
  await ds.initialize();
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    return { applied: done.map((m) => m.name) };
  } finally {
    await ds.destroy();
  }
}
