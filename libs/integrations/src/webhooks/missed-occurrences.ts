import type { EntityManager } from 'typeorm';

import { announceEvent } from '@mend/queue';

import { webhooksRepository } from './webhooks.repository.js';

/** How far back a scan looks for occurrences that closed (covers a worker outage of two days). */
export const MISSED_LOOKBACK_HOURS = 48;

/**
 * Announces `occurrence.missed` for occurrences of a clinic that closed without a check-in, once
 * each (the event's dedupe key is the occurrence). Only occurrences that closed after the first
 * listening endpoint was created count, so a new endpoint is not flooded with old misses; only
 * active assignments of active couples count (a paused or cancelled one is not "missed").
 * Runs in the caller's clinic-pinned transaction; answers how many were announced.
 */
export async function announceMissedOccurrences(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const rows = await webhooksRepository.missedOccurrences(tx, clinicId, now, MISSED_LOOKBACK_HOURS);
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
