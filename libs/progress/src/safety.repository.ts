import type { EntityManager } from 'typeorm';

import { preparedStatement, queryPrepared } from '@mend/database';

import type { SafetyEvidence } from './progress.compute.js';

/** What a check-in's safety watch decides on, read in one round trip. */
export interface SafetyState {
  /** The clinic's settings document (see clinicSafetySettings). */
  settings: unknown;
  /** The partner's latest trust-pulse safety answer and latest safety check (by submission time). */
  evidence: SafetyEvidence;
  /** The partner has a safety concern that is not resolved (only then can a calm answer resolve one). */
  hasOpenConcern: boolean;
}

interface SafetyStateRow {
  settings: unknown;
  pulse_value: number | null;
  pulse_at: Date | null;
  screen_signs: number | null;
  screen_is_concern: boolean | null;
  screen_at: Date | null;
  has_open_concern: boolean;
}

/** safetyRepository.stateOf's statement ($1 clinic, $2 couple, $3 partner); the bench baseline issues it too. */
export const SAFETY_STATE_SQL = `SELECT k.settings, p.value AS pulse_value, p.at AS pulse_at, s.value AS screen_signs, s.is_concern AS screen_is_concern,
              s.at AS screen_at,
              EXISTS (SELECT 1 FROM alert a WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.kind = 'safety_concern'
                         AND a.partner_id = $3 AND a.status <> 'resolved') AS has_open_concern
         FROM clinic k
         LEFT JOIN LATERAL (
           SELECT (score->>'safety')::int AS value, submitted_at AS at
             FROM check_in WHERE clinic_id = $1 AND couple_id = $2 AND author_id = $3 AND score ? 'safety'
            ORDER BY submitted_at DESC, id DESC LIMIT 1) p ON true
         LEFT JOIN LATERAL (
           SELECT (score->>'value')::int AS value, (score->>'isSafetyConcern')::boolean AS is_concern, submitted_at AS at
             FROM check_in WHERE clinic_id = $1 AND couple_id = $2 AND author_id = $3 AND score->>'kind' = 'safety_screen'
            ORDER BY submitted_at DESC, id DESC LIMIT 1) s ON true
        WHERE k.id = $1`;
/** SAFETY_STATE_SQL prepared once per connection (queryPrepared), as the bench baseline issues it. */
export const SAFETY_STATE = preparedStatement('mend_safety_state', SAFETY_STATE_SQL);

export const safetyRepository = {
  /**
   * The clinic's settings, the partner's safety evidence (this transaction's check-in included)
   * and whether their concern is open, or null when the clinic is gone. One statement: it runs in
   * every check-in with a safety answer.
   */
  async stateOf(tx: EntityManager, clinicId: string, coupleId: string, partnerId: string): Promise<SafetyState | null> {
    const rows = await queryPrepared<SafetyStateRow>(tx, SAFETY_STATE, [clinicId, coupleId, partnerId]);
    const row = rows[0];
    if (!row) return null;
    return {
      settings: row.settings,
      evidence: {
        pulse: row.pulse_at === null ? null : { value: row.pulse_value!, atMs: row.pulse_at.getTime() },
        screen:
          row.screen_at === null
            ? null
            : { signs: row.screen_signs!, isConcern: row.screen_is_concern === true, atMs: row.screen_at.getTime() },
      },
      hasOpenConcern: row.has_open_concern,
    };
  },
};
