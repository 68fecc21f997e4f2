import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints a clinic can run: signing-secret rotation with an overlap (the secret it
 * replaced keeps signing, next to the new one, until `previous_secret_expires_at`, so a receiver
 * can switch secrets without losing a delivery), and a second reason an endpoint is disabled:
 * `failing`, when a delivery exhausted its retries and nothing reached the endpoint in that time.
 * The delivery log is filtered by state and purged by age, hence the indexes.
 */
export class AddWebhookEndpointManagement1764830000000 implements MigrationInterface {
  name = 'AddWebhookEndpointManagement1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_endpoint
        ADD COLUMN previous_secret text CHECK (previous_secret ~ '^whsec_[A-Za-z0-9+/=]{20,100}$'),
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD CONSTRAINT webhook_endpoint_previous_secret_pair_check CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))`);
    await q.query(`ALTER TABLE webhook_endpoint DROP CONSTRAINT webhook_endpoint_disabled_reason_check`);
    await q.query(
      `ALTER TABLE webhook_endpoint ADD CONSTRAINT webhook_endpoint_disabled_reason_check CHECK (disabled_reason IN ('gone', 'failing'))`,
    );
    await q.query(
      `CREATE INDEX webhook_delivery_endpoint_state_idx ON webhook_delivery (clinic_id, endpoint_id, state, id DESC)`,
    );
    await q.query(`CREATE INDEX webhook_delivery_updated_idx ON webhook_delivery (clinic_id, updated_at)`);
    await q.query(`CREATE INDEX webhook_event_occurred_idx ON webhook_event (clinic_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS webhook_event_occurred_idx`);
    await q.query(`DROP INDEX IF EXISTS webhook_delivery_updated_idx`);
    await q.query(`DROP INDEX IF EXISTS webhook_delivery_endpoint_state_idx`);
    await q.query(`UPDATE webhook_endpoint SET disabled_reason = 'gone' WHERE disabled_reason = 'failing'`);
    await q.query(`ALTER TABLE webhook_endpoint DROP CONSTRAINT webhook_endpoint_disabled_reason_check`);
    await q.query(
      `ALTER TABLE webhook_endpoint ADD CONSTRAINT webhook_endpoint_disabled_reason_check CHECK (disabled_reason IN ('gone'))`,
    );
    await q.query(
      `ALTER TABLE webhook_endpoint DROP CONSTRAINT webhook_endpoint_previous_secret_pair_check, DROP COLUMN previous_secret_expires_at, DROP COLUMN previous_secret`,
    );
  }
}
