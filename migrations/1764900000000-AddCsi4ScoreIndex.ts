import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The caseload shows each partner's CSI-4 reliable-change class (first score against latest):
 * a partial index of the CSI-4 check-ins per couple and author, with what the class needs, so a
 * caseload page reads a handful of index entries per couple instead of all of its check-ins.
 */
export class AddCsi4ScoreIndex1764900000000 implements MigrationInterface {
  name = 'AddCsi4ScoreIndex1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX check_in_csi4_idx ON check_in (clinic_id, couple_id, author_id) INCLUDE (occurrence_id, score)
        WHERE score->>'kind' = 'csi4'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS check_in_csi4_idx`);
  }
}
