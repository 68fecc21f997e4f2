import { IANAZone } from 'luxon';
import rrule from 'rrule';

// rrule ships a UMD bundle as its CommonJS main: Node's ESM loader sees only a default export.
const { RRule } = rrule;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Homework is at most a few times a day; more is a reminder storm, not a clinical plan. */
export const MAX_TIMES_PER_DAY = 4;
export const MAX_COUNT = 1000;

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * The subset of RFC 5545 RRULE Mend accepts. Times (BYHOUR/BYMINUTE) are wall-clock times in
 * each partner's own zone; the start and end are the assignment's `startsOn`/`until` dates, so
 * DTSTART, UNTIL and TZID never appear in the rule itself.
 */
export interface RecurrenceRule {
  freq: 'DAILY' | 'WEEKLY';
  interval: number;
  byDay: Weekday[];
  byHour: number[];
  byMinute: number[];
  count?: number;
  wkst?: Weekday;
}

export interface RecurrenceSpec {
  rrule: string;
  /** First local date (YYYY-MM-DD) in the partner's zone. */
  startsOn: string;
  /** Last local date (YYYY-MM-DD, inclusive) in the partner's zone. */
  until?: string | null;
}

export type RuleParse = { rule: RecurrenceRule; problems: [] } | { rule: null; problems: string[] };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function intList(raw: string, min: number, max: number): number[] | null {
  const parts = raw.split(',');
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,4}$/.test(part)) return null;
    const n = Number(part);
    if (n < min || n > max) return null;
    if (!out.includes(n)) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Parses and validates a rule, collecting every problem at once. Only DAILY and WEEKLY are
 * accepted (sub-daily frequencies would be unbounded reminder streams), the local time must be
 * named with BYHOUR, and at most MAX_TIMES_PER_DAY times a day.
 */
export function parseRecurrenceRule(input: string): RuleParse {
  const problems: string[] = [];
  const text = input.trim().replace(/^RRULE:/i, '');
  if (!text || text.length > 500)
    return {
      rule: null,
      problems: ['rrule must be a non-empty RFC 5545 RRULE such as FREQ=DAILY;BYHOUR=20;BYMINUTE=0'],
    };
  const parts = new Map<string, string>();
  for (const piece of text.split(';')) {
    if (!piece) continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) {
      problems.push(`rrule part "${piece.slice(0, 40)}" is not NAME=VALUE`);
      continue;
    }
    const name = piece.slice(0, eq).toUpperCase();
    if (parts.has(name)) problems.push(`rrule names ${name} twice`);
    parts.set(name, piece.slice(eq + 1).toUpperCase());
  }
  for (const name of parts.keys()) {
    if (name === 'DTSTART' || name === 'UNTIL' || name === 'TZID') {
      problems.push(`rrule must not contain ${name}: use startsOn and until; times are local to each partner`);
    } else if (!['FREQ', 'INTERVAL', 'BYDAY', 'BYHOUR', 'BYMINUTE', 'BYSECOND', 'COUNT', 'WKST'].includes(name)) {
      problems.push(
        `rrule part ${name.slice(0, 20)} is not supported (use FREQ, INTERVAL, BYDAY, BYHOUR, BYMINUTE, COUNT, WKST)`,
      );
    }
  }

  const freq = parts.get('FREQ');
  if (!freq) problems.push('rrule needs FREQ=DAILY or FREQ=WEEKLY');
  else if (freq !== 'DAILY' && freq !== 'WEEKLY')
    problems.push(`rrule FREQ=${freq.slice(0, 20)} is not supported: homework recurs DAILY or WEEKLY`);

  let interval = 1;
  if (parts.has('INTERVAL')) {
    const max = freq === 'WEEKLY' ? 52 : 365;
    const list = intList(parts.get('INTERVAL')!, 1, max);
    if (!list || list.length !== 1) problems.push(`rrule INTERVAL must be a whole number from 1 to ${max}`);
    else interval = list[0];
  }

  let byDay: Weekday[] = [];
  if (parts.has('BYDAY')) {
    const days = parts.get('BYDAY')!.split(',');
    if (days.some((d) => !(WEEKDAYS as readonly string[]).includes(d)))
      problems.push('rrule BYDAY must list weekdays (MO,TU,WE,TH,FR,SA,SU) without ordinals');
    else byDay = [...new Set(days as Weekday[])];
  }

  let byHour: number[] = [];
  if (!parts.has('BYHOUR'))
    problems.push('rrule needs BYHOUR (and BYMINUTE) for the local time it is due, e.g. BYHOUR=20;BYMINUTE=0');
  else {
    const list = intList(parts.get('BYHOUR')!, 0, 23);
    if (!list) problems.push('rrule BYHOUR must list hours from 0 to 23');
    else byHour = list;
  }

  let byMinute = [0];
  if (parts.has('BYMINUTE')) {
    const list = intList(parts.get('BYMINUTE')!, 0, 59);
    if (!list) problems.push('rrule BYMINUTE must list minutes from 0 to 59');
    else byMinute = list;
  }

  if (parts.has('BYSECOND') && parts.get('BYSECOND') !== '0') problems.push('rrule BYSECOND may only be 0');

  let count: number | undefined;
  if (parts.has('COUNT')) {
    const list = intList(parts.get('COUNT')!, 1, MAX_COUNT);
    if (!list || list.length !== 1) problems.push(`rrule COUNT must be a whole number from 1 to ${MAX_COUNT}`);
    else count = list[0];
  }

  let wkst: Weekday | undefined;
  if (parts.has('WKST')) {
    const value = parts.get('WKST')!;
    if (!(WEEKDAYS as readonly string[]).includes(value)) problems.push('rrule WKST must be a weekday (MO…SU)');
    else wkst = value as Weekday;
  }

  if (byHour.length * byMinute.length > MAX_TIMES_PER_DAY) {
    problems.push(`rrule may name at most ${MAX_TIMES_PER_DAY} times a day (BYHOUR × BYMINUTE)`);
  }

  if (problems.length) return { rule: null, problems };
  return { rule: { freq: freq as 'DAILY' | 'WEEKLY', interval, byDay, byHour, byMinute, count, wkst }, problems: [] };
}

/** The canonical text of a parsed rule (what is stored). */
export function formatRecurrenceRule(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byDay.length) parts.push(`BYDAY=${rule.byDay.join(',')}`);
  parts.push(`BYHOUR=${rule.byHour.join(',')}`, `BYMINUTE=${rule.byMinute.join(',')}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.wkst) parts.push(`WKST=${rule.wkst}`);
  return parts.join(';');
}

/** Validates a whole recurring schedule; answers field problems keyed by schedule.* names. */
export function validateRecurrence(spec: RecurrenceSpec): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const parsed = parseRecurrenceRule(spec.rrule);
  for (const message of parsed.problems) problems.push({ field: 'schedule.rrule', message });
  if (!isIsoDate(spec.startsOn))
    problems.push({ field: 'schedule.startsOn', message: 'startsOn must be a date like 2025-03-01' });
  if (spec.until !== undefined && spec.until !== null) {
    if (!isIsoDate(spec.until))
      problems.push({ field: 'schedule.until', message: 'until must be a date like 2025-06-30' });
    else if (isIsoDate(spec.startsOn) && spec.until < spec.startsOn)
      problems.push({ field: 'schedule.until', message: 'until must not be before startsOn' });
  }
  return problems;
}

/**
 * The instant a local wall-clock time names in a zone, chosen deliberately at DST changes:
 * - in an overlap (fall back: the local time happens twice) the first instant is taken, so a
 *   daily 01:30 is due once, at the earlier 01:30;
 * - in a gap (spring forward: the local time never happens) the time moves forward by the
 *   gap's length, so 02:30 on the day clocks jump 02:00→03:00 is due at 03:30.
 * `wallMs` is the wall time encoded as if it were UTC ("floating" time).
 */
export function wallTimeToInstant(wallMs: number, zone: IANAZone): number {
  // Real zones never change offset twice within two days, so these two bracket any transition.
  const before = zone.offset(wallMs - DAY_MS);
  const after = zone.offset(wallMs + DAY_MS);
  const candidates = [...new Set([before, after])]
    .map((offset) => wallMs - offset * MINUTE_MS)
    .filter((instant) => instant + zone.offset(instant) * MINUTE_MS === wallMs)
    .sort((a, b) => a - b);
  if (candidates.length) return candidates[0];
  return wallMs - before * MINUTE_MS;
}

/** The local wall time of an instant in a zone, encoded as floating (UTC-as-local) milliseconds. */
export function instantToWallTime(instantMs: number, zone: IANAZone): number {
  return instantMs + zone.offset(instantMs) * MINUTE_MS;
}

export function zoneOf(timezone: string): IANAZone {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new Error(`Unknown time zone: ${timezone}`);
  return zone;
}

function floatingDate(isoDate: string, endOfDay = false): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, endOfDay ? 23 : 0, endOfDay ? 59 : 0, endOfDay ? 59 : 0, endOfDay ? 999 : 0));
}

const FREQ = { DAILY: 3, WEEKLY: 2 } as const;

/**
 * Due instants of a recurring schedule for one person in `timezone`, within [from, to).
 * The rule is expanded over floating local times (rrule has no sane zone support), then each
 * local time is turned into an instant in the zone with `wallTimeToInstant`, so "daily at 20:00"
 * stays 20:00 local on both sides of every DST change.
 */
export function expandRecurrence(spec: RecurrenceSpec, timezone: string, from: Date, to: Date): Date[] {
  const parsed = parseRecurrenceRule(spec.rrule);
  if (!parsed.rule) throw new Error(`Invalid recurrence rule: ${parsed.problems.join('; ')}`);
  if (to.getTime() <= from.getTime()) return [];
  const rule = parsed.rule;
  const zone = zoneOf(timezone);
  const dayIndex = (d: Weekday) => WEEKDAYS.indexOf(d);

  const generator = new RRule({
    freq: FREQ[rule.freq],
    interval: rule.interval,
    byweekday: rule.byDay.length ? rule.byDay.map(dayIndex) : null,
    byhour: rule.byHour,
    byminute: rule.byMinute,
    bysecond: [0],
    count: rule.count ?? null,
    wkst: rule.wkst ? dayIndex(rule.wkst) : null,
    dtstart: floatingDate(spec.startsOn),
    until: spec.until ? floatingDate(spec.until, true) : null,
    tzid: null,
  });

  // A day of slack each side covers every offset; exact bounds are applied to the instants.
  const windowStart = new Date(instantToWallTime(from.getTime(), zone) - DAY_MS);
  const windowEnd = new Date(instantToWallTime(to.getTime(), zone) + DAY_MS);
  const instants = new Set<number>();
  for (const wall of generator.between(windowStart, windowEnd, true)) {
    const instant = wallTimeToInstant(wall.getTime(), zone);
    if (instant >= from.getTime() && instant < to.getTime()) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b).map((ms) => new Date(ms));
}
