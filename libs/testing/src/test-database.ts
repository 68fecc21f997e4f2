import { randomBytes } from 'node:crypto';

import pg from 'pg';

import { readTestSettings } from '@mend/config';
import { APP_ROLE, OWNER_ROLE, provisionDatabase, runMigrations, urlFor } from '@mend/database';
import { installQueueSchema } from '@mend/queue';

export const TEST_OWNER_PASSWORD = 'mend_owner_test';
export const TEST_APP_PASSWORD = 'mend_app_test';

export interface TestDatabase {
  name: string;
  appUrl: string;
  ownerUrl: string;
  adminUrl: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Builds the migrated template once per run (the first file to get here builds it under an
 * advisory lock), then clones it for the calling test file.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const settings = readTestSettings();
  const template = `mend_tpl_${settings.runId}`;
  // Random, not a counter: jest resets module state per file, and names must not repeat in a run.
  const name = `mend_t_${settings.runId}_${randomBytes(5).toString('hex')}`;
  const adminUrl = settings.adminDatabaseUrl;

  await withAdmin(adminUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock(727275)');
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (!exists.rowCount) {
        const urls = await provisionDatabase({
          adminUrl,
          database: template,
          ownerPassword: TEST_OWNER_PASSWORD,
          appPassword: TEST_APP_PASSWORD,
        });
        await runMigrations(urls.ownerUrl);
        await prepareTemplate(urls.ownerUrl);
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock(727275)');
    }
  });
  const urls = await provisionDatabase({
    adminUrl,
    database: name,
    template,
    ownerPassword: TEST_OWNER_PASSWORD,
    appPassword: TEST_APP_PASSWORD,
  });
  return {
    name,
    appUrl: urls.appUrl,
    ownerUrl: urls.ownerUrl,
    adminUrl: urlFor(
      adminUrl,
      new URL(adminUrl).username || 'postgres',
      decodeURIComponent(new URL(adminUrl).password),
      name,
    ),
    drop: () =>
      withAdmin(adminUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
      ),
  };
}

/** Extra one-off preparation of the template (queue schema), registered by libs that need it. */
const templateSteps: Array<(ownerUrl: string) => Promise<void>> = [];
export function addTemplateStep(step: (ownerUrl: string) => Promise<void>): void {
  templateSteps.push(step);
}
async function prepareTemplate(ownerUrl: string): Promise<void> {
  for (const step of templateSteps) await step(ownerUrl);
}

export { APP_ROLE, OWNER_ROLE };

// Test apps use the BullMQ PostgreSQL backend unless a test says otherwise; its schema is
// installed once into the template like any migration.
addTemplateStep((ownerUrl) => installQueueSchema(ownerUrl, 'bullmq'));
