import pg from 'pg';

import { provisionDatabase, runMigrations, urlFor } from '@mend/database';
import { installQueueSchema } from '@mend/queue';

export const BENCH_OWNER_PASSWORD = 'mend_owner_bench';
export const BENCH_APP_PASSWORD = 'mend_app_bench';

export interface BenchDatabase {
  name: string;
  ownerUrl: string;
  appUrl: string;
  /** Superuser on the benchmark database (bulk COPY, statistics). */
  adminDbUrl: string;
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** A dedicated database, provisioned and migrated exactly as production is (owner + RLS-bound app role). */
export async function createBenchDatabase(
  adminUrl: string,
  name: string,
  options: { fresh: boolean },
): Promise<BenchDatabase> {
  if (options.fresh) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  const urls = await provisionDatabase({
    adminUrl,
    database: name,
    ownerPassword: BENCH_OWNER_PASSWORD,
    appPassword: BENCH_APP_PASSWORD,
  });
  await runMigrations(urls.ownerUrl);
  await installQueueSchema(urls.ownerUrl, 'bullmq');
  const admin = new URL(adminUrl);
  return {
    name,
    ...urls,
    adminDbUrl: urlFor(adminUrl, admin.username || 'postgres', decodeURIComponent(admin.password), name),
  };
}
