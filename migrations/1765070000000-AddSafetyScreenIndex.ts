import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every check-in with a safety answer reads the partner's latest safety check
 * (`progressRepository.safetyEvidence`). Without an index of its own, a partner who never had one
 * made that read walk all of the couple's check-ins (the bench's submit fetched ~240 rows, the
 * bare baseline ~19). Safety checks are rare, so this partial index is tiny and costs pulse
 * inserts nothing; the latest one is its first entry.
 */
export class AddSafetyScreenIndex1765070000000 implements MigrationInterface {
  name = 'AddSafetyScreenIndex1765070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX check_in_safety_screen_idx ON check_in (clinic_id, couple_id, author_id, submitted_at DESC, id DESC)
        WHERE score->>'kind' = 'safety_screen'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS check_in_safety_screen_idx`);
  }
}
