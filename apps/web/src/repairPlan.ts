import type { Schemas } from './api/client';
import { addDays, todayIn, weekdayOf } from './format';

export type Agreement = Schemas['AgreementResponse'];
export type AgreementRating = Schemas['AgreementRatingResponse'];
export type Frequency = Schemas['AgreementRequest']['frequency'];

/** The rhythms the API knows, in the words the couple reads. */
export const FREQUENCY_LABEL: Record<Frequency, string> = {
  daily: 'Daily',
  several_times_a_week: 'Several times a week',
  weekly: 'Weekly',
  each_session: 'Around each session',
  when_it_comes_up: 'Each time it comes up',
};
export const FREQUENCIES = Object.keys(FREQUENCY_LABEL) as Frequency[];

/** The partner's week (Monday to Sunday in their zone), which a weekly rating is for, as the API counts it. */
export function weekOf(zone: string, now?: Date): { weekStart: string; weekEnd: string; nextWeekStart: string } {
  const today = todayIn(zone, now);
  const weekStart = addDays(today, -weekdayOf(today));
  return { weekStart, weekEnd: addDays(weekStart, 6), nextWeekStart: addDays(weekStart, 7) };
}

/** "Sunday, December 13" for a local date (YYYY-MM-DD). */
export function longDay(date: string): string {
  return new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}

/** How a rating's period reads: "week of Dec 7" or "at a session". */
export function periodLabel(period: AgreementRating['period']): string {
  if (period.kind === 'week') {
    const day = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
      new Date(`${period.weekStart}T12:00:00Z`),
    );
    return `Week of ${day}`;
  }
  return 'At a session';
}
