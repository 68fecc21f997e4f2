import { RRule } from 'rrule';

import { addDays, todayIn, zonedInstant } from './format';
import { parseRule, type Schedule } from './schedule';

// Apart from schedule.ts so that rrule loads with the assign page only, not with every page that
// describes a schedule in words.

/**
 * The first `count` due times of a schedule for one partner, skipping any already past: the rule
 * is expanded by `rrule` exactly as the API expands it (libs/homework recurrence.ts: floating wall
 * times from `startsOn`, INTERVAL counted from its week, COUNT from the first due time, past ones
 * included), then each wall time becomes an instant in the partner's zone.
 */
export function firstOccurrences(schedule: Schedule, zone: string, now: Date, count = 3): Date[] {
  if (schedule.type === 'once') return [new Date(schedule.dueAt)];
  const rule = parseRule(schedule.rrule);
  if (!rule || rule.times.length === 0) return [];
  const [hours, minutes] = [new Set<number>(), new Set<number>()];
  for (const time of rule.times) {
    const [h, m] = time.split(':').map(Number) as [number, number];
    hours.add(h);
    minutes.add(m);
  }
  const generator = new RRule({
    freq: rule.freq === 'DAILY' ? RRule.DAILY : RRule.WEEKLY,
    interval: rule.interval,
    byweekday: rule.days.length ? rule.days : null,
    byhour: [...hours],
    byminute: [...minutes],
    bysecond: [0],
    count: rule.count,
    wkst: rule.wkst,
    dtstart: floatingDate(schedule.startsOn),
    until: schedule.until ? floatingDate(schedule.until, true) : null,
    tzid: null,
  });
  const out: Date[] = [];
  // Up to a year and a bit ahead, as before; `all` stops at the first `false`.
  const horizon = floatingDate(addDays(todayIn(zone, now), 400)).getTime();
  generator.all((wall) => {
    if (wall.getTime() > horizon) return false;
    const instant = zonedInstant(wall.toISOString().slice(0, 10), wall.toISOString().slice(11, 16), zone);
    if (instant > now) out.push(instant);
    return out.length < count;
  });
  return out;
}

/** A local date as a floating time (the wall clock encoded as UTC), the form rrule expands in. */
function floatingDate(date: string, endOfDay = false): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return endOfDay ? new Date(Date.UTC(y, m - 1, d, 23, 59, 59, 999)) : new Date(Date.UTC(y, m - 1, d));
}
