import type { MigrationInterface, QueryRunner } from 'typeorm';

const BEFORE = `'already_done', 'cancelled', 'paused', 'closed', 'rescheduled', 'channel_off', 'recipient_disabled', 'merged', 'too_late'`;

/**
 * A therapist who switches an assignment's reminders off settles its planned sends as skipped
 * with their own reason, `reminders_off`, so the reminders view says why and switching them on
 * again revives exactly those rows (the dedupe key keeps one row per send for ever).
 */
export class AddRemindersOffSkipReason1764691200000 implements MigrationInterface {
  name = 'AddRemindersOffSkipReason1764691200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE notification DROP CONSTRAINT notification_skip_reason_check,
         ADD CONSTRAINT notification_skip_reason_check CHECK (skip_reason IN (${BEFORE}, 'reminders_off'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE notification SET skip_reason = 'cancelled' WHERE skip_reason = 'reminders_off'`);
    await q.query(
      `ALTER TABLE notification DROP CONSTRAINT notification_skip_reason_check,
         ADD CONSTRAINT notification_skip_reason_check CHECK (skip_reason IN (${BEFORE}))`,
    );
  }
}
