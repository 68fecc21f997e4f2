import { DateTime, IANAZone } from 'luxon';

import { isoDate, isValidZone, localDayNumber, localDaysBetween, offsetMinutes } from './local-days.js';
import { daysBetween, localDay } from './progress.series.js';

/** Zones with DST changes at or near midnight, half-hour and 45-minute offsets, and no DST at all. */
const ZONES = [
  'UTC',
  'America/New_York',
  'America/Santiago', // changes at midnight: the local midnight is skipped in spring
  'America/Havana', // changes at midnight too
  'America/Asuncion',
  'Asia/Beirut', // changes at midnight
  'Africa/Casablanca', // DST suspended for Ramadan: two changes a month apart
  'Australia/Lord_Howe', // a 30-minute DST change
  'Asia/Kathmandu', // +05:45
  'Asia/Tehran',
  'Pacific/Chatham', // +12:45 / +13:45
  'Europe/London',
  'Pacific/Apia',
  'America/St_Johns',
];

const DAY = 86_400_000;

/**
 * The Luxon computation the helpers replace, as the reference — with one fix: it stepped with
 * plus({ days: 1 }) alone, which after a skipped midnight (Santiago) kept stepping at 01:00 and
 * dropped the last day when the range ended between midnight and 01:00.
 */
const luxonDay = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISODate()!;
function luxonDays(fromMs: number, toMs: number, zone: string) {
  const days: string[] = [];
  let day = DateTime.fromMillis(fromMs, { zone }).startOf('day');
  const last = DateTime.fromMillis(toMs, { zone }).startOf('day');
  while (day <= last) {
    days.push(day.toISODate()!);
    day = day.plus({ days: 1 }).startOf('day');
  }
  const next = last.plus({ days: 1 });
  return { days, starts: [...days.map((d) => DateTime.fromISO(d, { zone }).toMillis()), next.toMillis()] };
}

/** A fixed pseudo-random sequence, so a failure is reproducible. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('local days without a DateTime per day', () => {
  it("gives Luxon's offset and local date for random instants in every zone, 2020–2035", () => {
    const next = random(17);
    for (const zone of ZONES) {
      for (let i = 0; i < 400; i++) {
        const ms = Math.floor(Date.UTC(2020, 0, 1) + next() * 15 * 365 * DAY);
        expect([zone, ms, offsetMinutes(zone, ms)]).toEqual([zone, ms, new IANAZone(zone).offset(ms)]);
        expect([zone, ms, localDay(new Date(ms), zone)]).toEqual([zone, ms, luxonDay(ms, zone)]);
      }
    }
  });

  it("gives Luxon's days and each day's first instant over 42-day ranges across DST changes", () => {
    const next = random(29);
    for (const zone of ZONES) {
      for (let i = 0; i < 40; i++) {
        const toMs = Math.floor(Date.UTC(2024, 0, 1) + next() * 4 * 365 * DAY);
        const fromMs = toMs - Math.floor(next() * 42 * DAY);
        const ours = localDaysBetween(zone, fromMs, toMs);
        const reference = luxonDays(fromMs, toMs, zone);
        expect({ zone, fromMs, days: ours.days.map(isoDate), starts: ours.starts }).toEqual({
          zone,
          fromMs,
          ...reference,
        });
        expect(daysBetween(new Date(fromMs), new Date(toMs), zone)).toEqual(reference.days);
      }
    }
  });

  it("starts Santiago's spring-forward day at 01:00, since its midnight does not exist", () => {
    // 2025-09-07: clocks go from 00:00 (−04) to 01:00 (−03).
    const { days, starts } = localDaysBetween('America/Santiago', Date.UTC(2025, 8, 7, 12), Date.UTC(2025, 8, 7, 12));
    expect(days.map(isoDate)).toEqual(['2025-09-07']);
    expect(new Date(starts[0]).toISOString()).toBe('2025-09-07T04:00:00.000Z');
    expect(localDayNumber('America/Santiago', starts[0] - 1)).toBe(days[0] - 1);
  });

  it('knows valid zones from unknown names (and remembers them)', () => {
    expect(isValidZone('Europe/Paris')).toBe(true);
    expect(isValidZone('Europe/Paris')).toBe(true);
    expect(isValidZone('Mars/Olympus_Mons')).toBe(false);
  });
});
