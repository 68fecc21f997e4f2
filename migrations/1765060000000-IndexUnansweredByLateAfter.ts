import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The caseloads' "overdue" follows `late_after` (the end of the partner's local day of the due
 * time, AddOccurrenceOpeningAndGrace1764860000000), as the partner's own views and the check-in's
 * `isLate` already do: an occurrence answered a minute after its evening reminder is not overdue.
 * The count is one range over the clinic's unanswered occurrences whose grace ended in the last
 * 14 days, so the partial index of unanswered occurrences is keyed on late_after instead of
 * due_at (nothing else reads occurrence_unanswered_due_idx). Same size and same write cost: the
 * check_in trigger keeps has_check_in as before.
 */
export class IndexUnansweredByLateAfter1765060000000 implements MigrationInterface {
  name = 'IndexUnansweredByLateAfter1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX occurrence_unanswered_late_idx ON occurrence (clinic_id, late_after) INCLUDE (couple_id, closes_at)
      WHERE NOT has_check_in`);
    await q.query(`DROP INDEX IF EXISTS occurrence_unanswered_due_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX occurrence_unanswered_due_idx ON occurrence (clinic_id, due_at) INCLUDE (couple_id, closes_at)
      WHERE NOT has_check_in`);
    await q.query(`DROP INDEX IF EXISTS occurrence_unanswered_late_idx`);
  }
}
