import { DateTime } from 'luxon';

/**
 * Timing rules of homework, in one place so the API, the worker and progress agree.
 *
 * - Occurrences of recurring assignments are materialised ahead in a rolling horizon, not
 *   forever; every read or write of homework tops the horizon up, and so can the worker.
 * - When a check-in opens: a one-off (a letter) opens when it is assigned, so it can be written
 *   days ahead; a recurring occurrence opens OPEN_BEFORE_HOURS before its due time (an evening
 *   exercise can be done that afternoon, without two days' occurrences open at once).
 * - It closes CLOSE_AFTER_HOURS after the due time; after the close it is missed.
 * - It is late only from the end of the partner's local day of the due time (the grace): someone
 *   answering their 20:00 reminder at 20:01 is on time.
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

/** How an assignment's occurrences open: when assigned (one-offs) or a window before each due time (recurring). */
export type OpensRule = 'on_assign' | 'window';

export function opensRuleFor(scheduleType: 'once' | 'recurring'): OpensRule {
  return scheduleType === 'once' ? 'on_assign' : 'window';
}

/** When an occurrence opens; a one-off assigned less than a window ahead still opens a window ahead. */
export function opensAtFor(scheduleType: 'once' | 'recurring', dueAt: Date, assignedAt?: Date): Date {
  const window = dueAt.getTime() - OPEN_BEFORE_HOURS * HOUR_MS;
  if (opensRuleFor(scheduleType) === 'window' || !assignedAt) return new Date(window);
  return new Date(Math.min(assignedAt.getTime(), window));
}

/**
 * The end of the local day of `dueAt` (the next local midnight) in the latest of `zones`: a
 * check-in from then on is late. Never before the due time.
 */
export function lateAfterFor(dueAt: Date, zones: string[]): Date {
  let latest = dueAt.getTime();
  for (const zone of zones) {
    const local = DateTime.fromJSDate(dueAt, { zone });
    if (!local.isValid) continue;
    latest = Math.max(latest, local.startOf('day').plus({ days: 1 }).toMillis());
  }
  return new Date(latest);
}

export function closesAtFor(dueAt: Date): Date {
  return new Date(dueAt.getTime() + CLOSE_AFTER_HOURS * HOUR_MS);
}
