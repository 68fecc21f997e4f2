import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the benchmarks showed missing (npm run bench; 5,000 couples, ~1M check-ins):
 *
 * - `occurrence_clinic_due_idx`: the admin caseloads count a clinic's occurrences due in the last
 *   14 days. Without it PostgreSQL read every couple's occurrences one couple at a time (or the
 *   whole table); with it the window is one index-only range scan. Covers couple_id, closes_at
 *   and id so the heap is not visited.
 * - `check_in_clinic_time_idx`: the same aggregate subtracts the check-ins submitted since the
 *   window opened; with this index they are one index-only range scan, hashed once, instead of
 *   one probe per occurrence.
 *
 * Both lead with clinic_id like every tenant index (the schema stays distributable by clinic_id).
 */
export class AddBenchmarkIndexes1764518400000 implements MigrationInterface {
  name = 'AddBenchmarkIndexes1764518400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX occurrence_clinic_due_idx ON occurrence (clinic_id, due_at) INCLUDE (couple_id, closes_at, id)`,
    );
    await q.query(
      `CREATE INDEX check_in_clinic_time_idx ON check_in (clinic_id, submitted_at) INCLUDE (occurrence_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS check_in_clinic_time_idx`);
    await q.query(`DROP INDEX IF EXISTS occurrence_clinic_due_idx`);
  }
}
