import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Time as partners live it:
 * - `occurrence.opens_at`: when a check-in is first accepted. A one-off opens when it is assigned
 *   (a letter due Wednesday can be written on Monday); a recurring occurrence 24 hours before it is due.
 * - `occurrence.late_after`: a check-in at or after it is late. The end of the partner's local day
 *   of the due time (joint mode: the latest such end among the partners), so answering an evening
 *   reminder a minute after the due time is not late.
 * - `assignment.local_due_at`: a one-off given as a local date and time, applied in each partner's
 *   own zone (each partner's occurrence due at 20:00 where they live), instead of one instant.
 * - Homework reminders go a clinic-set lead before the due time (default 2 h). `minutesBefore: 0`
 *   was written into every assignment as the default until now, so it is dropped (it cannot be
 *   told from a deliberate choice); such assignments follow the clinic's lead.
 *
 * Rows inserted without the new columns (older code, fixtures) get the former rules from a trigger.
 */
export class AddOccurrenceOpeningAndGrace1764860000000 implements MigrationInterface {
  name = 'AddOccurrenceOpeningAndGrace1764860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE occurrence ADD COLUMN opens_at timestamptz, ADD COLUMN late_after timestamptz`);
    await q.query(`
      UPDATE occurrence o
         SET opens_at = CASE WHEN a.schedule_type = 'once' THEN least(a.created_at, o.due_at - interval '24 hours')
                             ELSE o.due_at - interval '24 hours' END,
             late_after = coalesce(
               (SELECT max((date_trunc('day', o.due_at AT TIME ZONE u.timezone) + interval '1 day') AT TIME ZONE u.timezone)
                  FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
                 WHERE p.clinic_id = o.clinic_id AND p.couple_id = o.couple_id
                   AND (o.partner_id IS NULL OR p.user_id = o.partner_id)),
               o.due_at)
        FROM assignment a
       WHERE a.clinic_id = o.clinic_id AND a.id = o.assignment_id`);
    await q.query(`
      CREATE FUNCTION mend_occurrence_defaults() RETURNS trigger
      LANGUAGE plpgsql SET search_path = public, pg_temp
      AS $$
      BEGIN
        NEW.opens_at := coalesce(NEW.opens_at, NEW.due_at - interval '24 hours');
        NEW.late_after := coalesce(NEW.late_after, NEW.due_at);
        RETURN NEW;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER occurrence_defaults BEFORE INSERT ON occurrence
      FOR EACH ROW EXECUTE FUNCTION mend_occurrence_defaults()`);
    await q.query(`ALTER TABLE occurrence ALTER COLUMN opens_at SET NOT NULL, ALTER COLUMN late_after SET NOT NULL`);
    await q.query(
      `ALTER TABLE occurrence ADD CONSTRAINT occurrence_times_check CHECK (opens_at <= due_at AND late_after >= due_at AND late_after <= closes_at)`,
    );
    await q.query(`COMMENT ON COLUMN occurrence.opens_at IS 'check-ins are accepted from this instant'`);
    await q.query(`COMMENT ON COLUMN occurrence.late_after IS 'a check-in at or after this instant is late'`);

    await q.query(`ALTER TABLE assignment ADD COLUMN local_due_at timestamp`);
    await q.query(
      `COMMENT ON COLUMN assignment.local_due_at IS 'a one-off due at this local date and time in each partner''s zone'`,
    );
    await q.query(`ALTER TABLE assignment DROP CONSTRAINT assignment_schedule_check`);
    await q.query(`
      ALTER TABLE assignment ADD CONSTRAINT assignment_schedule_check CHECK (
        (schedule_type = 'once' AND rrule IS NULL AND num_nonnulls(due_at, local_due_at) = 1)
        OR (schedule_type = 'recurring' AND rrule IS NOT NULL AND starts_on IS NOT NULL AND local_due_at IS NULL))`);

    await q.query(
      `UPDATE assignment SET reminders = reminders - 'minutesBefore' WHERE reminders->'minutesBefore' = '0'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM assignment WHERE local_due_at IS NOT NULL`);
    await q.query(`ALTER TABLE assignment DROP CONSTRAINT assignment_schedule_check`);
    await q.query(`
      ALTER TABLE assignment ADD CONSTRAINT assignment_schedule_check CHECK (
        (schedule_type = 'once' AND due_at IS NOT NULL AND rrule IS NULL)
        OR (schedule_type = 'recurring' AND rrule IS NOT NULL AND starts_on IS NOT NULL))`);
    await q.query(`ALTER TABLE assignment DROP COLUMN local_due_at`);
    await q.query(`DROP TRIGGER IF EXISTS occurrence_defaults ON occurrence`);
    await q.query(`DROP FUNCTION IF EXISTS mend_occurrence_defaults()`);
    await q.query(`ALTER TABLE occurrence DROP CONSTRAINT IF EXISTS occurrence_times_check`);
    await q.query(`ALTER TABLE occurrence DROP COLUMN opens_at, DROP COLUMN late_after`);
  }
}
