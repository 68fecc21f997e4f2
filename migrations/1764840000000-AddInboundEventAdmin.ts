import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Inbound scheduling events a clinic can run:
 * - signing-secret rotation with an overlap: Cal.com and Calendly send one signature, so while
 *   the admin pastes the new secret into the tool, events signed with the previous one are still
 *   accepted until `previous_secret_expires_at`;
 * - an event's redeliveries are counted (the tool retried; nothing was applied twice) and a
 *   reprocess by an admin is recorded;
 * - received_at is indexed per clinic for the retention purge;
 * - per-partner attendance of a session, as the scheduling tool reports it (one Calendly invitee
 *   cancelled while the event stays on; a partner marked as a no-show).
 */
export class AddInboundEventAdmin1764840000000 implements MigrationInterface {
  name = 'AddInboundEventAdmin1764840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE integration
        ADD COLUMN previous_signing_secret text CHECK (char_length(previous_signing_secret) BETWEEN 8 AND 500),
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD COLUMN secret_rotated_at timestamptz,
        ADD CONSTRAINT integration_previous_secret_check
          CHECK ((previous_signing_secret IS NULL) = (previous_secret_expires_at IS NULL))`);
    await q.query(`
      ALTER TABLE integration_event
        ADD COLUMN redelivery_count integer NOT NULL DEFAULT 0 CHECK (redelivery_count >= 0),
        ADD COLUMN last_received_at timestamptz,
        ADD COLUMN reprocessed_at timestamptz,
        ADD COLUMN reprocess_count integer NOT NULL DEFAULT 0 CHECK (reprocess_count >= 0)`);
    // `duplicate`: applied, but the session already was as the event says (a repeat, not a redelivery).
    await q.query(`ALTER TABLE integration_event DROP CONSTRAINT integration_event_state_check`);
    await q.query(
      `ALTER TABLE integration_event ADD CONSTRAINT integration_event_state_check CHECK (state IN ('received', 'processed', 'duplicate', 'ignored', 'unmatched'))`,
    );
    await q.query(`CREATE INDEX integration_event_received_idx ON integration_event (clinic_id, received_at)`);
    await q.query(`CREATE INDEX integration_event_list_idx ON integration_event (clinic_id, id)`);

    await q.query(`
      CREATE TABLE session_attendance (
        clinic_id   uuid NOT NULL,
        session_id  uuid NOT NULL,
        partner_id  uuid NOT NULL,
        state       text NOT NULL CHECK (state IN ('cancelled', 'no_show')),
        source      text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 40),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, session_id, partner_id),
        CONSTRAINT session_attendance_session_fk FOREIGN KEY (clinic_id, session_id) REFERENCES therapy_session (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT session_attendance_partner_fk FOREIGN KEY (clinic_id, partner_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `COMMENT ON TABLE session_attendance IS 'A partner who will not attend (cancelled) or did not attend (no_show), as a scheduling tool reported it; no row: attending'`,
    );
    await q.query(`CREATE INDEX session_attendance_partner_idx ON session_attendance (clinic_id, partner_id)`);
    await enableTenantIsolation(q, 'session_attendance');
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON session_attendance TO mend_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE session_attendance`);
    await q.query(`DROP INDEX integration_event_list_idx`);
    await q.query(`DROP INDEX integration_event_received_idx`);
    await q.query(`ALTER TABLE integration_event DROP CONSTRAINT integration_event_state_check`);
    await q.query(`UPDATE integration_event SET state = 'processed' WHERE state = 'duplicate'`);
    await q.query(
      `ALTER TABLE integration_event ADD CONSTRAINT integration_event_state_check CHECK (state IN ('received', 'processed', 'ignored', 'unmatched'))`,
    );
    await q.query(`
      ALTER TABLE integration_event
        DROP COLUMN redelivery_count, DROP COLUMN last_received_at, DROP COLUMN reprocessed_at, DROP COLUMN reprocess_count`);
    await q.query(`
      ALTER TABLE integration
        DROP CONSTRAINT integration_previous_secret_check,
        DROP COLUMN previous_signing_secret, DROP COLUMN previous_secret_expires_at, DROP COLUMN secret_rotated_at`);
  }
}
