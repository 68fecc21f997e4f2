import type { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS_BEFORE = `'homework_due', 'overdue_nudge', 'session_reminder', 'alert_notice', 'digest', 'couple_reassigned'`;

const SUBJECTS_BEFORE = `
          WHEN 'homework_due' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL
          WHEN 'overdue_nudge' THEN occurrence_id IS NOT NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL
          WHEN 'session_reminder' THEN session_id IS NOT NULL AND occurrence_id IS NULL AND alert_id IS NULL AND couple_id IS NULL
          WHEN 'alert_notice' THEN alert_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL AND couple_id IS NULL
          WHEN 'couple_reassigned' THEN couple_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL`;

/**
 * `plan_rating_due`: a partner's reminder to rate the couple's repair plan for their week. Its
 * subject is the couple (`couple_id`, so erasing the couple removes it); the week is in the
 * dedupe key (`…couple.<id>.week.<YYYY-MM-DD>`), ids and a date only — never the agreements.
 */
export class AddPlanRatingReminders1765010000000 implements MigrationInterface {
  name = 'AddPlanRatingReminders1765010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notification
        DROP CONSTRAINT notification_kind_check,
        ADD CONSTRAINT notification_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'plan_rating_due')),
        DROP CONSTRAINT notification_subject_check,
        ADD CONSTRAINT notification_subject_check CHECK (CASE kind ${SUBJECTS_BEFORE}
          WHEN 'plan_rating_due' THEN couple_id IS NOT NULL AND occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL
          ELSE occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL END)`);
    // The reminders of a couple (the therapist's list, erasure) and the planner's "already planned" check.
    await q.query(
      `CREATE INDEX notification_couple_idx ON notification (clinic_id, couple_id) WHERE couple_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notification_couple_idx`);
    await q.query(`DELETE FROM notification WHERE kind = 'plan_rating_due'`);
    await q.query(`
      ALTER TABLE notification
        DROP CONSTRAINT notification_subject_check,
        ADD CONSTRAINT notification_subject_check CHECK (CASE kind ${SUBJECTS_BEFORE}
          ELSE occurrence_id IS NULL AND session_id IS NULL AND alert_id IS NULL AND couple_id IS NULL END),
        DROP CONSTRAINT notification_kind_check,
        ADD CONSTRAINT notification_kind_check CHECK (kind IN (${KINDS_BEFORE}))`);
  }
}
