import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reveal together: per assignment, the therapist may hold a partner's shared answers back from
 * the other partner until both have answered that occurrence or it has closed (so neither writes
 * in the shadow of the other's words). Off for every existing assignment: nothing already
 * visible disappears.
 */
export class AddRevealTogether1764870000000 implements MigrationInterface {
  name = 'AddRevealTogether1764870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assignment ADD COLUMN reveal_together boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assignment DROP COLUMN reveal_together`);
  }
}
