import { jest } from '@jest/globals';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';

import { readTestRunOptions } from '@mend/config';

import {
  decideDailyCap,
  DEFAULT_QUIET_HOURS,
  deferPastQuietHours,
  homeworkReminderAt,
  isInQuietHours,
  localDateOf,
  localDayBounds,
  overdueNudgeAt,
  planReminderSeries,
  sessionReminderAt,
  type QuietHours,
  type RecipientWindow,
} from './reminder-time.js';

// Property runs are CPU-bound; a loaded CI machine must not turn them into timeouts.
jest.setTimeout(120_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The zones the issue names: every kind of daylight saving (30-minute shifts, :45 offsets, none). */
const NAMED_ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/St_Johns',
  'Australia/Lord_Howe',
];
const ALL_ZONES = [...new Set([...Intl.supportedValuesOf('timeZone'), ...NAMED_ZONES])];

// ---- an independent oracle: luxon's own wall clock, not the module's offset arithmetic ----

function clockMs(at: number, zone: string): number {
  const local = DateTime.fromMillis(at, { zone });
  return ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
}

function hhmm(value: string): number {
  const [h, m] = value.split(':').map(Number);
  return (h * 60 + m) * MINUTE;
}

/** What the recipient sees: is the wall clock inside the window? */
function looksQuiet(at: number, zone: string, quiet: QuietHours): boolean {
  const start = hhmm(quiet.start);
  const end = hhmm(quiet.end);
  const clock = clockMs(at, zone);
  if (start === end) return false;
  return start < end ? clock >= start && clock < end : clock >= start || clock < end;
}

function offsetChangesAt(at: number, zone: string): boolean {
  const tz = IANAZone.create(zone);
  return tz.offset(at - 1) !== tz.offset(at);
}

/** Clock changes of a zone in a year (to the millisecond), found by scanning days and bisecting. */
const transitionCache = new Map<string, number[]>();
function transitionsIn(zone: string, year: number): number[] {
  const key = `${zone}/${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const tz = IANAZone.create(zone);
  const found: number[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  for (let t = Date.UTC(year, 0, 1); t < end; t += DAY / 2) {
    if (tz.offset(t) === tz.offset(t + DAY / 2)) continue;
    let lo = t;
    let hi = t + DAY / 2;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (tz.offset(mid) === tz.offset(lo)) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  transitionCache.set(key, found);
  return found;
}

// ---- generators ----

const zoneArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NAMED_ZONES) },
  { weight: 3, arbitrary: fc.constantFrom(...ALL_ZONES) },
);

/** Clock times biased towards the small hours, where clocks change (and :15/:30/:45 shifts). */
const clockArb = fc
  .oneof(
    fc.record({ h: fc.integer({ min: 0, max: 4 }), m: fc.constantFrom(0, 15, 30, 45, 59) }),
    fc.record({ h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) }),
  )
  .map(({ h, m }) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const quietArb: fc.Arbitrary<QuietHours> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ ...DEFAULT_QUIET_HOURS }) },
  { weight: 6, arbitrary: fc.record({ start: clockArb, end: clockArb }) },
);

/** An instant within ±36 h of one of the zone's clock changes (or anywhere in the year if it has none). */
function instantNearTransitionArb(zone: string): fc.Arbitrary<number> {
  return fc
    .record({
      year: fc.integer({ min: 2020, max: 2035 }),
      pick: fc.nat(),
      shift: fc.oneof(
        fc.integer({ min: -36 * 60, max: 36 * 60 }).map((m) => m * MINUTE),
        fc.integer({ min: -36 * HOUR, max: 36 * HOUR }),
      ),
    })
    .map(({ year, pick, shift }) => {
      const transitions = transitionsIn(zone, year);
      if (transitions.length === 0) return Date.UTC(year, 0, 1) + (pick % 365) * DAY + shift;
      return transitions[pick % transitions.length] + shift;
    });
}

const scenarioArb = zoneArb.chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    at: instantNearTransitionArb(zone),
    quiet: quietArb,
    minutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 180 }), fc.integer({ min: 1, max: 7 * 24 * 60 })),
  }),
);

/** PROPERTY_RUNS=5000 searches harder (the default keeps the unit suite quick). */
const RUNS = { numRuns: readTestRunOptions().propertyRuns ?? 500 };

/** The invariants every planned send keeps. */
function expectGoodSend(sendAt: Date, earliest: number, isDeferred: boolean, zone: string, quiet: QuietHours): void {
  const at = sendAt.getTime();
  // Never early.
  expect(at).toBeGreaterThanOrEqual(earliest);
  // Never while the recipient's clock shows a quiet time.
  expect(looksQuiet(at, zone, quiet)).toBe(false);
  expect(isInQuietHours(sendAt, zone, quiet)).toBe(false);
  if (!isInQuietHours(new Date(earliest), zone, quiet)) {
    // Not quiet: exactly on time.
    expect({ at, isDeferred }).toEqual({ at: earliest, isDeferred: false });
  } else {
    // Deferred to the end of the quiet hours: the clock shows `end` then, or the clock jumped over it then.
    expect(isDeferred).toBe(true);
    const landsOnEnd = clockMs(at, zone) === hhmm(quiet.end);
    expect({ landsOnEnd, jumped: offsetChangesAt(at, zone) }).not.toEqual({ landsOnEnd: false, jumped: false });
    // Within two nights, whatever the window and the clock did.
    expect(at - earliest).toBeLessThan(2 * DAY + 2 * HOUR);
  }
}

describe('reminder times (properties over random zones, schedules and quiet hours around clock changes)', () => {
  it('sends homework reminders never before due − minutesBefore, never in quiet hours, on time unless deferred to their end', () => {
    fc.assert(
      fc.property(scenarioArb, ({ zone, at, quiet, minutes }) => {
        const window: RecipientWindow = { zone, quietHours: quiet };
        const time = homeworkReminderAt(new Date(at), minutes, window)!;
        expectGoodSend(time.sendAt, at - minutes * MINUTE, time.isDeferred, zone, quiet);
      }),
      RUNS,
    );
  });

  it('counts as quiet every instant whose clock shows a quiet time, and more only right next to a clock change', () => {
    fc.assert(
      fc.property(scenarioArb, ({ zone, at, quiet }) => {
        const isQuiet = isInQuietHours(new Date(at), zone, quiet);
        if (looksQuiet(at, zone, quiet)) expect(isQuiet).toBe(true);
        if (isQuiet && !looksQuiet(at, zone, quiet)) {
          const tz = IANAZone.create(zone);
          expect(tz.offset(at - 3 * HOUR)).not.toBe(tz.offset(at + 3 * HOUR));
        }
      }),
      RUNS,
    );
  });

  it('nudges overdue homework overdueAfterMinutes after due, never in quiet hours', () => {
    fc.assert(
      fc.property(scenarioArb, ({ zone, at, quiet, minutes }) => {
        const time = overdueNudgeAt(new Date(at), Math.max(1, minutes), { zone, quietHours: quiet })!;
        expectGoodSend(time.sendAt, at + Math.max(1, minutes) * MINUTE, time.isDeferred, zone, quiet);
      }),
      RUNS,
    );
  });

  it('reminds of sessions 24 h ahead, never in quiet hours, and never at or after the start', () => {
    fc.assert(
      fc.property(scenarioArb, ({ zone, at, quiet }) => {
        const time = sessionReminderAt(new Date(at), 24, { zone, quietHours: quiet });
        if (time === null) {
          // Only when the quiet hours last until the session starts.
          expect(deferPastQuietHours(new Date(at - DAY), zone, quiet).sendAt.getTime()).toBeGreaterThanOrEqual(at);
          return;
        }
        expect(time.sendAt.getTime()).toBeLessThan(at);
        expectGoodSend(time.sendAt, at - DAY, time.isDeferred, zone, quiet);
      }),
      RUNS,
    );
  });

  it('respects notBefore ("now") and notAfter (occurrence closed) without breaking the other rules', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.integer({ min: -2 * DAY, max: 2 * DAY }),
        fc.integer({ min: 1, max: 3 * DAY }),
        ({ zone, at, quiet, minutes }, nowShift, closesAfter) => {
          const now = at + nowShift;
          const closesAt = at + closesAfter;
          const time = homeworkReminderAt(new Date(at), minutes, {
            zone,
            quietHours: quiet,
            notBefore: new Date(now),
            notAfter: new Date(closesAt),
          });
          const earliest = Math.max(at - minutes * MINUTE, now);
          if (time === null) {
            expect(deferPastQuietHours(new Date(earliest), zone, quiet).sendAt.getTime()).toBeGreaterThanOrEqual(
              closesAt,
            );
            return;
          }
          expect(time.sendAt.getTime()).toBeLessThan(closesAt);
          expectGoodSend(time.sendAt, earliest, time.isDeferred, zone, quiet);
        },
      ),
      RUNS,
    );
  });

  it('plans a series once per occurrence: no instant twice, order kept, merged only when quiet hours defer them together', () => {
    const seriesArb = zoneArb.chain((zone) =>
      fc.record({
        zone: fc.constant(zone),
        start: instantNearTransitionArb(zone),
        quiet: quietArb,
        minutesBefore: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 24 * 60 })),
        // Local times of day the occurrences are due at, and every how many days.
        times: fc.uniqueArray(clockArb, { minLength: 1, maxLength: 4 }),
        everyDays: fc.integer({ min: 1, max: 3 }),
        count: fc.integer({ min: 2, max: 30 }),
      }),
    );
    fc.assert(
      fc.property(seriesArb, ({ zone, start, quiet, minutesBefore, times, everyDays, count }) => {
        const items = localSeries(zone, start, times, everyDays, count);
        const plan = planReminderSeries(items, minutesBefore, { zone, quietHours: quiet });
        expect(plan.skippedIds).toEqual([]);
        // Every occurrence exactly once.
        const planned = plan.sends.flatMap((s) => s.ids);
        expect([...planned].sort()).toEqual(items.map((i) => i.id).sort());
        // No instant twice, in order.
        for (let i = 1; i < plan.sends.length; i++)
          expect(plan.sends[i].sendAt.getTime()).toBeGreaterThan(plan.sends[i - 1].sendAt.getTime());
        const dueOf = new Map(items.map((i) => [i.id, i.dueAt]));
        for (const send of plan.sends) {
          // Each member, planned on its own, lands on the send's instant and keeps every rule.
          const own = send.ids.map((id) =>
            homeworkReminderAt(dueOf.get(id)!, minutesBefore, { zone, quietHours: quiet })!,
          );
          send.ids.forEach((id, i) => {
            expect(own[i].sendAt).toEqual(send.sendAt);
            expectGoodSend(
              own[i].sendAt,
              dueOf.get(id)!.getTime() - minutesBefore * MINUTE,
              own[i].isDeferred,
              zone,
              quiet,
            );
          });
          expect(send.isDeferred).toBe(own.some((o) => o.isDeferred));
          // Merged only because quiet hours deferred the earlier ones to the same end (or they are due at
          // the same instant, as 02:15 and 03:15 are on a spring-forward day).
          for (const id of send.ids.slice(0, -1)) {
            const earliest = dueOf.get(id)!.getTime() - minutesBefore * MINUTE;
            expect(isInQuietHours(new Date(earliest), zone, quiet) || earliest === send.sendAt.getTime()).toBe(true);
          }
        }
        // Due order is kept.
        const sendOf = new Map(plan.sends.flatMap((s) => s.ids.map((id) => [id, s.sendAt.getTime()] as const)));
        const byDue = [...items].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
        for (let i = 1; i < byDue.length; i++)
          expect(sendOf.get(byDue[i].id)!).toBeGreaterThanOrEqual(sendOf.get(byDue[i - 1].id)!);
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });

  it('gives a daily series one reminder per occurrence when quiet hours start and end away from clock-change hours', () => {
    const awayFromChanges = fc
      .record({ h: fc.integer({ min: 5, max: 23 }), m: fc.integer({ min: 0, max: 59 }) })
      .map(({ h, m }) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const arb = zoneArb.chain((zone) =>
      fc.record({
        zone: fc.constant(zone),
        start: instantNearTransitionArb(zone),
        quiet: fc.oneof(
          fc.constant({ ...DEFAULT_QUIET_HOURS }),
          fc.record({ start: awayFromChanges, end: awayFromChanges }),
        ),
        time: clockArb,
        count: fc.integer({ min: 2, max: 40 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ zone, start, quiet, time, count }) => {
        const items = localSeries(zone, start, [time], 1, count);
        const plan = planReminderSeries(items, 0, { zone, quietHours: quiet });
        expect(plan.sends.map((s) => s.ids.length)).toEqual(items.map(() => 1));
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });

  it('does not read the clock: the same input gives the same answer whatever "now" is', () => {
    jest.useFakeTimers();
    try {
      fc.assert(
        fc.property(scenarioArb, ({ zone, at, quiet, minutes }) => {
          const window = { zone, quietHours: quiet };
          jest.setSystemTime(new Date('2001-01-01T00:00:00Z'));
          const first = [
            homeworkReminderAt(new Date(at), minutes, window),
            sessionReminderAt(new Date(at), 24, window),
            localDateOf(new Date(at), zone),
          ];
          jest.setSystemTime(new Date('2047-07-15T12:34:56Z'));
          const second = [
            homeworkReminderAt(new Date(at), minutes, window),
            sessionReminderAt(new Date(at), 24, window),
            localDateOf(new Date(at), zone),
          ];
          expect(second).toEqual(first);
        }),
        { numRuns: Math.ceil(RUNS.numRuns / 5) },
      );
    } finally {
      jest.useRealTimers();
    }
  });
});

/** Occurrences due at local clock times every `everyDays` days from the local date of `start`, as the homework schedule makes them. */
function localSeries(
  zone: string,
  start: number,
  times: string[],
  everyDays: number,
  count: number,
): Array<{ id: string; dueAt: Date }> {
  const first = DateTime.fromMillis(start, { zone }).startOf('day');
  const items: Array<{ id: string; dueAt: Date }> = [];
  for (let day = 0; items.length < count; day += everyDays) {
    const date = first.plus({ days: day });
    for (const time of times) {
      const [hour, minute] = time.split(':').map(Number);
      const due = DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone });
      items.push({ id: `occ-${day}-${time}`, dueAt: due.toJSDate() });
    }
  }
  return items.slice(0, count);
}

// ---- examples at each named zone's clock changes ----

const iso = (value: string) => new Date(value);
const window = (zone: string, quietHours: QuietHours): RecipientWindow => ({ zone, quietHours });

describe('reminder times at real clock changes', () => {
  const cases: Array<{ name: string; zone: string; quiet: QuietHours; due: string; expected: string }> = [
    // America/New_York: 2025-03-09 02:00 → 03:00 (07:00Z); 2025-11-02 02:00 → 01:00 (06:00Z).
    {
      name: 'New York, spring: an end inside the gap moves to the jump',
      zone: 'America/New_York',
      quiet: { start: '21:00', end: '02:30' },
      due: '2025-03-08T23:00:00-05:00',
      expected: '2025-03-09T07:00:00.000Z',
    },
    {
      name: 'New York, spring: 08:00 is 08:00 on the new offset',
      zone: 'America/New_York',
      quiet: DEFAULT_QUIET_HOURS,
      due: '2025-03-08T22:00:00-05:00',
      expected: '2025-03-09T12:00:00.000Z',
    },
    {
      name: 'New York, fall: a repeated end resolves to its second pass',
      zone: 'America/New_York',
      quiet: { start: '21:00', end: '01:30' },
      due: '2025-11-01T23:00:00-04:00',
      expected: '2025-11-02T06:30:00.000Z',
    },
    {
      name: 'New York, fall: 08:00 is 08:00 on the new offset',
      zone: 'America/New_York',
      quiet: DEFAULT_QUIET_HOURS,
      due: '2025-11-01T22:00:00-04:00',
      expected: '2025-11-02T13:00:00.000Z',
    },
    // Europe/Berlin: 2025-03-30 02:00 → 03:00 (01:00Z); 2025-10-26 03:00 → 02:00 (01:00Z).
    {
      name: 'Berlin, spring gap',
      zone: 'Europe/Berlin',
      quiet: { start: '22:00', end: '02:15' },
      due: '2025-03-29T23:30:00+01:00',
      expected: '2025-03-30T01:00:00.000Z',
    },
    {
      name: 'Berlin, fall overlap',
      zone: 'Europe/Berlin',
      quiet: { start: '23:00', end: '02:30' },
      due: '2025-10-25T23:30:00+02:00',
      expected: '2025-10-26T01:30:00.000Z',
    },
    // Australia/Sydney: 2025-04-06 03:00 → 02:00 (16:00Z on the 5th); 2025-10-05 02:00 → 03:00 (16:00Z on the 4th).
    {
      name: 'Sydney, April overlap',
      zone: 'Australia/Sydney',
      quiet: { start: '21:00', end: '02:30' },
      due: '2025-04-05T22:00:00+11:00',
      expected: '2025-04-05T16:30:00.000Z',
    },
    {
      name: 'Sydney, October gap',
      zone: 'Australia/Sydney',
      quiet: { start: '21:00', end: '02:30' },
      due: '2025-10-04T22:00:00+10:00',
      expected: '2025-10-04T16:00:00.000Z',
    },
    // Asia/Kolkata: no daylight saving, +05:30.
    {
      name: 'Kolkata, plain night',
      zone: 'Asia/Kolkata',
      quiet: DEFAULT_QUIET_HOURS,
      due: '2025-03-09T23:00:00+05:30',
      expected: '2025-03-10T02:30:00.000Z',
    },
    // Pacific/Chatham: +12:45 / +13:45, changing at 02:45 standard time.
    {
      name: 'Chatham, September gap (02:45 → 03:45)',
      zone: 'Pacific/Chatham',
      quiet: { start: '21:00', end: '03:00' },
      due: '2025-09-27T22:00:00+12:45',
      expected: '2025-09-27T14:00:00.000Z',
    },
    {
      name: 'Chatham, April overlap (03:45 → 02:45)',
      zone: 'Pacific/Chatham',
      quiet: { start: '21:00', end: '03:00' },
      due: '2025-04-05T22:00:00+13:45',
      expected: '2025-04-05T14:15:00.000Z',
    },
    // America/St_Johns: −03:30 / −02:30.
    {
      name: "St John's, spring gap",
      zone: 'America/St_Johns',
      quiet: { start: '22:00', end: '02:30' },
      due: '2025-03-08T23:00:00-03:30',
      expected: '2025-03-09T05:30:00.000Z',
    },
    {
      name: "St John's, fall overlap",
      zone: 'America/St_Johns',
      quiet: { start: '22:00', end: '01:45' },
      due: '2025-11-01T23:00:00-02:30',
      expected: '2025-11-02T05:15:00.000Z',
    },
    // Australia/Lord_Howe: +10:30 / +11, a 30-minute shift at 02:00.
    {
      name: 'Lord Howe, October half-hour gap',
      zone: 'Australia/Lord_Howe',
      quiet: { start: '21:00', end: '02:15' },
      due: '2025-10-04T22:00:00+10:30',
      expected: '2025-10-04T15:30:00.000Z',
    },
    {
      name: 'Lord Howe, April half-hour overlap',
      zone: 'Australia/Lord_Howe',
      quiet: { start: '21:00', end: '01:45' },
      due: '2025-04-05T22:00:00+11:00',
      expected: '2025-04-05T15:15:00.000Z',
    },
  ];

  it.each(cases)('$name', ({ zone, quiet, due, expected }) => {
    const time = homeworkReminderAt(iso(due), 0, window(zone, quiet))!;
    expect(time.sendAt.toISOString()).toBe(expected);
    expect(time.isDeferred).toBe(true);
  });

  it('sends on time outside quiet hours and honours minutesBefore', () => {
    const time = homeworkReminderAt(
      iso('2025-03-09T19:00:00-04:00'),
      30,
      window('America/New_York', DEFAULT_QUIET_HOURS),
    )!;
    expect(time).toEqual({ sendAt: iso('2025-03-09T18:30:00-04:00'), isDeferred: false });
  });

  it('holds a reminder through a repeated hour until the last pass of the end', () => {
    // 01:40 EDT is past a 01:30 end, but the clock falls back to 01:00 EST and shows quiet times
    // again: the night lasts until 01:30 EST, and the reminder goes out then, once.
    const quiet = { start: '21:00', end: '01:30' };
    const time = homeworkReminderAt(iso('2025-11-02T01:40:00-04:00'), 0, window('America/New_York', quiet))!;
    expect(time).toEqual({ sendAt: iso('2025-11-02T01:30:00-05:00'), isDeferred: true });
    const second = homeworkReminderAt(iso('2025-11-02T01:15:00-05:00'), 0, window('America/New_York', quiet))!;
    expect(second.sendAt).toEqual(time.sendAt);
    expect(homeworkReminderAt(iso('2025-11-02T01:30:00-05:00'), 0, window('America/New_York', quiet))).toEqual({
      sendAt: iso('2025-11-02T06:30:00Z'),
      isDeferred: false,
    });
  });

  it('keeps a night that starts in a repeated hour until its end (no ping when the clock falls back)', () => {
    // Quiet from 01:30; at 01:45 EDT the clock is about to fall back to 01:00 EST. Deferred to 08:00, not to 01:00 EST.
    const quiet = { start: '01:30', end: '08:00' };
    const time = homeworkReminderAt(iso('2025-11-02T01:45:00-04:00'), 0, window('America/New_York', quiet))!;
    expect(time.sendAt.toISOString()).toBe('2025-11-02T13:00:00.000Z');
    // And a reminder due at 01:10 EST, after the night began, waits for 08:00 too (order is kept).
    expect(homeworkReminderAt(iso('2025-11-02T01:10:00-05:00'), 0, window('America/New_York', quiet))!.sendAt).toEqual(
      time.sendAt,
    );
  });

  it('gives a daily 01:30 series across both New York changes exactly one reminder per day', () => {
    for (const start of ['2025-03-05T12:00:00Z', '2025-10-29T12:00:00Z']) {
      const items = localSeries('America/New_York', Date.parse(start), ['01:30'], 1, 8);
      const plan = planReminderSeries(items, 0, window('America/New_York', DEFAULT_QUIET_HOURS));
      expect(plan.sends).toHaveLength(8);
      expect(
        plan.sends.map((s) => DateTime.fromJSDate(s.sendAt, { zone: 'America/New_York' }).toFormat('HH:mm')),
      ).toEqual(Array(8).fill('08:00'));
      expect(new Set(plan.sends.map((s) => localDateOf(s.sendAt, 'America/New_York'))).size).toBe(8);
    }
  });

  it('merges occurrences due inside one night into one send at its end', () => {
    const items = [
      { id: 'a', dueAt: iso('2025-03-08T22:00:00-05:00') },
      { id: 'b', dueAt: iso('2025-03-08T23:30:00-05:00') },
      { id: 'c', dueAt: iso('2025-03-09T12:00:00-04:00') },
    ];
    const plan = planReminderSeries(items, 0, window('America/New_York', DEFAULT_QUIET_HOURS));
    expect(plan.sends).toEqual([
      { sendAt: iso('2025-03-09T08:00:00-04:00'), isDeferred: true, ids: ['a', 'b'] },
      { sendAt: iso('2025-03-09T12:00:00-04:00'), isDeferred: false, ids: ['c'] },
    ]);
    expect(() => planReminderSeries([items[0], items[0]], 0, window('America/New_York', DEFAULT_QUIET_HOURS))).toThrow(
      /twice/,
    );
  });

  it('merges a deferred reminder with one due exactly at the end of the same quiet hours', () => {
    // Found by the series property: quiet 01:00–00:59 leaves one open minute a day.
    const items = [
      { id: 'evening', dueAt: iso('2020-01-01T19:57:00+07:00') },
      { id: 'midnight', dueAt: iso('2020-01-01T00:00:00+07:00') },
    ];
    const plan = planReminderSeries(items, 1138, window('Asia/Jakarta', { start: '01:00', end: '00:59' }));
    expect(plan.sends).toEqual([
      { sendAt: iso('2020-01-01T00:59:00+07:00'), isDeferred: true, ids: ['midnight', 'evening'] },
    ]);
  });

  it('has no quiet hours when start equals end', () => {
    const time = homeworkReminderAt(
      iso('2025-03-09T03:00:00Z'),
      0,
      window('Europe/Berlin', { start: '00:00', end: '00:00' }),
    )!;
    expect(time).toEqual({ sendAt: iso('2025-03-09T03:00:00Z'), isDeferred: false });
  });

  it('reminds of a session 24 elapsed hours ahead, deferred, or not at all when that is after the start', () => {
    const ny = window('America/New_York', DEFAULT_QUIET_HOURS);
    // 24 h before 09:00 EDT Monday is 09:00 EDT Sunday (the change happened at 02:00 Sunday).
    expect(sessionReminderAt(iso('2025-03-10T09:00:00-04:00'), 24, ny)).toEqual({
      sendAt: iso('2025-03-09T09:00:00-04:00'),
      isDeferred: false,
    });
    // 24 h before 09:00 EDT Sunday is 08:00 EST Saturday... which is 08:00 local, not quiet.
    expect(sessionReminderAt(iso('2025-03-09T09:00:00-04:00'), 24, ny)).toEqual({
      sendAt: iso('2025-03-08T08:00:00-05:00'),
      isDeferred: false,
    });
    // An early session: the reminder waits for the end of quiet hours.
    expect(sessionReminderAt(iso('2025-06-10T07:00:00-04:00'), 24, ny)).toEqual({
      sendAt: iso('2025-06-09T08:00:00-04:00'),
      isDeferred: true,
    });
    // Booked at 22:00 for 23:00 the same night: quiet until after the start, so no reminder.
    expect(
      sessionReminderAt(iso('2025-06-10T23:00:00-04:00'), 24, { ...ny, notBefore: iso('2025-06-10T22:00:00-04:00') }),
    ).toBeNull();
  });

  it('nudges once overdueAfterMinutes after due, deferred past quiet hours', () => {
    const berlin = window('Europe/Berlin', DEFAULT_QUIET_HOURS);
    expect(overdueNudgeAt(iso('2025-03-29T20:00:00+01:00'), 120, berlin)).toEqual({
      sendAt: iso('2025-03-30T08:00:00+02:00'),
      isDeferred: true,
    });
    expect(overdueNudgeAt(iso('2025-03-29T10:00:00+01:00'), 120, berlin)).toEqual({
      sendAt: iso('2025-03-29T12:00:00+01:00'),
      isDeferred: false,
    });
  });

  it('rejects invalid zones, clock times and offsets', () => {
    expect(() =>
      homeworkReminderAt(iso('2025-01-01T00:00:00Z'), 0, window('Mars/Olympus', DEFAULT_QUIET_HOURS)),
    ).toThrow(RangeError);
    expect(() =>
      homeworkReminderAt(iso('2025-01-01T00:00:00Z'), 0, window('UTC', { start: '25:00', end: '08:00' })),
    ).toThrow(RangeError);
    expect(() => homeworkReminderAt(iso('2025-01-01T00:00:00Z'), -5, window('UTC', DEFAULT_QUIET_HOURS))).toThrow(
      RangeError,
    );
    expect(() => overdueNudgeAt(iso('2025-01-01T00:00:00Z'), 0, window('UTC', DEFAULT_QUIET_HOURS))).toThrow(
      RangeError,
    );
    expect(() => sessionReminderAt(iso('2025-01-01T00:00:00Z'), 1.5, window('UTC', DEFAULT_QUIET_HOURS))).toThrow(
      RangeError,
    );
    expect(() => homeworkReminderAt(new Date('nope'), 0, window('UTC', DEFAULT_QUIET_HOURS))).toThrow(RangeError);
  });
});

describe('the daily cap', () => {
  const zone = 'America/New_York';

  it('counts the local day, which is 23 or 25 hours long on change days', () => {
    expect(localDayBounds('2025-03-09', zone)).toEqual({
      start: iso('2025-03-09T05:00:00Z'),
      end: iso('2025-03-10T04:00:00Z'),
    });
    expect(localDayBounds('2025-11-02', zone)).toEqual({
      start: iso('2025-11-02T04:00:00Z'),
      end: iso('2025-11-03T05:00:00Z'),
    });
    expect(localDayBounds('2025-04-06', 'Australia/Lord_Howe')).toEqual({
      start: iso('2025-04-05T13:00:00Z'),
      end: iso('2025-04-06T13:30:00Z'),
    });
    expect(localDateOf(iso('2025-11-03T04:59:59Z'), zone)).toBe('2025-11-02');
    expect(() => localDayBounds('2025-13-01', zone)).toThrow(RangeError);
  });

  it("sends up to the cap individually and merges the rest into the day's digest", () => {
    const sent = [iso('2025-11-02T05:30:00Z'), iso('2025-11-02T06:30:00Z'), iso('2025-11-01T12:00:00Z')];
    // 01:30 EDT and 01:30 EST both belong to 2 November; the 1 November one does not count.
    expect(decideDailyCap({ sendAt: iso('2025-11-02T20:00:00Z'), zone, alreadySent: sent, cap: 3 })).toEqual({
      action: 'send',
      localDate: '2025-11-02',
      sentToday: 2,
    });
    expect(decideDailyCap({ sendAt: iso('2025-11-02T20:00:00Z'), zone, alreadySent: sent, cap: 2 })).toEqual({
      action: 'digest',
      localDate: '2025-11-02',
      sentToday: 2,
    });
    // Just after local midnight is a new day.
    expect(decideDailyCap({ sendAt: iso('2025-11-03T05:00:00Z'), zone, alreadySent: sent, cap: 2 })).toEqual({
      action: 'send',
      localDate: '2025-11-03',
      sentToday: 0,
    });
    expect(() => decideDailyCap({ sendAt: iso('2025-11-03T05:00:00Z'), zone, alreadySent: [], cap: 0 })).toThrow(
      RangeError,
    );
  });

  it('agrees with localDayBounds for random instants in every zone', () => {
    fc.assert(
      fc.property(
        zoneArb.chain((zone) => fc.record({ zone: fc.constant(zone), at: instantNearTransitionArb(zone) })),
        ({ zone, at }) => {
          const date = localDateOf(new Date(at), zone);
          const { start, end } = localDayBounds(date, zone);
          expect(start.getTime()).toBeLessThanOrEqual(at);
          expect(end.getTime()).toBeGreaterThan(at);
          expect(DateTime.fromMillis(at, { zone }).toISODate()).toBe(date);
        },
      ),
      RUNS,
    );
  });
});
