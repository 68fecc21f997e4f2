import type { EntityManager } from 'typeorm';

import { announceEvent } from '@mend/queue';

/** How far back a scan looks for occurrences that closed (covers a worker outage of two days). */
export const MISSED_LOOKBACK_HOURS = 48;
const BATCH = 500;

/**
 * Announces `occurrence.missed` for occurrences of a clinic that closed without a check-in, once
 * each (the event's dedupe key is the occurrence). Only occurrences that closed after the first
 * listening endpoint was created count, so a new endpoint is not flooded with old misses; only
 * active assignments of active couples count (a paused or cancelled one is not "missed").
 * Runs in the caller's clinic-pinned transaction; answers how many were announced.
 */
export async function announceMissedOccurrences(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const rows: Array<{ id: string; assignment_id: string; couple_id: string; partner_id: string | null }> =
    await tx.query(
      `SELECT o.id, o.assignment_id, o.couple_id, o.partner_id
       FROM occurrence o
       JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id AND a.status IN ('active', 'completed')
       JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id AND c.status = 'active'
      WHERE o.clinic_id = $1 AND o.closes_at <= $2
        AND o.closes_at > greatest($2::timestamptz - make_interval(hours => $3),
              (SELECT min(e.created_at) FROM webhook_endpoint e WHERE e.clinic_id = $1 AND e.disabled_at IS NULL AND 'occurrence.missed' = ANY (e.events)))
        AND NOT EXISTS (SELECT 1 FROM check_in ci WHERE ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id)
        AND NOT EXISTS (SELECT 1 FROM webhook_event w WHERE w.clinic_id = o.clinic_id AND w.dedupe_key = 'occurrence.missed.' || o.id)
      ORDER BY o.closes_at, o.id
      LIMIT ${BATCH}`,
      [clinicId, now, MISSED_LOOKBACK_HOURS],
    );
  let announced = 0;
  for (const row of rows) {
    const id = await announceEvent(
      tx,
      clinicId,
      'occurrence.missed',
      { occurrenceId: row.id, assignmentId: row.assignment_id, coupleId: row.couple_id, partnerId: row.partner_id },
      { dedupeKey: `occurrence.missed.${row.id}` },
    );
    if (id) announced++;
  }
  return announced;
}
