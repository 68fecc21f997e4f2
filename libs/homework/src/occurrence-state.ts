import { HOUR_MS, OPEN_BEFORE_HOURS } from './homework.constants.js';

/**
 * Where an occurrence stands for a partner:
 * - `upcoming`: not open yet (more than OPEN_BEFORE_HOURS before due);
 * - `due`: open and not done (late once past the due time, until it closes);
 * - `done`: checked in;
 * - `missed`: closed without a check-in.
 */
export type OccurrenceState = 'upcoming' | 'due' | 'done' | 'missed';
export const OCCURRENCE_STATES: readonly OccurrenceState[] = ['upcoming', 'due', 'done', 'missed'];

export function opensAtFor(dueAt: Date): Date {
  return new Date(dueAt.getTime() - OPEN_BEFORE_HOURS * HOUR_MS);
}

export function occurrenceState(
  occurrence: { dueAt: Date; closesAt: Date },
  hasCheckIn: boolean,
  now: Date,
): OccurrenceState {
  if (hasCheckIn) return 'done';
  if (now.getTime() > occurrence.closesAt.getTime()) return 'missed';
  if (now.getTime() < opensAtFor(occurrence.dueAt).getTime()) return 'upcoming';
  return 'due';
}

/** Whether a check-in submitted at `at` is accepted for the occurrence, and whether it is late. */
export function checkInWindow(
  occurrence: { dueAt: Date; closesAt: Date },
  at: Date,
): { isOpen: boolean; isTooEarly: boolean; isClosed: boolean; isLate: boolean } {
  const isTooEarly = at.getTime() < opensAtFor(occurrence.dueAt).getTime();
  const isClosed = at.getTime() > occurrence.closesAt.getTime();
  return { isOpen: !isTooEarly && !isClosed, isTooEarly, isClosed, isLate: at.getTime() > occurrence.dueAt.getTime() };
}
