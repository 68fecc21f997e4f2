import type { Answers, CheckInForm, ExerciseMode, Score } from '@mend/exercises';

import type { OpensRule } from './homework.constants.js';
import type { OccurrenceState } from './occurrence-state.js';

export type AssignmentStatus = 'active' | 'paused' | 'cancelled' | 'completed';
export const ASSIGNMENT_STATUSES: readonly AssignmentStatus[] = ['active', 'paused', 'cancelled', 'completed'];
export type CheckInVisibility = 'private' | 'shared';
export const CHECK_IN_VISIBILITIES: readonly CheckInVisibility[] = ['private', 'shared'];

/**
 * A one-off: one instant for everyone, or a local date and time applied in each partner's own
 * zone (`{ localDateTime: '2027-03-10T20:00', zone: 'partner' }`: due at 20:00 where each lives).
 */
export type OnceSchedule = { type: 'once'; dueAt: Date } | { type: 'once'; localDateTime: string; zone: 'partner' };

export type ScheduleInput =
  OnceSchedule | { type: 'recurring'; rrule: string; startsOn: string; until?: string | null };

export type ScheduleView = OnceSchedule | { type: 'recurring'; rrule: string; startsOn: string; until: string | null };

/** The instant of a one-off given as one (null when it is a local time in each partner's zone). */
export function onceInstant(schedule: ScheduleInput): Date | null {
  return schedule.type === 'once' && 'dueAt' in schedule ? schedule.dueAt : null;
}

/** The local date-time of a one-off given as one. */
export function onceLocal(schedule: ScheduleInput): string | null {
  return schedule.type === 'once' && 'localDateTime' in schedule ? schedule.localDateTime : null;
}

/** Reminder preferences of an assignment; the reminders module reads them. */
export interface ReminderSettings {
  isEnabled: boolean;
  /** Remind this many minutes before the due time (0: at the due time); null: the clinic's lead (default 2 h). */
  minutesBefore: number | null;
  /** One nudge this long after the due time if still not done; null: the clinic default. */
  overdueAfterMinutes: number | null;
}

export const DEFAULT_REMINDERS: ReminderSettings = { isEnabled: true, minutesBefore: null, overdueAfterMinutes: null };

export interface AssignmentView {
  id: string;
  coupleId: string;
  exerciseId: string;
  /** The exercise version the assignment was given; later edits of the exercise do not change it. */
  exerciseVersion: number;
  title: string;
  category: string;
  mode: ExerciseMode;
  schedule: ScheduleView;
  /** When its occurrences open: `on_assign` (a one-off, open from when it was given) or `window` (24 h before each due time). */
  opens: OpensRule;
  /** The therapist's own words for this couple. Left out for admins (statuses only). */
  instructions?: string | null;
  reminders: ReminderSettings;
  /**
   * A partner's shared answers reach the other partner only once both have answered that
   * occurrence or it has closed (individual exercises only).
   */
  revealTogether: boolean;
  /**
   * The one partner it was given to (null: both). Such an assignment is private to that
   * partner: the other partner never sees it, and its answers are never shared.
   */
  partnerId: string | null;
  /** Its answers are only ever private (given to one partner): no share choice is offered. */
  isAlwaysPrivate: boolean;
  status: AssignmentStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface OccurrenceView {
  dueAt: Date;
  opensAt: Date;
  closesAt: Date;
  state: OccurrenceState;
  /** Past its grace (the end of the partner's local day of the due time) and not done: a check-in now is late. */
  isOverdue: boolean;
  /** A check-in from here on is late. */
  lateAfter: Date;
  /** null in joint mode (one occurrence for the couple). */
  partnerId: string | null;
  /** The check-in, when the caller may read it (their own, or a shared one). */
  checkInId: string | null;
}

/** What a partner sees of an assignment of their couple. */
export interface ClientAssignmentView {
  id: string;
  exerciseId: string;
  exerciseVersion: number;
  title: string;
  category: string;
  mode: ExerciseMode;
  /** The exercise's instructions (of the version assigned). */
  exerciseInstructions: string;
  /** The therapist's note for this couple, if any. */
  instructions: string | null;
  form: CheckInForm;
  schedule: ScheduleView;
  opens: OpensRule;
  status: AssignmentStatus;
  /** Shared answers are shown to the other partner only once both have answered (or the occurrence closed). */
  revealTogether: boolean;
  /** Given to this partner alone (null: to both); the other partner does not know of it. */
  partnerId: string | null;
  /** Answers are only ever private: only the therapist reads them (no share choice). */
  isAlwaysPrivate: boolean;
  /** Occurrences due within the last RECENT_DAYS and the horizon ahead, in due order. */
  occurrences: OccurrenceView[];
}

export interface CheckInView {
  id: string;
  assignmentId: string;
  coupleId: string;
  /** The due time of the occurrence answered. */
  occurrenceAt: Date;
  /** Whose occurrence it was; null in joint mode. */
  partnerId: string | null;
  authorId: string;
  answers: Answers;
  score: Score | null;
  visibility: CheckInVisibility;
  isLate: boolean;
  submittedAt: Date;
  /**
   * Only in the answer to the author's own submission, when their safety answer was at or below
   * the clinic's threshold: the clinic's crisis resources (emergency number, hotlines).
   */
  crisisResources?: string;
  /**
   * Only in the answer to the author's own submission of a shared check-in of a reveal-together
   * assignment: when the other partner will see it.
   */
  reveal?: RevealView;
}

/** When a shared check-in of a reveal-together assignment reaches the other partner. */
export interface RevealView {
  /** The other partner can read it now (they have answered too, or their occurrence closed). */
  isRevealed: boolean;
  /** The latest time the other partner sees it: when their own occurrence closes, even unanswered. */
  revealsAt: Date;
}
