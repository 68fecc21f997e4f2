import { createHash } from 'node:crypto';

import { quoteSchemaName, runMigrations as runBullMigrations } from 'bullmq';
import pg from 'pg';

import { APP_ROLE } from '@mend/database';

import { ALL_QUEUES } from './queue.registry.js';

/**
 * Installs (or upgrades) BullMQ's PostgreSQL schema as the owner role and lets the app role use
 * it without CREATE. Idempotent: run it with the migrations on every deploy/start.
 *
 * BullMQ creates a per-queue id sequence on a queue's first add without an explicit id; that is
 * DDL the app role may not run, so the sequences of every registry queue are created here
 * (BullMQ skips the DDL when the sequence exists). A new queue therefore needs this step re-run.
 */
export async function installQueueSchema(ownerUrl: string, schema: string): Promise<void> {
  const quoted = quoteSchemaName(schema);
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'mend-queue-migrate' });
  await client.connect();
  try {
    await runBullMigrations(client, schema);
    await client.query('BEGIN');
    for (const queue of ALL_QUEUES) {
      // Mirrors BullMQ's job_id_seq_name(queue): 'bullmq_jid_' || md5(queue).
      const sequence = `bullmq_jid_${createHash('md5').update(queue).digest('hex')}`;
      await client.query(`CREATE SEQUENCE IF NOT EXISTS ${quoted}."${sequence}"`);
    }
    const app = `"${APP_ROLE}"`;
    await client.query(`REVOKE CREATE ON SCHEMA ${quoted} FROM PUBLIC`);
    await client.query(`GRANT USAGE ON SCHEMA ${quoted} TO ${app}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${quoted} TO ${app}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${quoted} TO ${app}`);
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${quoted} TO ${app}`);
    // Objects a later BullMQ upgrade creates (run by this same owner role) are usable at once.
    await client.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoted} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
    );
    await client.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoted} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${app}`,
    );
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoted} GRANT EXECUTE ON FUNCTIONS TO ${app}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoted} GRANT USAGE ON TYPES TO ${app}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
