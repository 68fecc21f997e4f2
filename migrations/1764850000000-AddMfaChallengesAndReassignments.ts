import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

const KINDS_BEFORE = `'homework_due', 'overdue_nudge', 'session_reminder', 'alert_notice', 'digest'`;

/**
 * Staff second factor, recent authentication and separation of duties (issue #14).
 *
 * - `mfa_challenge`: the short-lived, single-use proof that a password was right, exchanged with
 *   a TOTP or recovery code at /v1/auth/login/mfa. Only the token's hash is stored; wrong codes
 *   are counted per challenge so one challenge cannot be guessed through.
 * - `refresh_token.authenticated_at`: when the person last proved who they are (password, and
 *   code when enrolled) in this sign-in; access tokens carry it as `auth_time`, and sensitive
 *   admin actions need it to be recent. Rotation copies it; re-authentication moves it.
 * - `couple_reassignment`: each move of a couple to another therapist, with its reason, so the
 *   previous therapist can still see that (and why) the couple left them. Erased with the couple.
 * - `audit_event.detail`: ids and flags that qualify an audit row (never clinical content).
 * - `notification.couple_id` and the `couple_reassigned` kind: the previous therapist's in-app notice.
 */
export class AddMfaChallengesAndReassignments1764850000000 implements MigrationInterface {
  name = 'AddMfaChallengesAndReassignments1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_challenge (
        clinic_id        uuid NOT NULL,
        id               uuid NOT NULL,
        user_id          uuid NOT NULL,
        token_hash       text NOT NULL,
        purpose          text NOT NULL CHECK (purpose IN ('login', 'enrol')),
        expires_at       timestamptz NOT NULL,
        used_at          timestamptz,
        failed_attempts  integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
        created_at       timestamptz NOT NULL DEFAULT mend_now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT mfa_challenge_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT mfa_challenge_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX mfa_challenge_user_idx ON mfa_challenge (clinic_id, user_id)`);

    await q.query(`ALTER TABLE refresh_token ADD COLUMN authenticated_at timestamptz`);
    await q.query(
      `ALTER TABLE audit_event ADD COLUMN detail jsonb CHECK (detail IS NULL OR jsonb_typeof(detail) = 'object')`,
    );

    await q.query(`
      CREATE TABLE couple_reassignment (
        clinic_id          uuid NOT NULL,
        id                 uuid NOT NULL,
        couple_id          uuid NOT NULL,
        from_therapist_id  uuid NOT NULL,
        to_therapist_id    uuid NOT NULL,
        reason             text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
        actor_id           uuid,
        is_new_staff       boolean NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT mend_now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT couple_reassignment_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT couple_reassignment_from_fk FOREIGN KEY (clinic_id, from_therapist_id) REFERENCES "user" (clinic_id, id),
        CONSTRAINT couple_reassignment_to_fk FOREIGN KEY (clinic_id, to_therapist_id) REFERENCES "user" (clinic_id, id)
      )`);
    await q.query(
      `CREATE INDEX couple_reassignment_couple_idx ON couple_reassignment (clinic_id, couple_id, created_at)`,
    );
    await q.query(`CREATE INDEX couple_reassignment_from_idx ON couple_reassignment (clinic_id, from_therapist_id)`);

    for (const table of ['mfa_challenge', 'couple_reassignment']) {
      await enableTenantIsolation(q, table);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO mend_app`);
    }

    await q.query(`
      ALTER TABLE notification
        ADD COLUMN couple_id uuid,
        ADD CONSTRAINT notification_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE,
        DROP CONSTRAINT notification_kind_check,
        ADD CONSTRAINT notification_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'couple_reassigned')),
        DROP CONSTRAINT notification_subject_check,
        ADD CONSTRAINT notification_subject_check CHECK (CASE kind
          WHEN 'homework_due' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL
          WHEN 'overdue_nudge' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL
          WHEN 'session_reminder' THEN session_id IS NOT NULL AND occurrence_id IS NULL AND alert_id IS NULL AND couple_id IS NULL
          WHEN 'alert_notice' THEN alert_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL AND couple_id IS NULL
          WHEN 'couple_reassigned' THEN couple_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL
          ELSE occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL END)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notification WHERE kind = 'couple_reassigned'`);
    await q.query(`
      ALTER TABLE notification
        DROP CONSTRAINT notification_subject_check,
        ADD CONSTRAINT notification_subject_check CHECK (CASE kind
          WHEN 'homework_due' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL
          WHEN 'overdue_nudge' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL
          WHEN 'session_reminder' THEN session_id IS NOT NULL AND occurrence_id IS NULL AND alert_id IS NULL
          WHEN 'alert_notice' THEN alert_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL
          ELSE occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL END),
        DROP CONSTRAINT notification_kind_check,
        ADD CONSTRAINT notification_kind_check CHECK (kind IN (${KINDS_BEFORE})),
        DROP CONSTRAINT notification_couple_fk,
        DROP COLUMN couple_id`);
    await q.query(`DROP TABLE IF EXISTS couple_reassignment, mfa_challenge`);
    await q.query(`ALTER TABLE audit_event DROP COLUMN IF EXISTS detail`);
    await q.query(`ALTER TABLE refresh_token DROP COLUMN IF EXISTS authenticated_at`);
  }
}
