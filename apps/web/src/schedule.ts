import { addDays, weekdayOf, zonedInstant } from './format';

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** What the schedule builder produces; `rrule` is the API's subset (times are each partner's wall clock). */
export type Schedule =
  { type: 'once'; dueAt: string } | { type: 'recurring'; rrule: string; startsOn: string; until?: string | null };

export function dailyRule(time: string): string {
  const [h, m] = time.split(':').map(Number);
  return `FREQ=DAILY;BYHOUR=${h};BYMINUTE=${m}`;
}

export function weeklyRule(days: number[], time: string): string {
  const [h, m] = time.split(':').map(Number);
  return `FREQ=WEEKLY;BYDAY=${[...days]
    .sort()
    .map((d) => WEEKDAYS[d])
    .join(',')};BYHOUR=${h};BYMINUTE=${m}`;
}

interface ParsedRule {
  freq: 'DAILY' | 'WEEKLY';
  days: number[];
  times: string[];
}

export function parseRule(rrule: string): ParsedRule | null {
  const parts = new Map(
    rrule
      .replace(/^RRULE:/i, '')
      .split(';')
      .map((p) => p.split('=') as [string, string]),
  );
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY') return null;
  const hours = (parts.get('BYHOUR') ?? '').split(',').filter(Boolean).map(Number);
  const minutes = (parts.get('BYMINUTE') ?? '0').split(',').filter(Boolean).map(Number);
  const times = hours.flatMap((h) => minutes.map((m) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`));
  const days = (parts.get('BYDAY') ?? '')
    .split(',')
    .filter(Boolean)
    .map((d) => WEEKDAYS.indexOf(d.slice(-2) as (typeof WEEKDAYS)[number]))
    .filter((d) => d >= 0);
  return { freq, days: freq === 'DAILY' ? [] : days, times: times.sort() };
}

/** A schedule in words, e.g. "Daily at 20:00" or "Weekly on Monday, Thursday at 09:00". */
export function describeSchedule(
  schedule: { type: string; dueAt?: string; rrule?: string },
  format: (iso: string) => string,
): string {
  if (schedule.type === 'once' && schedule.dueAt) return `Once, due ${format(schedule.dueAt)}`;
  const rule = schedule.rrule ? parseRule(schedule.rrule) : null;
  if (!rule) return 'Recurring';
  const at = `at ${rule.times.join(', ')} in each partner’s time zone`;
  if (rule.freq === 'DAILY') return `Daily ${at}`;
  return `Weekly on ${rule.days.map((d) => WEEKDAY_NAMES[d]).join(', ')} ${at}`;
}

/**
 * The first `count` due times of a schedule for one partner: wall-clock times in their zone from
 * `startsOn` (their local date), as instants, skipping any already past.
 */
export function firstOccurrences(schedule: Schedule, zone: string, now: Date, count = 3): Date[] {
  if (schedule.type === 'once') return [new Date(schedule.dueAt)];
  const rule = parseRule(schedule.rrule);
  if (!rule) return [];
  const out: Date[] = [];
  for (let i = 0; i < 370 && out.length < count; i++) {
    const date = addDays(schedule.startsOn, i);
    if (schedule.until && date > schedule.until) break;
    if (rule.freq === 'WEEKLY' && !rule.days.includes(weekdayOf(date))) continue;
    for (const time of rule.times) {
      const instant = zonedInstant(date, time, zone);
      if (instant > now && out.length < count) out.push(instant);
    }
  }
  return out;
}
