import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Reminders and notifications: one row per (recipient, kind, subject, channel) — the record of
 * what is due for whom, when it goes out and what became of it — plus users' channel
 * preferences and the documented reminder keys of clinic settings.
 *
 * `dedupe_key` is unique per clinic, so planning the same reminder twice is a no-op
 * (`INSERT … ON CONFLICT DO NOTHING`). A worker claims the send before the side effect with a
 * conditional UPDATE that sets `claimed_at` (a lease) while the row is still scheduled/deferred
 * and unclaimed (or its lease lapsed), so two deliveries of the same job cannot both send.
 */
export class CreateNotifications1764259200000 implements MigrationInterface {
  name = 'CreateNotifications1764259200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification (
        clinic_id      uuid NOT NULL,
        id             uuid NOT NULL,
        recipient_id   uuid NOT NULL,
        kind           text NOT NULL CHECK (kind IN ('homework_due', 'overdue_nudge', 'session_reminder', 'alert_notice', 'digest')),
        channel        text NOT NULL CHECK (channel IN ('email', 'in_app', 'webhook')),
        occurrence_id  uuid,
        session_id     uuid,
        alert_id       uuid,
        digest_id      uuid,
        dedupe_key     text NOT NULL CHECK (char_length(dedupe_key) BETWEEN 1 AND 300),
        title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        body           text NOT NULL DEFAULT '' CHECK (char_length(body) <= 1000),
        send_at        timestamptz NOT NULL,
        state          text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'deferred', 'sent', 'skipped', 'failed')),
        skip_reason    text CHECK (skip_reason IN ('already_done', 'cancelled', 'paused', 'closed', 'rescheduled', 'channel_off', 'recipient_disabled', 'merged', 'too_late')),
        attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        claimed_at     timestamptz,
        last_error     text CHECK (char_length(last_error) <= 500),
        sent_at        timestamptz,
        read_at        timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT notification_dedupe_key UNIQUE (clinic_id, dedupe_key),
        CONSTRAINT notification_subject_check CHECK (CASE kind
          WHEN 'homework_due' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL
          WHEN 'overdue_nudge' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL
          WHEN 'session_reminder' THEN session_id IS NOT NULL AND occurrence_id IS NULL AND alert_id IS NULL
          WHEN 'alert_notice' THEN alert_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL
          ELSE occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL END),
        CONSTRAINT notification_skip_check CHECK ((state = 'skipped') = (skip_reason IS NOT NULL)),
        CONSTRAINT notification_sent_check CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
        CONSTRAINT notification_read_check CHECK (read_at IS NULL OR (channel = 'in_app' AND state = 'sent')),
        CONSTRAINT notification_digest_check CHECK (digest_id IS NULL OR (kind <> 'digest' AND skip_reason = 'merged')),
        CONSTRAINT notification_recipient_fk FOREIGN KEY (clinic_id, recipient_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT notification_occurrence_fk FOREIGN KEY (clinic_id, occurrence_id) REFERENCES occurrence (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT notification_session_fk FOREIGN KEY (clinic_id, session_id) REFERENCES therapy_session (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT notification_alert_fk FOREIGN KEY (clinic_id, alert_id) REFERENCES alert (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT notification_digest_fk FOREIGN KEY (clinic_id, digest_id) REFERENCES notification (clinic_id, id) ON DELETE SET NULL (digest_id)
      )`);
    // In-app inbox: a recipient's delivered in-app notifications, newest first, and the unread count.
    await q.query(
      `CREATE INDEX notification_inbox_idx ON notification (clinic_id, recipient_id, sent_at DESC, id DESC) WHERE channel = 'in_app' AND state = 'sent'`,
    );
    await q.query(
      `CREATE INDEX notification_unread_idx ON notification (clinic_id, recipient_id) WHERE channel = 'in_app' AND state = 'sent' AND read_at IS NULL`,
    );
    // A recipient's planned and past sends (daily cap, reminders of a couple, recomputation).
    await q.query(`CREATE INDEX notification_recipient_idx ON notification (clinic_id, recipient_id, send_at)`);
    // What is due and not yet sent (the reconciler; the per-clinic due scan).
    await q.query(
      `CREATE INDEX notification_due_idx ON notification (clinic_id, send_at) WHERE state IN ('scheduled', 'deferred')`,
    );
    // Recompute or cascade by subject.
    await q.query(
      `CREATE INDEX notification_occurrence_idx ON notification (clinic_id, occurrence_id) WHERE occurrence_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX notification_session_idx ON notification (clinic_id, session_id) WHERE session_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX notification_alert_idx ON notification (clinic_id, alert_id) WHERE alert_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX notification_digest_idx ON notification (clinic_id, digest_id) WHERE digest_id IS NOT NULL`,
    );
    await q.query(
      `COMMENT ON COLUMN notification.claimed_at IS 'When a worker claimed the send (a lease: a claim older than the lease may be taken again after a crash)'`,
    );
    await q.query(
      `COMMENT ON COLUMN notification.last_error IS 'An error class or provider code only: never an address, a name or message content'`,
    );

    await enableTenantIsolation(q, 'notification');
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON notification TO mend_app`);

    // The reconciler's id-only lookup across clinics: runs as the owner, returns no content.
    await q.query(`
      CREATE FUNCTION mend_notifications_due(p_due_before timestamptz, p_limit integer) RETURNS TABLE (clinic_id uuid, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT n.clinic_id, n.id FROM notification n
            WHERE n.state IN ('scheduled', 'deferred') AND n.send_at <= p_due_before
            ORDER BY n.send_at, n.clinic_id, n.id LIMIT p_limit $$`);
    await q.query(`REVOKE ALL ON FUNCTION mend_notifications_due(timestamptz, integer) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION mend_notifications_due(timestamptz, integer) TO mend_app`);

    // Channel preferences: {"email": bool, "inApp": bool}; a missing key means on.
    await q.query(`
      ALTER TABLE "user" ADD COLUMN notification_preferences jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT user_notification_preferences_check CHECK (jsonb_typeof(notification_preferences) = 'object')`);
    await q.query(
      `COMMENT ON COLUMN "user".notification_preferences IS '{"email": boolean, "inApp": boolean}; a missing key means the channel is on'`,
    );
    await q.query(`
      COMMENT ON COLUMN clinic.settings IS 'Clinic settings. Reminder keys, under "reminders" (a missing or invalid value means the default): quietHours {"start": "21:00", "end": "08:00"} (users without their own), dailyCap 10 (individual reminders per recipient per local day; more are merged into one digest), isDiscreet false (true: no exercise title in any reminder), overdueAfterMinutes 720 (nudge delay when the assignment sets none), sessionReminderHours 24 (session reminder lead time)'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`COMMENT ON COLUMN clinic.settings IS NULL`);
    await q.query(`ALTER TABLE "user" DROP COLUMN IF EXISTS notification_preferences`);
    await q.query(`DROP FUNCTION IF EXISTS mend_notifications_due(timestamptz, integer)`);
    await q.query(`DROP TABLE IF EXISTS notification`);
  }
}
