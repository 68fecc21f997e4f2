import { createHmac } from 'node:crypto';

import { constantTimeEqual, issueToken, parseToken } from '@mend/core';

/**
 * The rules of check-in links and of the page sessions they open, in one place.
 *
 * - A link is a per-partner, per-occurrence secret (`ci_<clinic>_<256 random bits>`); only its
 *   SHA-256 is stored. Every link of an occurrence works until the occurrence closes (its due time
 *   + 72 h by default), but never longer than LINK_MAX_LIFETIME_DAYS after it was issued.
 * - Opening a link (GET/HEAD) changes nothing; its Continue button (POST) opens a page session:
 *   a cookie (`cs_<clinic>_<256 bits>`) bound to the link, idle after SESSION_IDLE_MINUTES and over
 *   after SESSION_MAX_MINUTES whatever happens, and never after the link itself expires.
 */
export const LINK_MAX_LIFETIME_DAYS = 7;
export const SESSION_IDLE_MINUTES = 30;
export const SESSION_MAX_MINUTES = 120;

/** The link's URL path segment; `redactUrl` (libs/core/logging) keeps whatever follows it out of logs. */
export const LINK_PATH = '/c';
/** Where a page session lives: the cookie is scoped to it, and no URL under it carries a secret. */
export const PAGE_PATH = '/check-in';
export const SESSION_COOKIE = 'mend_checkin';
/** The hidden form field carrying the session's CSRF token. */
export const CSRF_FIELD = 'csrf';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export function newLinkToken(clinicId: string): { token: string; hash: string } {
  return issueToken('ci', clinicId);
}

/** The clinic (to pin row-level security) and hash of a link token, or null if it is not one. */
export function parseLinkToken(token: string): { clinicId: string; hash: string } | null {
  return parseToken('ci', token);
}

export function newSessionToken(clinicId: string): { token: string; hash: string } {
  return issueToken('cs', clinicId);
}

export function parseSessionToken(token: string | undefined): { clinicId: string; hash: string } | null {
  return token === undefined ? null : parseToken('cs', token);
}

/** Until the occurrence closes, and at most LINK_MAX_LIFETIME_DAYS after issue. */
export function linkExpiresAt(closesAt: Date, issuedAt: Date): Date {
  return new Date(Math.min(closesAt.getTime(), issuedAt.getTime() + LINK_MAX_LIFETIME_DAYS * DAY_MS));
}

/** The session's hard end: SESSION_MAX_MINUTES after it opened, never after its link expires. */
export function sessionExpiresAt(openedAt: Date, linkExpires: Date): Date {
  return new Date(Math.min(openedAt.getTime() + SESSION_MAX_MINUTES * MINUTE_MS, linkExpires.getTime()));
}

/** The idle deadline after activity at `at`, capped by the session's hard end. */
export function sessionIdleExpiresAt(at: Date, expiresAt: Date): Date {
  return new Date(Math.min(at.getTime() + SESSION_IDLE_MINUTES * MINUTE_MS, expiresAt.getTime()));
}

/** The emailed URL: the configured public URL, never the request's Host header. */
export function linkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}${LINK_PATH}/${token}`;
}

/** The path prefix of the public URL (e.g. `/mend` behind a proxy), for page links and the cookie path. */
export function basePathOf(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/$/, '');
}

/**
 * The CSRF token of the pages a link opens: derived from the link's stored token hash (which only
 * the server and whoever holds the token know), so nothing more is stored, a page of another site
 * cannot produce it, and the session cookie alone never makes a valid submit. Every session of the
 * same link shares it, so a form left open in one tab still submits after the link was opened
 * again in another; a session of another link (another occurrence) refuses it.
 */
export function csrfTokenFor(link: { id: string; tokenHash: string }): string {
  return createHmac('sha256', link.tokenHash).update(`mend check-in page csrf v1:${link.id}`).digest('base64url');
}

export function isCsrfTokenValid(link: { id: string; tokenHash: string }, presented: unknown): boolean {
  return typeof presented === 'string' && constantTimeEqual(csrfTokenFor(link), presented);
}

/** Why a link (or the session it opened) no longer unlocks anything; the page shows one neutral text for all. */
export type LinkRefusal = 'unknown' | 'expired' | 'revoked' | 'closed' | 'cancelled' | 'couple_closed' | 'partner_gone';

export interface LinkFacts {
  expiresAt: Date;
  revokedAt: Date | null;
  occurrenceClosesAt: Date;
  assignmentStatus: string;
  coupleStatus: string;
  /** The partner is still a partner of the occurrence's couple and is not disabled. */
  isPartnerActive: boolean;
}

/** null when the link still unlocks its partner's check-in for its occurrence. */
export function linkRefusal(link: LinkFacts | null, now: Date): LinkRefusal | null {
  if (!link) return 'unknown';
  if (link.revokedAt) return 'revoked';
  if (now.getTime() >= link.expiresAt.getTime()) return 'expired';
  if (now.getTime() > link.occurrenceClosesAt.getTime()) return 'closed';
  if (link.assignmentStatus === 'cancelled') return 'cancelled';
  if (link.coupleStatus === 'closed') return 'couple_closed';
  if (!link.isPartnerActive) return 'partner_gone';
  return null;
}
