import type { EntityManager } from 'typeorm';

import { DomainException, type Principal, type UserPrincipal } from '@mend/core';

import { couplesRepository, type CoupleStatus } from './couples.repository.js';

export type { CoupleStatus } from './couples.repository.js';

export interface CoupleRef {
  id: string;
  clinicId: string;
  therapistId: string;
  status: CoupleStatus;
  label: string | null;
  /** Partner user ids in position order (1, then 2). */
  partnerIds: string[];
}

export interface CoupleAccessRule {
  /** Admins may reach this (aggregates and statuses; never check-in content or notes). */
  admin?: boolean;
  /** The couple's own partners may reach this. */
  client?: boolean;
  /** API keys with a matching scope (already checked by the guard) may reach this. */
  apiKey?: boolean;
}

/** Loads a couple with its partners, locking the couple row when asked. */
export async function loadCouple(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
  lock = false,
): Promise<CoupleRef | null> {
  const row = await couplesRepository.findRef(tx, clinicId, coupleId, lock);
  if (!row) return null;
  return {
    id: row.id,
    clinicId: row.clinic_id,
    therapistId: row.therapist_id,
    status: row.status,
    label: row.label,
    partnerIds: row.partner_ids ?? [],
  };
}

/**
 * The one access rule for anything that belongs to a couple. Therapists reach only their own
 * caseload; admins and partners only where the rule allows; everyone else — and any couple of
 * another clinic — gets the same 404 as a couple that does not exist.
 */
export async function requireCouple(
  tx: EntityManager,
  principal: Principal,
  coupleId: string,
  rule: CoupleAccessRule = {},
  options: { lock?: boolean } = {},
): Promise<CoupleRef> {
  const couple = await loadCouple(tx, principal.clinicId, coupleId, options.lock);
  if (!couple || !canReach(principal, couple, rule)) throw DomainException.notFound('Couple');
  return couple;
}

export function canReach(principal: Principal, couple: CoupleRef, rule: CoupleAccessRule): boolean {
  if (principal.clinicId !== couple.clinicId) return false;
  if (principal.kind === 'api_key') return rule.apiKey === true;
  switch (principal.role) {
    case 'therapist':
      return couple.therapistId === principal.userId;
    case 'admin':
      return rule.admin === true;
    case 'client':
      return rule.client === true && couple.partnerIds.includes(principal.userId);
  }
}

/** The couple a client belongs to (a client is a partner in exactly one couple). */
export async function coupleOfClient(tx: EntityManager, principal: UserPrincipal): Promise<CoupleRef | null> {
  const coupleId = await couplesRepository.coupleIdOfPartner(tx, principal.clinicId, principal.userId);
  return coupleId ? loadCouple(tx, principal.clinicId, coupleId) : null;
}
