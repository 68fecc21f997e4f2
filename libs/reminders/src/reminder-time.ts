import { IANAZone } from 'luxon';

/**
 * When reminders go out, as pure functions of instants, IANA zones and local clock times.
 * Nothing here reads the clock: "now" is a parameter (`notBefore`), so the scheduler, the
 * processor and the tests compute the same answer for the same input.
 *
 * Quiet hours are a local clock window such as 21:00–08:00 (it may span midnight; start equal to
 * end means none), evaluated night by night in the recipient's zone: the night of local date D
 * runs from the FIRST moment the wall clock reads D `start` to the LAST moment it reads `end`
 * (on D, or D + 1 when the window spans midnight). A reminder that falls inside a night is
 * deferred to its end (to the end of the next one when nights touch), not dropped.
 *
 * Daylight saving: on a spring-forward day a clock time that does not exist resolves to the
 * instant the clock jumps over it, so an end inside the gap moves forward to the first existing
 * moment after it. On a fall-back day a repeated start or end resolves outwards (first start,
 * last end), so a night covers every instant whose clock shows a quiet time — both passes of a
 * repeated hour — plus, conservatively, the stretch between them. Hence a reminder is never sent
 * early, never while the recipient's clock shows a quiet time, and once; and later-due
 * reminders are never sent before earlier-due ones (deferral keeps order).
 */

export interface QuietHours {
  /** Local clock time HH:MM at which quiet hours begin. */
  start: string;
  /** Local clock time HH:MM at which quiet hours end (the first minute that is not quiet). */
  end: string;
}

/** The product default; clinics may change it (clinic settings) and users override it. */
export const DEFAULT_QUIET_HOURS: Readonly<QuietHours> = Object.freeze({ start: '21:00', end: '08:00' });

/** Where and when a recipient may be reached. */
export interface RecipientWindow {
  /** The recipient's IANA zone, e.g. Europe/Berlin. */
  zone: string;
  /** Effective quiet hours (the user's own, else the clinic's default). */
  quietHours: QuietHours;
  /** Never send before this instant (typically "now" when (re)computing). */
  notBefore?: Date;
  /** A send at or after this instant is pointless (the occurrence closed, the session began): none is planned. */
  notAfter?: Date;
}

export interface ReminderTime {
  sendAt: Date;
  /** True when quiet hours moved the send later than its earliest allowed instant. */
  isDeferred: boolean;
}

export const MAX_MINUTES_BEFORE = 7 * 24 * 60;
export const MAX_OVERDUE_AFTER_MINUTES = 30 * 24 * 60;
export const MAX_SESSION_REMINDER_HOURS = 7 * 24;
export const DEFAULT_SESSION_REMINDER_HOURS = 24;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of a HH:MM clock time; throws on anything else. */
export function clockMinutes(value: string): number {
  const match = CLOCK_TIME.exec(value);
  if (!match) throw new RangeError(`"${value}" is not a clock time like 21:00`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function zoneNamed(name: string): IANAZone {
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new RangeError(`"${name}" is not an IANA time zone`);
  return zone;
}

function offsetMs(zone: IANAZone, instant: number): number {
  return Math.round(zone.offset(instant) * MINUTE);
}

/** The wall clock of `zone` at `instant`, as milliseconds of a naive (offset-free) timeline. */
function wallAt(zone: IANAZone, instant: number): number {
  return instant + offsetMs(zone, instant);
}

/** Every instant at which the wall clock of `zone` reads `wall`: none (gap), one, or two (overlap). */
function instantsAtWall(zone: IANAZone, wall: number): number[] {
  const offsets = new Set([offsetMs(zone, wall - DAY), offsetMs(zone, wall + DAY)]);
  // Offsets seen at the candidates themselves catch a second transition inside the two-day span.
  for (const offset of [...offsets]) offsets.add(offsetMs(zone, wall - offset));
  const instants = [...offsets].map((offset) => wall - offset).filter((instant) => wallAt(zone, instant) === wall);
  return [...new Set(instants)].sort((a, b) => a - b);
}

/** The instant the clock jumps over `wall` (which falls in a spring-forward gap). */
function transitionOver(zone: IANAZone, wall: number): number {
  const offsets = [offsetMs(zone, wall - DAY), offsetMs(zone, wall + DAY)];
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  // Before the jump the clock reads less than `wall`, after it more: find the first instant after.
  if (wallAt(zone, lo) >= wall || wallAt(zone, hi) <= wall)
    throw new Error(`no clock change found around ${new Date(wall).toISOString()} in ${zone.name}`);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallAt(zone, mid) < wall) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The first instant the clock reads `wall` (or jumps over it). */
function firstAtWall(zone: IANAZone, wall: number): number {
  const instants = instantsAtWall(zone, wall);
  return instants.length > 0 ? instants[0] : transitionOver(zone, wall);
}

/** The last instant the clock reads `wall` (or jumps over it). */
function lastAtWall(zone: IANAZone, wall: number): number {
  const instants = instantsAtWall(zone, wall);
  return instants.length > 0 ? instants[instants.length - 1] : transitionOver(zone, wall);
}

interface QuietWindow {
  start: number;
  end: number;
  spansMidnight: boolean;
}

function quietWindow(quiet: QuietHours): QuietWindow | null {
  const start = clockMinutes(quiet.start) * MINUTE;
  const end = clockMinutes(quiet.end) * MINUTE;
  if (start === end) return null;
  return { start, end, spansMidnight: start > end };
}

/** The end of the quiet night containing `instant` (its latest end when two nights overlap), or null. */
function nightEndAfter(zone: IANAZone, window: QuietWindow, instant: number): number | null {
  const day = Math.floor(wallAt(zone, instant) / DAY);
  let end: number | null = null;
  for (let d = day - 2; d <= day + 1; d++) {
    const nightStart = firstAtWall(zone, d * DAY + window.start);
    const nightEnd = lastAtWall(zone, (window.spansMidnight ? d + 1 : d) * DAY + window.end);
    if (nightStart <= instant && instant < nightEnd && (end === null || nightEnd > end)) end = nightEnd;
  }
  return end;
}

/** True when `at` lies inside one of the recipient's quiet nights (see the module comment). */
export function isInQuietHours(at: Date, zone: string, quietHours: QuietHours): boolean {
  const window = quietWindow(quietHours);
  return window !== null && nightEndAfter(zoneNamed(zone), window, at.getTime()) !== null;
}

/** `at` itself when it is not in quiet hours, else the end of the quiet night it falls in. */
export function deferPastQuietHours(at: Date, zone: string, quietHours: QuietHours): ReminderTime {
  const window = quietWindow(quietHours);
  const tz = zoneNamed(zone);
  let instant = at.getTime();
  if (!Number.isFinite(instant)) throw new RangeError('the reminder instant is not a valid date');
  if (window === null) return { sendAt: new Date(instant), isDeferred: false };
  // Nights touch or overlap only around a clock change (or when the clock skips a day's whole
  // non-quiet stretch); each step moves strictly later, and a window shorter than a day is left
  // within a few steps.
  for (let step = 0; step < 8; step++) {
    const end = nightEndAfter(tz, window, instant);
    if (end === null) return { sendAt: new Date(instant), isDeferred: instant !== at.getTime() };
    instant = end;
  }
  throw new Error(
    `could not find the end of quiet hours ${quietHours.start}-${quietHours.end} in ${zone} after ${at.toISOString()}`,
  );
}

function plan(earliest: number, window: RecipientWindow, notAfter = window.notAfter): ReminderTime | null {
  if (!Number.isFinite(earliest)) throw new RangeError('the reminder instant is not a valid date');
  const from = window.notBefore === undefined ? earliest : Math.max(earliest, window.notBefore.getTime());
  const deferred = deferPastQuietHours(new Date(from), window.zone, window.quietHours);
  if (notAfter !== undefined && deferred.sendAt.getTime() >= notAfter.getTime()) return null;
  return deferred;
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * Homework due: at `dueAt − minutesBefore`, never earlier, deferred past quiet hours.
 * Null when nothing should be sent (it would land at or after `notAfter`).
 */
export function homeworkReminderAt(dueAt: Date, minutesBefore: number, window: RecipientWindow): ReminderTime | null {
  wholeNumber('minutesBefore', minutesBefore, 0, MAX_MINUTES_BEFORE);
  return plan(dueAt.getTime() - minutesBefore * MINUTE, window);
}

/** The overdue nudge: `overdueAfterMinutes` after the due time, deferred past quiet hours. */
export function overdueNudgeAt(dueAt: Date, overdueAfterMinutes: number, window: RecipientWindow): ReminderTime | null {
  wholeNumber('overdueAfterMinutes', overdueAfterMinutes, 1, MAX_OVERDUE_AFTER_MINUTES);
  return plan(dueAt.getTime() + overdueAfterMinutes * MINUTE, window);
}

/**
 * The session reminder: `hoursBefore` (default 24) before the session starts, deferred past quiet
 * hours. Null when the deferred instant is not before the session start (a reminder after the
 * session began is noise).
 */
export function sessionReminderAt(startsAt: Date, hoursBefore: number, window: RecipientWindow): ReminderTime | null {
  wholeNumber('hoursBefore', hoursBefore, 1, MAX_SESSION_REMINDER_HOURS);
  const notAfter = window.notAfter === undefined || window.notAfter > startsAt ? startsAt : window.notAfter;
  return plan(startsAt.getTime() - hoursBefore * 60 * MINUTE, window, notAfter);
}

export interface SeriesItem {
  id: string;
  dueAt: Date;
}

export interface PlannedSend extends ReminderTime {
  /** The occurrences reminded by this send, in due order (more than one: merge them into one message). */
  ids: string[];
}

export interface SeriesPlan {
  /** Sorted by `sendAt`; no two share an instant. */
  sends: PlannedSend[];
  /** Items for which no reminder is planned (it would land at or after `notAfter`). */
  skippedIds: string[];
}

/**
 * Homework reminders for a series of occurrences (one recipient). Each occurrence is planned
 * once; occurrences whose reminders land on the same instant — several due inside one night's
 * quiet hours all defer to its end — become ONE send listing them all, so a series never fires
 * twice at the same moment.
 */
export function planReminderSeries(
  items: readonly SeriesItem[],
  minutesBefore: number,
  window: RecipientWindow,
): SeriesPlan {
  const byInstant = new Map<number, PlannedSend>();
  const skippedIds: string[] = [];
  const sorted = [...items].sort(
    (a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const seen = new Set<string>();
  for (const item of sorted) {
    if (seen.has(item.id)) throw new RangeError(`occurrence ${item.id} appears twice in the series`);
    seen.add(item.id);
    const time = homeworkReminderAt(item.dueAt, minutesBefore, window);
    if (time === null) {
      skippedIds.push(item.id);
      continue;
    }
    const existing = byInstant.get(time.sendAt.getTime());
    if (existing) {
      existing.ids.push(item.id);
      existing.isDeferred = existing.isDeferred || time.isDeferred;
    } else {
      byInstant.set(time.sendAt.getTime(), { ...time, ids: [item.id] });
    }
  }
  const sends = [...byInstant.values()].sort((a, b) => a.sendAt.getTime() - b.sendAt.getTime());
  return { sends, skippedIds };
}

/** The recipient's local calendar date (YYYY-MM-DD) at `at`. */
export function localDateOf(at: Date, zone: string): string {
  const wall = wallAt(zoneNamed(zone), at.getTime());
  return new Date(Math.floor(wall / DAY) * DAY).toISOString().slice(0, 10);
}

/**
 * The instants [start, end) of a local calendar date in `zone`, for counting what a recipient got
 * "today" in SQL. A day that starts inside a gap starts when the clock jumps into it.
 */
export function localDayBounds(localDate: string, zone: string): { start: Date; end: Date } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate) || Number.isNaN(Date.parse(`${localDate}T00:00:00Z`))) {
    throw new RangeError(`"${localDate}" is not a date like 2025-03-09`);
  }
  const tz = zoneNamed(zone);
  const midnight = Date.parse(`${localDate}T00:00:00Z`);
  return { start: new Date(firstAtWall(tz, midnight)), end: new Date(firstAtWall(tz, midnight + DAY)) };
}

export type DailyCapDecision =
  { action: 'send'; localDate: string; sentToday: number } | { action: 'digest'; localDate: string; sentToday: number };

export interface DailyCapInput {
  /** When the reminder is about to go out. */
  sendAt: Date;
  zone: string;
  /** When the recipient's earlier individual reminders went out (others' days are ignored). */
  alreadySent: readonly Date[];
  /** The clinic's cap on individual reminders per recipient per local day. */
  cap: number;
}

/**
 * Up to `cap` individual reminders per recipient per local day; the rest are merged into that
 * day's digest rather than dropped (so a recipient gets at most cap + 1 messages a day).
 */
export function decideDailyCap(input: DailyCapInput): DailyCapDecision {
  wholeNumber('cap', input.cap, 1, 1000);
  const localDate = localDateOf(input.sendAt, input.zone);
  const sentToday = input.alreadySent.filter((at) => localDateOf(at, input.zone) === localDate).length;
  return { action: sentToday < input.cap ? 'send' : 'digest', localDate, sentToday };
}
