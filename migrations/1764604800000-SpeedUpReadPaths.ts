import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the read benchmarks (npm run bench: 5,000-couple clinic, ~1.1M check-ins) showed was left:
 *
 * - `occurrence.has_check_in` + `occurrence_unanswered_due_idx`: the admin caseloads count the
 *   clinic's occurrences due in the last 14 days that have no check-in. Finding them meant an
 *   anti-join of ~140k occurrences against ~83k recent check-ins on every request (60–90 ms of
 *   one core, the whole cost of the endpoint). The mark is kept by a trigger on check_in in the
 *   same transaction as the check-in itself, so it can never disagree with the check_in table;
 *   the partial index then holds only the unanswered occurrences, and the aggregate is one
 *   index-only range over them. The index leads with clinic_id like every tenant index.
 * - `mend_access_role`: the per-request access-token re-check was its own transaction (BEGIN,
 *   set_config, SELECT, COMMIT: four round trips on every authenticated request). This id-only
 *   definer function answers the same question in one: the role of a user who exists, is not
 *   disabled and whose token family is not revoked — or null. It returns no row content.
 */
export class SpeedUpReadPaths1764604800000 implements MigrationInterface {
  name = 'SpeedUpReadPaths1764604800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE occurrence ADD COLUMN has_check_in boolean NOT NULL DEFAULT false`);
    await q.query(
      `COMMENT ON COLUMN occurrence.has_check_in IS 'true while a check-in row answers this occurrence; kept by the check_in_marks_occurrence trigger'`,
    );
    await q.query(`
      UPDATE occurrence o SET has_check_in = true
       WHERE EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id)`);

    // Invoker rights: the update runs under the same row-level security as the check-in write.
    await q.query(`
      CREATE FUNCTION mend_check_in_marks_occurrence() RETURNS trigger
      LANGUAGE plpgsql SET search_path = public, pg_temp
      AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE occurrence SET has_check_in = false
           WHERE clinic_id = OLD.clinic_id AND id = OLD.occurrence_id AND has_check_in;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          UPDATE occurrence SET has_check_in = true
           WHERE clinic_id = NEW.clinic_id AND id = NEW.occurrence_id AND NOT has_check_in;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER check_in_marks_occurrence
      AFTER INSERT OR DELETE OR UPDATE OF clinic_id, occurrence_id ON check_in
      FOR EACH ROW EXECUTE FUNCTION mend_check_in_marks_occurrence()`);
    await q.query(`
      CREATE INDEX occurrence_unanswered_due_idx ON occurrence (clinic_id, due_at) INCLUDE (couple_id, closes_at)
      WHERE NOT has_check_in`);

    await q.query(`
      CREATE FUNCTION mend_access_role(p_clinic_id uuid, p_user_id uuid, p_family_id uuid) RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT u.role FROM "user" u
             WHERE u.clinic_id = p_clinic_id AND u.id = p_user_id AND u.disabled_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM refresh_token r
                                WHERE r.clinic_id = p_clinic_id AND r.family_id = p_family_id AND r.revoked_at IS NOT NULL) $$`);
    await q.query(`REVOKE ALL ON FUNCTION mend_access_role(uuid, uuid, uuid) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION mend_access_role(uuid, uuid, uuid) TO mend_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS mend_access_role(uuid, uuid, uuid)`);
    await q.query(`DROP INDEX IF EXISTS occurrence_unanswered_due_idx`);
    await q.query(`DROP TRIGGER IF EXISTS check_in_marks_occurrence ON check_in`);
    await q.query(`DROP FUNCTION IF EXISTS mend_check_in_marks_occurrence()`);
    await q.query(`ALTER TABLE occurrence DROP COLUMN IF EXISTS has_check_in`);
  }
}
