/**
 * Where an occurrence stands for a partner:
 * - `upcoming`: not open yet (before its `opensAt`: see opensAtFor);
 * - `due`: open and not done (late from its `lateAfter`, the end of the partner's local day, until it closes);
 * - `done`: checked in;
 * - `missed`: closed without a check-in.
 */
export type OccurrenceState = 'upcoming' | 'due' | 'done' | 'missed';
export const OCCURRENCE_STATES: readonly OccurrenceState[] = ['upcoming', 'due', 'done', 'missed'];

/** The times of an occurrence that decide its state (all stored on the occurrence). */
export interface OccurrenceTimes {
  dueAt: Date;
  opensAt: Date;
  lateAfter: Date;
  closesAt: Date;
}

export function occurrenceState(occurrence: OccurrenceTimes, hasCheckIn: boolean, now: Date): OccurrenceState {
  if (hasCheckIn) return 'done';
  if (now.getTime() > occurrence.closesAt.getTime()) return 'missed';
  if (now.getTime() < occurrence.opensAt.getTime()) return 'upcoming';
  return 'due';
}

/** Whether a check-in at `at` would be late: only from the end of the partner's local day of the due time. */
export function isLateAt(occurrence: Pick<OccurrenceTimes, 'lateAfter'>, at: Date): boolean {
  return at.getTime() >= occurrence.lateAfter.getTime();
}

/** Whether a check-in submitted at `at` is accepted for the occurrence, and whether it is late. */
export function checkInWindow(
  occurrence: OccurrenceTimes,
  at: Date,
): { isOpen: boolean; isTooEarly: boolean; isClosed: boolean; isLate: boolean } {
  const isTooEarly = at.getTime() < occurrence.opensAt.getTime();
  const isClosed = at.getTime() > occurrence.closesAt.getTime();
  return { isOpen: !isTooEarly && !isClosed, isTooEarly, isClosed, isLate: isLateAt(occurrence, at) };
}
