import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Integrations: signed webhooks out (endpoints, events, deliveries and their attempts),
 * scheduling tools in (Cal.com and Calendly integrations, the events they sent, and which of
 * their bookings is which Mend session), and secret calendar feed URLs.
 *
 * Signing secrets (outbound endpoints, inbound integrations) are stored as given: they must be
 * read to sign or verify, so they cannot be hashed; they are never returned after creation.
 * Feed and inbound webhook URL tokens are secrets too, and only their SHA-256 is stored.
 */
export class CreateIntegrations1764345600000 implements MigrationInterface {
  name = 'CreateIntegrations1764345600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoint (
        clinic_id        uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id               uuid NOT NULL,
        url              text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2000),
        description      text CHECK (char_length(description) <= 200),
        events           text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
        secret           text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/=]{20,100}$'),
        disabled_at      timestamptz,
        disabled_reason  text CHECK (disabled_reason IN ('gone')),
        created_by       uuid,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT webhook_endpoint_disabled_check CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
      )`);
    await q.query(
      `CREATE INDEX webhook_endpoint_active_idx ON webhook_endpoint (clinic_id, id) WHERE disabled_at IS NULL`,
    );

    // A domain event as announced (announceEvent), stored once whatever the number of endpoints.
    await q.query(`
      CREATE TABLE webhook_event (
        clinic_id    uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id           uuid NOT NULL,
        type         text NOT NULL CHECK (char_length(type) BETWEEN 1 AND 100),
        data         jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
        dedupe_key   text CHECK (char_length(dedupe_key) BETWEEN 1 AND 300),
        occurred_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT webhook_event_dedupe_key UNIQUE (clinic_id, dedupe_key)
      )`);
    await q.query(`COMMENT ON COLUMN webhook_event.data IS 'Ids only (the thin webhook body): never clinical content'`);

    await q.query(`
      CREATE TABLE webhook_delivery (
        clinic_id         uuid NOT NULL,
        id                uuid NOT NULL,
        endpoint_id       uuid NOT NULL,
        event_id          uuid NOT NULL,
        state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
        attempt_count     integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
        next_attempt_at   timestamptz,
        retry_started_at  timestamptz NOT NULL DEFAULT now(),
        claimed_at        timestamptz,
        delivered_at      timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT webhook_delivery_event_key UNIQUE (clinic_id, endpoint_id, event_id),
        CONSTRAINT webhook_delivery_endpoint_fk FOREIGN KEY (clinic_id, endpoint_id) REFERENCES webhook_endpoint (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT webhook_delivery_event_fk FOREIGN KEY (clinic_id, event_id) REFERENCES webhook_event (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (clinic_id, endpoint_id, id DESC)`);
    await q.query(`CREATE INDEX webhook_delivery_event_idx ON webhook_delivery (clinic_id, event_id)`);
    await q.query(
      `COMMENT ON COLUMN webhook_delivery.claimed_at IS 'When a worker claimed the current attempt (a lease: a claim older than the lease may be taken again after a crash)'`,
    );

    await q.query(`
      CREATE TABLE webhook_delivery_attempt (
        clinic_id     uuid NOT NULL,
        delivery_id   uuid NOT NULL,
        attempt       integer NOT NULL CHECK (attempt >= 1),
        started_at    timestamptz NOT NULL,
        duration_ms   integer NOT NULL CHECK (duration_ms >= 0),
        status_code   integer CHECK (status_code BETWEEN 100 AND 599),
        error         text CHECK (char_length(error) <= 100),
        PRIMARY KEY (clinic_id, delivery_id, attempt),
        CONSTRAINT webhook_delivery_attempt_delivery_fk FOREIGN KEY (clinic_id, delivery_id) REFERENCES webhook_delivery (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `COMMENT ON COLUMN webhook_delivery_attempt.error IS 'An error class only (timeout, connection_refused, forbidden_address…): never a response body'`,
    );

    await q.query(`
      CREATE TABLE integration (
        clinic_id       uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id              uuid NOT NULL,
        provider        text NOT NULL CHECK (provider IN ('calcom', 'calendly')),
        name            text CHECK (char_length(name) <= 100),
        signing_secret  text NOT NULL CHECK (char_length(signing_secret) BETWEEN 8 AND 500),
        token_hash      text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        revoked_at      timestamptz,
        created_by      uuid,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT integration_token_hash_key UNIQUE (clinic_id, token_hash)
      )`);

    // What a scheduling tool sent, verified; unique per (integration, event id or payload hash),
    // so a redelivery is a no-op. `booking` holds only what Mend uses (booking ids, times,
    // attendee emails), never the provider's free text (titles, notes, answers).
    await q.query(`
      CREATE TABLE integration_event (
        clinic_id       uuid NOT NULL,
        id              uuid NOT NULL,
        integration_id  uuid NOT NULL,
        dedupe_key      text NOT NULL CHECK (char_length(dedupe_key) BETWEEN 1 AND 300),
        event_type      text NOT NULL CHECK (char_length(event_type) BETWEEN 1 AND 100),
        booking         jsonb,
        state           text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'processed', 'ignored', 'unmatched')),
        outcome         text CHECK (char_length(outcome) <= 100),
        session_id      uuid,
        received_at     timestamptz NOT NULL DEFAULT now(),
        processed_at    timestamptz,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT integration_event_dedupe_key UNIQUE (clinic_id, integration_id, dedupe_key),
        CONSTRAINT integration_event_integration_fk FOREIGN KEY (clinic_id, integration_id) REFERENCES integration (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX integration_event_time_idx ON integration_event (clinic_id, integration_id, received_at)`,
    );

    // Which provider booking reference is which session. A reschedule gives a booking a new
    // reference (Cal.com uid, Calendly invitee): both point at the one session, the old one marked
    // rescheduled so its late cancellation or creation cannot touch the session. A cancellation of
    // an unknown booking leaves a tombstone (no session) so a late creation does not resurrect it.
    await q.query(`
      CREATE TABLE integration_booking (
        clinic_id       uuid NOT NULL,
        integration_id  uuid NOT NULL,
        ref             text NOT NULL CHECK (char_length(ref) BETWEEN 1 AND 300),
        session_id      uuid,
        state           text NOT NULL CHECK (state IN ('active', 'rescheduled', 'cancelled')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, integration_id, ref),
        CONSTRAINT integration_booking_integration_fk FOREIGN KEY (clinic_id, integration_id) REFERENCES integration (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT integration_booking_session_fk FOREIGN KEY (clinic_id, session_id) REFERENCES therapy_session (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX integration_booking_session_idx ON integration_booking (clinic_id, session_id) WHERE session_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE calendar_feed (
        clinic_id    uuid NOT NULL,
        id           uuid NOT NULL,
        user_id      uuid NOT NULL,
        token_hash   text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        revoked_at   timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT calendar_feed_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT calendar_feed_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX calendar_feed_user_idx ON calendar_feed (clinic_id, user_id, id)`);

    // The occurrence.missed scan reads occurrences by closing time.
    await q.query(`CREATE INDEX occurrence_closes_idx ON occurrence (clinic_id, closes_at)`);

    const tables = [
      'webhook_endpoint',
      'webhook_event',
      'webhook_delivery',
      'webhook_delivery_attempt',
      'integration',
      'integration_event',
      'integration_booking',
      'calendar_feed',
    ];
    for (const table of tables) await enableTenantIsolation(q, table);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables.join(', ')} TO mend_app`);

    // The worker's periodic scans: which clinics have an active endpoint listening to an event
    // type. Runs as the owner, returns ids only.
    await q.query(`
      CREATE FUNCTION mend_webhook_listening_clinics(p_type text) RETURNS SETOF uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT DISTINCT e.clinic_id FROM webhook_endpoint e WHERE e.disabled_at IS NULL AND p_type = ANY (e.events) ORDER BY 1 $$`);
    await q.query(`REVOKE ALL ON FUNCTION mend_webhook_listening_clinics(text) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION mend_webhook_listening_clinics(text) TO mend_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS mend_webhook_listening_clinics(text)`);
    await q.query(`DROP INDEX IF EXISTS occurrence_closes_idx`);
    await q.query(
      `DROP TABLE IF EXISTS calendar_feed, integration_booking, integration_event, integration, webhook_delivery_attempt, webhook_delivery, webhook_event, webhook_endpoint`,
    );
  }
}
