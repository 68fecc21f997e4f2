import { IANAZone } from 'luxon';

/**
 * Local days of a zone without a Luxon DateTime per day. The progress read draws 42 local days on
 * every request; doing that with Luxon (startOf, plus, fromISO: several zone-offset lookups and
 * a dozen objects per day) was ~15% of the API's CPU per progress read and ~30% of what it
 * allocated. Here a zone's offset comes from one cached Intl formatter per zone (one format call,
 * no parts array), and a day's first instant is found the way Luxon finds it (fixOffset), so the
 * answers are Luxon's (local-days.spec.ts compares them across DST changes in many zones).
 */

const DAY_MS = 86_400_000;

/** Bounded: zone names come from users and clinics; a few hundred exist. */
const MAX_ZONES = 1_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const validZones = new Map<string, boolean>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_ZONES) cache.clear();
  cache.set(key, value);
  return value;
}

/** IANAZone.isValidZone, remembered (it builds an Intl formatter on every call). */
export function isValidZone(zone: string): boolean {
  return validZones.get(zone) ?? remember(validZones, zone, IANAZone.isValidZone(zone));
}

function formatterOf(zone: string): Intl.DateTimeFormat {
  return (
    formatters.get(zone) ??
    remember(
      formatters,
      zone,
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
    )
  );
}

/** Reads the digits of "MM/DD/YYYY, HH:MM:SS" starting at `at` up to the next non-digit. */
function digitsAt(text: string, at: number): [value: number, next: number] {
  let value = 0;
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
  }
  return [value, i + 1];
}

/** The zone's offset from UTC in minutes at an instant (as Luxon's IANAZone.offset computes it). */
export function offsetMinutes(zone: string, ms: number): number {
  const text = formatterOf(zone).format(ms);
  const [month, a] = digitsAt(text, 0);
  const [day, b] = digitsAt(text, a);
  const [year, c] = digitsAt(text, b);
  const [hour, d] = digitsAt(text, c + 1); // skip the space after the comma
  const [minute, e] = digitsAt(text, d);
  const [second] = digitsAt(text, e);
  const wall = Date.UTC(year, month - 1, day, hour === 24 ? 0 : hour, minute, second);
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return (wall - whole) / 60_000;
}

/** Days since 1970-01-01 of the local date of an instant. */
export function localDayNumber(zone: string, ms: number): number {
  return Math.floor((ms + offsetMinutes(zone, ms) * 60_000) / DAY_MS);
}

/** "YYYY-MM-DD" of a day number. */
export function isoDate(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instant a local wall-clock time happens in a zone, guessing the offset first (Luxon's
 * fixOffset): a wall time skipped by a DST change moves forward by the change, an ambiguous one
 * takes the guessed offset if it fits.
 */
function instantOfWall(zone: string, wallMs: number, guessMinutes: number): { ms: number; offset: number } {
  let utc = wallMs - guessMinutes * 60_000;
  const o2 = offsetMinutes(zone, utc);
  if (o2 === guessMinutes) return { ms: utc, offset: o2 };
  utc -= (o2 - guessMinutes) * 60_000;
  const o3 = offsetMinutes(zone, utc);
  if (o2 === o3) return { ms: utc, offset: o2 };
  return { ms: wallMs - Math.min(o2, o3) * 60_000, offset: Math.max(o2, o3) };
}

/**
 * Every local date from `fromMs`'s to `toMs`'s (inclusive) as day numbers, with the first
 * instant of each and of the day after the last: a day i is [starts[i], starts[i + 1]).
 * The offset of `toMs` is the first guess (Luxon guesses the offset of the current time).
 */
export function localDaysBetween(zone: string, fromMs: number, toMs: number): { days: number[]; starts: number[] } {
  const first = localDayNumber(zone, fromMs);
  const last = localDayNumber(zone, toMs);
  const days: number[] = [];
  const starts: number[] = [];
  let guess = offsetMinutes(zone, toMs);
  for (let day = first; day <= last + 1; day++) {
    const start = instantOfWall(zone, day * DAY_MS, guess);
    guess = start.offset;
    if (day <= last) days.push(day);
    starts.push(start.ms);
  }
  return { days, starts };
}
