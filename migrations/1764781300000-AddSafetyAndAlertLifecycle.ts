import type { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS_BEFORE = `'trust_drop', 'missed_streak', 'partners_diverging', 'measure_below_cutoff'`;
const NO_PARTNER = `'00000000-0000-0000-0000-000000000000'::uuid`;

/**
 * Alerts that stay true, and safety first:
 * - an alert is open, acknowledged (a therapist saw it; the condition may still hold) or
 *   resolved (the condition no longer holds: when and why are kept);
 * - one alert that is not resolved per condition: (couple, kind, partner). The identity used to
 *   carry the window start, so re-cut windows (a session completed after the fact) opened the
 *   same condition again; older duplicates are resolved here as superseded;
 * - `safety_concern`, high severity: a low answer on emotional safety;
 * - the built-in trust pulse's stored copies watch their safety answer (the form is unchanged).
 */
export class AddSafetyAndAlertLifecycle1764781300000 implements MigrationInterface {
  name = 'AddSafetyAndAlertLifecycle1764781300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alert
        DROP CONSTRAINT alert_kind_check,
        ADD CONSTRAINT alert_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'safety_concern')),
        DROP CONSTRAINT alert_status_check,
        ADD CONSTRAINT alert_status_check CHECK (status IN ('open', 'acknowledged', 'resolved')),
        ADD COLUMN severity text NOT NULL DEFAULT 'normal' CHECK (severity IN ('normal', 'high')),
        ADD COLUMN resolved_at timestamptz,
        ADD COLUMN resolved_reason text CHECK (char_length(resolved_reason) <= 500),
        ADD CONSTRAINT alert_resolved_check CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))`);
    await q.query(`
      UPDATE alert a SET status = 'resolved', resolved_at = now(), resolved_reason = 'Superseded by a later alert for the same condition'
       WHERE EXISTS (SELECT 1 FROM alert b
                      WHERE b.clinic_id = a.clinic_id AND b.couple_id = a.couple_id AND b.kind = a.kind
                        AND b.partner_id IS NOT DISTINCT FROM a.partner_id
                        AND (b.window_start, b.id) > (a.window_start, a.id))`);
    await q.query(`DROP INDEX alert_identity_key`);
    await q.query(`
      CREATE UNIQUE INDEX alert_condition_key ON alert (clinic_id, couple_id, kind, coalesce(partner_id, ${NO_PARTNER}))
        WHERE status <> 'resolved'`);
    await q.query(`
      UPDATE exercise_version v SET scoring = v.scoring || '{"safetyField": "safety"}'::jsonb
        FROM exercise e
       WHERE e.clinic_id = v.clinic_id AND e.id = v.exercise_id AND e.builtin_key = 'trust_pulse' AND v.version = 1
         AND v.scoring->>'kind' = 'trust_pulse' AND NOT v.scoring ? 'safetyField'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE exercise_version v SET scoring = v.scoring - 'safetyField'
        FROM exercise e
       WHERE e.clinic_id = v.clinic_id AND e.id = v.exercise_id AND e.builtin_key = 'trust_pulse' AND v.version = 1`);
    await q.query(`DELETE FROM alert WHERE kind = 'safety_concern'`);
    await q.query(`DROP INDEX alert_condition_key`);
    await q.query(`UPDATE alert SET status = 'acknowledged' WHERE status = 'resolved'`);
    await q.query(`
      CREATE UNIQUE INDEX alert_identity_key ON alert
        (clinic_id, couple_id, kind, window_start, coalesce(partner_id, ${NO_PARTNER}))`);
    await q.query(`
      ALTER TABLE alert
        DROP CONSTRAINT alert_resolved_check,
        DROP COLUMN resolved_reason,
        DROP COLUMN resolved_at,
        DROP COLUMN severity,
        DROP CONSTRAINT alert_status_check,
        ADD CONSTRAINT alert_status_check CHECK (status IN ('open', 'acknowledged')),
        DROP CONSTRAINT alert_kind_check,
        ADD CONSTRAINT alert_kind_check CHECK (kind IN (${KINDS_BEFORE}))`);
  }
}
