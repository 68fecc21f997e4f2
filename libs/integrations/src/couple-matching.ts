import type { EntityManager } from 'typeorm';

import { integrationsRepository } from './inbound/integrations.repository.js';

export type CoupleMatch = { kind: 'one'; coupleId: string } | { kind: 'none' } | { kind: 'many' };

/**
 * The couple whose partners are among a booking's attendees, in one clinic. Emails that are not
 * partners (the therapist, a guest) are ignored; attendees from two couples match none.
 * `therapistId` narrows the search to one caseload (a therapist upserting a session).
 */
export async function matchCoupleByEmails(
  tx: EntityManager,
  clinicId: string,
  emails: string[],
  options: { therapistId?: string } = {},
): Promise<CoupleMatch> {
  const normalised = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (normalised.length === 0) return { kind: 'none' };
  const couples = await integrationsRepository.couplesWithPartnerEmails(
    tx,
    clinicId,
    normalised,
    options.therapistId ?? null,
  );
  if (couples.length === 0) return { kind: 'none' };
  if (couples.length > 1) return { kind: 'many' };
  return { kind: 'one', coupleId: couples[0] };
}
