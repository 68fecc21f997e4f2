import type { EntityManager } from 'typeorm';

import { integrationsRepository } from './integrations.repository.js';

/**
 * Retention of what scheduling tools sent: events received more than `retentionDays` ago go (they
 * carry attendee emails; the sessions they made stay). The list is for running the integration
 * this month, not an archive. Run by the retention.purge job; answers how many events went.
 */
export async function purgeOldInboundEvents(
  tx: EntityManager,
  clinicId: string,
  now: Date,
  retentionDays: number,
): Promise<number> {
  return integrationsRepository.purgeEventsReceivedBefore(
    tx,
    clinicId,
    new Date(now.getTime() - retentionDays * 86_400_000),
  );
}
