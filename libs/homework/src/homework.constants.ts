/**
 * Timing rules of homework, in one place so the API, the worker and progress agree.
 *
 * - Occurrences of recurring assignments are materialised ahead in a rolling horizon, not
 *   forever; every read or write of homework tops the horizon up, and so can the worker.
 * - A check-in may be given from OPEN_BEFORE_HOURS before the due time (an evening exercise can
 *   be done that afternoon) until the occurrence closes CLOSE_AFTER_HOURS after it; after the
 *   due time it is accepted and marked late, after the close it is missed.
 */
export const HORIZON_DAYS = 14;
/** The horizon is topped up when less than this much of it is left (saves a write per read). */
export const HORIZON_REFRESH_DAYS = 13;
export const OPEN_BEFORE_HOURS = 24;
export const CLOSE_AFTER_HOURS = 72;
/** How far back `GET /v1/me/assignments` shows occurrences. */
export const RECENT_DAYS = 14;
/** A one-off due time may lie this far in the past when assigned (clock skew between devices). */
export const ONCE_PAST_TOLERANCE_MINUTES = 5;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function horizonEnd(now: Date): Date {
  return new Date(now.getTime() + HORIZON_DAYS * DAY_MS);
}

export function closesAtFor(dueAt: Date): Date {
  return new Date(dueAt.getTime() + CLOSE_AFTER_HOURS * HOUR_MS);
}
