import { weekdayOf } from './format';

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
  /** Every how many days or weeks (INTERVAL, default 1). */
  interval: number;
  days: number[];
  times: string[];
  /** COUNT: how many due times in all, if limited. */
  count: number | null;
  /** WKST: the day weeks start on for INTERVAL (0 = Monday … 6 = Sunday), if named. */
  wkst: number | null;
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
  const interval = Number(parts.get('INTERVAL') ?? 1);
  const count = parts.has('COUNT') ? Number(parts.get('COUNT')) : null;
  const wkst = WEEKDAYS.indexOf(parts.get('WKST') as (typeof WEEKDAYS)[number]);
  return {
    freq,
    interval: Number.isInteger(interval) && interval > 0 ? interval : 1,
    days: freq === 'DAILY' ? [] : days,
    times: times.sort(),
    count: count !== null && Number.isInteger(count) ? count : null,
    wkst: wkst >= 0 ? wkst : null,
  };
}

/** A schedule as the API answers it (OnceScheduleDto | RecurringScheduleDto in the OpenAPI document). */
export interface ScheduleView {
  type: string;
  dueAt?: string;
  localDateTime?: string;
  zone?: string;
  rrule?: string;
  startsOn?: string;
  until?: string | null;
}

const EACH_PARTNER = 'in each partner’s own time';

/** "Thu 12 Dec" for a YYYY-MM-DD date: a calendar date, in no zone. */
function calendarDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

function listOf(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Every schedule shape in words:
 * - a one-off at one instant: "Once, due Thu, Dec 12, 7:00 PM EST" (`format` places it in the reader's zone);
 * - a one-off at a local date and time in each partner's zone: "Once, Thu 12 Dec at 19:00 in each partner’s own time";
 * - a recurrence: "Daily at 20:00 in each partner’s own time, from Mon 2 Dec", "Every 2 weeks on Monday and
 *   Thursday at 09:00 …, from Mon 2 Dec until Fri 28 Feb", "…, 6 times".
 */
export function describeSchedule(schedule: ScheduleView, format: (iso: string) => string): string {
  if (schedule.type === 'once') {
    if (schedule.dueAt) return `Once, due ${format(schedule.dueAt)}`;
    if (schedule.localDateTime) {
      const [date, time] = schedule.localDateTime.split('T') as [string, string];
      return `Once, ${calendarDay(date)} at ${time.slice(0, 5)} ${EACH_PARTNER}`;
    }
    return 'Once';
  }
  const rule = schedule.rrule ? parseRule(schedule.rrule) : null;
  if (!rule) return schedule.rrule ? `Recurring (${schedule.rrule})` : 'Recurring';
  // A weekly rule without BYDAY repeats on the weekday it starts.
  const days = rule.days.length || !schedule.startsOn ? rule.days : [weekdayOf(schedule.startsOn)];
  const cadence =
    rule.freq === 'DAILY'
      ? rule.interval === 1
        ? 'Daily'
        : `Every ${rule.interval} days`
      : `${rule.interval === 1 ? 'Weekly' : `Every ${rule.interval} weeks`} on ${listOf(
          [...days].sort().map((d) => WEEKDAY_NAMES[d]!),
        )}`;
  const span = [
    schedule.startsOn ? `from ${calendarDay(schedule.startsOn)}` : '',
    schedule.until ? `until ${calendarDay(schedule.until)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const limit = rule.count === null ? '' : rule.count === 1 ? ', once only' : `, ${rule.count} times`;
  return `${cadence} at ${listOf(rule.times)} ${EACH_PARTNER}${span ? `, ${span}` : ''}${limit}`;
}
