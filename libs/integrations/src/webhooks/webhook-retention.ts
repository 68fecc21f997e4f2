import type { EntityManager } from 'typeorm';

import { webhooksRepository } from './webhooks.repository.js';

/**
 * Retention of the delivery log: deliveries that finished more than `retentionDays` ago go, with
 * their attempts and the stored events nothing needs any more. The log is for troubleshooting a
 * receiver, not an archive. Run by the retention.purge job; answers how many deliveries went.
 */
export async function purgeOldWebhookDeliveries(
  tx: EntityManager,
  clinicId: string,
  now: Date,
  retentionDays: number,
): Promise<number> {
  return webhooksRepository.purgeDeliveries(tx, clinicId, new Date(now.getTime() - retentionDays * 86_400_000));
}
