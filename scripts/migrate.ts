/**
 * `npm run migrate`: applies pending migrations as the table owner (DATABASE_OWNER_URL) and,
 * when the queue runs on PostgreSQL (no REDIS_URL), installs BullMQ's PostgreSQL schema.
 * The API and worker never migrate: they connect as the RLS-bound role, which cannot.
 */
import { readLauncherSettings } from '@mend/config';
import { runMigrations } from '@mend/database';
import { installQueueSchema } from '@mend/queue';

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function main(): Promise<number> {
  const settings = readLauncherSettings();
  let url = settings.databaseOwnerUrl;
  if (!url) {
    if (!settings.databaseUrl) {
      console.error(
        'Neither DATABASE_OWNER_URL nor DATABASE_URL is set.\n' +
          '  Set DATABASE_OWNER_URL to the role that owns the tables (mend_owner), e.g.\n' +
          '  DATABASE_OWNER_URL=postgres://mend_owner:password@localhost:5432/mend npm run migrate\n' +
          '  (`npm start` with no DATABASE_URL migrates its embedded database by itself.)',
      );
      return 1;
    }
    url = settings.databaseUrl;
    console.warn(
      'DATABASE_OWNER_URL is not set: running migrations as DATABASE_URL instead.\n' +
        '  That only works if this role owns the schema. In the two-role setup the app role (mend_app)\n' +
        '  cannot create tables: set DATABASE_OWNER_URL to the owner role (mend_owner).',
    );
  }

  console.log(`Migrating ${redact(url)}`);
  const { applied } = await runMigrations(url);
  if (applied.length === 0) console.log('  schema is up to date (no pending migrations)');
  for (const name of applied) console.log(`  applied ${name}`);

  if (settings.queueBackend === 'postgres') {
    await installQueueSchema(url, settings.queuePostgresSchema);
    console.log(
      `  BullMQ PostgreSQL schema "${settings.queuePostgresSchema}" is installed (queue backend: postgres, no REDIS_URL)`,
    );
  } else {
    console.log('  queue backend is Redis: no queue schema to install');
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`Migration failed: ${message}`);
    process.exit(1);
  },
);
