import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Issue 17: the progress read of a two-year couple must not re-read every check-in.
 * - `progress_window`: the tallies (libs/progress WindowTotals) of a closed window whose
 *   occurrences are all settled, keyed by the window's end. Written by the progress read the
 *   first time it sees such a window; used only while the window is cut the same way (start,
 *   end, index, closing session, partners), so completing, cancelling or moving a session needs
 *   no trigger: the read simply no longer matches the kept window.
 * - Triggers on `check_in` and `occurrence`, in the writer's own transaction, delete every kept
 *   window of the couple ending at or after the due time of what changed (a check-in submitted,
 *   edited or deleted; an occurrence laid out, moved or deleted — erasure included), so a kept
 *   window never holds data that has since changed.
 * - `progress_generation`: a counter per couple the same triggers bump. A read that is about to
 *   keep windows locks it (FOR SHARE) and keeps them only if it is unchanged since its own read:
 *   a writer that committed in between is seen, and one that commits later waits for the read
 *   and then deletes what it kept. Without it a check-in committing between the read and the
 *   insert would be lost from the kept tallies.
 * Invoker rights, like check_in_marks_occurrence: the triggers run under the writer's row-level
 * security and touch only rows of the writer's clinic. Both tables hang off the couple, so
 * erasing the couple removes them.
 */
export class AddProgressWindowTotals1765050000000 implements MigrationInterface {
  name = 'AddProgressWindowTotals1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE progress_window (
        clinic_id             uuid NOT NULL,
        couple_id             uuid NOT NULL,
        window_end            timestamptz NOT NULL,
        window_start          timestamptz NOT NULL,
        window_index          integer NOT NULL CHECK (window_index >= 0),
        closed_by_session_id  uuid NOT NULL,
        partner_ids           uuid[] NOT NULL,
        totals                jsonb NOT NULL CHECK (jsonb_typeof(totals) = 'object'),
        settled_at            timestamptz,
        PRIMARY KEY (clinic_id, couple_id, window_end),
        CONSTRAINT progress_window_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`COMMENT ON COLUMN progress_window.settled_at IS
      'the last closing time of an unanswered occurrence of the window (null: none): the totals hold from then on'`);
    await q.query(`
      CREATE TABLE progress_generation (
        clinic_id   uuid NOT NULL,
        couple_id   uuid NOT NULL,
        generation  bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (clinic_id, couple_id),
        CONSTRAINT progress_generation_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE
      )`);
    for (const table of ['progress_window', 'progress_generation']) await enableTenantIsolation(q, table);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON progress_window, progress_generation TO mend_app`);

    // Windows are cut in whole milliseconds (as the API reads times), hence the truncation.
    // Bump first (waits for a read that is keeping windows of the couple), then delete: the
    // delete runs with a fresh snapshot and so sees what that read kept. A couple being erased
    // (its row already gone in this transaction) gets no counter row.
    await q.query(`
      CREATE FUNCTION mend_progress_changed(p_clinic_id uuid, p_couple_id uuid, p_due_at timestamptz) RETURNS void
      LANGUAGE plpgsql SET search_path = public, pg_temp
      AS $$
      BEGIN
        INSERT INTO progress_generation (clinic_id, couple_id, generation)
          SELECT c.clinic_id, c.id, 1 FROM couple c WHERE c.clinic_id = p_clinic_id AND c.id = p_couple_id
        ON CONFLICT (clinic_id, couple_id) DO UPDATE SET generation = progress_generation.generation + 1;
        DELETE FROM progress_window
         WHERE clinic_id = p_clinic_id AND couple_id = p_couple_id
           AND window_end >= coalesce(date_trunc('milliseconds', p_due_at), '-infinity'::timestamptz);
      END
      $$`);
    // A check-in counts in the window of its occurrence's due time. An occurrence already gone
    // (deleted with its check-in) gives no due time: every kept window of the couple goes.
    await q.query(`
      CREATE FUNCTION mend_check_in_changes_progress() RETURNS trigger
      LANGUAGE plpgsql SET search_path = public, pg_temp
      AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          PERFORM mend_progress_changed(OLD.clinic_id, OLD.couple_id,
            (SELECT o.due_at FROM occurrence o WHERE o.clinic_id = OLD.clinic_id AND o.id = OLD.occurrence_id));
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          PERFORM mend_progress_changed(NEW.clinic_id, NEW.couple_id,
            (SELECT o.due_at FROM occurrence o WHERE o.clinic_id = NEW.clinic_id AND o.id = NEW.occurrence_id));
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER check_in_changes_progress
      AFTER INSERT OR DELETE OR UPDATE OF clinic_id, couple_id, occurrence_id, author_id, score, submitted_at ON check_in
      FOR EACH ROW EXECUTE FUNCTION mend_check_in_changes_progress()`);
    // Occurrences are laid out and removed in bulk (the horizon, rescheduling, erasure): once per
    // statement and couple, from the earliest due time touched.
    await q.query(`
      CREATE FUNCTION mend_occurrences_change_progress() RETURNS trigger
      LANGUAGE plpgsql SET search_path = public, pg_temp
      AS $$
      DECLARE r record;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          FOR r IN SELECT clinic_id, couple_id, min(due_at) AS due_at FROM new_rows GROUP BY 1, 2 LOOP
            PERFORM mend_progress_changed(r.clinic_id, r.couple_id, r.due_at);
          END LOOP;
        ELSE
          FOR r IN SELECT clinic_id, couple_id, min(due_at) AS due_at FROM old_rows GROUP BY 1, 2 LOOP
            PERFORM mend_progress_changed(r.clinic_id, r.couple_id, r.due_at);
          END LOOP;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER occurrences_inserted_change_progress AFTER INSERT ON occurrence
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mend_occurrences_change_progress()`);
    await q.query(`
      CREATE TRIGGER occurrences_deleted_change_progress AFTER DELETE ON occurrence
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mend_occurrences_change_progress()`);
    await q.query(`
      CREATE FUNCTION mend_occurrence_moves_progress() RETURNS trigger
      LANGUAGE plpgsql SET search_path = public, pg_temp
      AS $$
      BEGIN
        PERFORM mend_progress_changed(OLD.clinic_id, OLD.couple_id, least(OLD.due_at, NEW.due_at));
        IF NEW.couple_id IS DISTINCT FROM OLD.couple_id THEN
          PERFORM mend_progress_changed(NEW.clinic_id, NEW.couple_id, NEW.due_at);
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER occurrence_moves_progress
      AFTER UPDATE OF couple_id, partner_id, due_at, closes_at ON occurrence
      FOR EACH ROW WHEN (OLD.couple_id IS DISTINCT FROM NEW.couple_id OR OLD.partner_id IS DISTINCT FROM NEW.partner_id
                         OR OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.closes_at IS DISTINCT FROM NEW.closes_at)
      EXECUTE FUNCTION mend_occurrence_moves_progress()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS occurrence_moves_progress ON occurrence`);
    await q.query(`DROP TRIGGER IF EXISTS occurrences_deleted_change_progress ON occurrence`);
    await q.query(`DROP TRIGGER IF EXISTS occurrences_inserted_change_progress ON occurrence`);
    await q.query(`DROP TRIGGER IF EXISTS check_in_changes_progress ON check_in`);
    await q.query(`DROP FUNCTION IF EXISTS mend_occurrence_moves_progress()`);
    await q.query(`DROP FUNCTION IF EXISTS mend_occurrences_change_progress()`);
    await q.query(`DROP FUNCTION IF EXISTS mend_check_in_changes_progress()`);
    await q.query(`DROP FUNCTION IF EXISTS mend_progress_changed(uuid, uuid, timestamptz)`);
    await q.query(`DROP TABLE IF EXISTS progress_window, progress_generation`);
  }
}
