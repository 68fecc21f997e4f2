import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An assignment may be given to one partner of a couple (the private safety check, for one):
 * its occurrences are laid out for that partner only, and the other partner never learns it
 * exists. NULL keeps today's meaning (both partners, or the couple in joint mode). The key
 * names the couple too, so the assignee is always a partner of the assignment's own couple;
 * the assignment goes with the partner's place in the couple (erasure).
 */
export class AddSinglePartnerAssignments1765000000000 implements MigrationInterface {
  name = 'AddSinglePartnerAssignments1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assignment ADD COLUMN partner_id uuid`);
    await q.query(`
      ALTER TABLE assignment ADD CONSTRAINT assignment_partner_fk
        FOREIGN KEY (clinic_id, couple_id, partner_id) REFERENCES couple_partner (clinic_id, couple_id, user_id) ON DELETE CASCADE`);
    await q.query(
      `CREATE INDEX assignment_partner_idx ON assignment (clinic_id, couple_id, partner_id) WHERE partner_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS assignment_partner_idx`);
    await q.query(`ALTER TABLE assignment DROP CONSTRAINT IF EXISTS assignment_partner_fk`);
    await q.query(`ALTER TABLE assignment DROP COLUMN partner_id`);
  }
}
