import { DateTime } from 'luxon';

import {
  expandRecurrence,
  formatRecurrenceRule,
  parseRecurrenceRule,
  validateRecurrence,
  wallTimeToInstant,
  zoneOf,
} from './recurrence.js';

/** Local rendering of an instant in a zone: "2025-03-09 20:00 -04:00". */
const local = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');
/** The instant of a local date-time in a zone (never ambiguous in the cases used). */
const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();

const expand = (
  rrule: string,
  zone: string,
  fromLocal: string,
  toLocal: string,
  bounds: { startsOn?: string; until?: string } = {},
) =>
  expandRecurrence(
    { rrule, startsOn: bounds.startsOn ?? '2025-01-01', until: bounds.until },
    zone,
    at(fromLocal, zone),
    at(toLocal, zone),
  ).map((d) => local(d, zone));

const DAILY_20 = 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0';
const DAILY_0230 = 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30';

describe('expandRecurrence across daylight-saving changes', () => {
  describe('America/New_York (spring forward 2025-03-09 02:00→03:00, fall back 2025-11-02 02:00→01:00)', () => {
    const zone = 'America/New_York';

    it('keeps a daily 20:00 at 20:00 local on both sides of spring forward', () => {
      expect(expand(DAILY_20, zone, '2025-03-07T00:00', '2025-03-12T00:00')).toEqual([
        '2025-03-07 20:00 -05:00',
        '2025-03-08 20:00 -05:00',
        '2025-03-09 20:00 -04:00',
        '2025-03-10 20:00 -04:00',
        '2025-03-11 20:00 -04:00',
      ]);
    });

    it('keeps a daily 20:00 at 20:00 local on both sides of fall back (a 25-hour day between two of them)', () => {
      const out = expandRecurrence(
        { rrule: DAILY_20, startsOn: '2025-01-01' },
        zone,
        at('2025-10-31T00:00', zone),
        at('2025-11-04T00:00', zone),
      );
      expect(out.map((d) => local(d, zone))).toEqual([
        '2025-10-31 20:00 -04:00',
        '2025-11-01 20:00 -04:00',
        '2025-11-02 20:00 -05:00',
        '2025-11-03 20:00 -05:00',
      ]);
      expect((out[2].getTime() - out[1].getTime()) / 3_600_000).toBe(25);
    });

    it('moves 02:30 on the spring-forward day to 03:30 (the skipped hour), and only that day', () => {
      expect(expand(DAILY_0230, zone, '2025-03-08T00:00', '2025-03-11T00:00')).toEqual([
        '2025-03-08 02:30 -05:00',
        '2025-03-09 03:30 -04:00',
        '2025-03-10 02:30 -04:00',
      ]);
    });

    it('does not double a time inside the repeated hour on fall back: 01:30 is due once, at the first 01:30', () => {
      const out = expandRecurrence(
        { rrule: 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', startsOn: '2025-01-01' },
        zone,
        at('2025-11-01T00:00', zone),
        at('2025-11-04T00:00', zone),
      );
      expect(out.map((d) => local(d, zone))).toEqual([
        '2025-11-01 01:30 -04:00',
        '2025-11-02 01:30 -04:00',
        '2025-11-03 01:30 -05:00',
      ]);
      expect(out[1].toISOString()).toBe('2025-11-02T05:30:00.000Z');
    });

    it('is not doubled for 02:30 on the fall-back day either', () => {
      expect(expand(DAILY_0230, zone, '2025-11-01T00:00', '2025-11-04T00:00')).toEqual([
        '2025-11-01 02:30 -04:00',
        '2025-11-02 02:30 -05:00',
        '2025-11-03 02:30 -05:00',
      ]);
    });
  });

  describe('Europe/Berlin (spring forward 2025-03-30 02:00→03:00, fall back 2025-10-26 03:00→02:00)', () => {
    const zone = 'Europe/Berlin';

    it('keeps a daily 20:00 at 20:00 local across both changes', () => {
      expect(expand(DAILY_20, zone, '2025-03-29T00:00', '2025-04-01T00:00')).toEqual([
        '2025-03-29 20:00 +01:00',
        '2025-03-30 20:00 +02:00',
        '2025-03-31 20:00 +02:00',
      ]);
      expect(expand(DAILY_20, zone, '2025-10-25T00:00', '2025-10-28T00:00')).toEqual([
        '2025-10-25 20:00 +02:00',
        '2025-10-26 20:00 +01:00',
        '2025-10-27 20:00 +01:00',
      ]);
    });

    it('moves 02:30 to 03:30 on the spring-forward day', () => {
      expect(expand(DAILY_0230, zone, '2025-03-29T00:00', '2025-04-01T00:00')).toEqual([
        '2025-03-29 02:30 +01:00',
        '2025-03-30 03:30 +02:00',
        '2025-03-31 02:30 +02:00',
      ]);
    });

    it('takes the first 02:30 on the fall-back day (02:00–03:00 happens twice) and does not double it', () => {
      const out = expandRecurrence(
        { rrule: DAILY_0230, startsOn: '2025-01-01' },
        zone,
        at('2025-10-25T00:00', zone),
        at('2025-10-28T00:00', zone),
      );
      expect(out.map((d) => local(d, zone))).toEqual([
        '2025-10-25 02:30 +02:00',
        '2025-10-26 02:30 +02:00',
        '2025-10-27 02:30 +01:00',
      ]);
      expect(out[1].toISOString()).toBe('2025-10-26T00:30:00.000Z');
    });
  });

  describe('Australia/Sydney (fall back 2025-04-06 03:00→02:00, spring forward 2025-10-05 02:00→03:00)', () => {
    const zone = 'Australia/Sydney';

    it('keeps a daily 20:00 at 20:00 local across both changes', () => {
      expect(expand(DAILY_20, zone, '2025-04-05T00:00', '2025-04-08T00:00')).toEqual([
        '2025-04-05 20:00 +11:00',
        '2025-04-06 20:00 +10:00',
        '2025-04-07 20:00 +10:00',
      ]);
      expect(expand(DAILY_20, zone, '2025-10-04T00:00', '2025-10-07T00:00')).toEqual([
        '2025-10-04 20:00 +10:00',
        '2025-10-05 20:00 +11:00',
        '2025-10-06 20:00 +11:00',
      ]);
    });

    it('takes the first 02:30 on the April fall-back day and moves 02:30 to 03:30 on the October spring-forward day', () => {
      expect(expand(DAILY_0230, zone, '2025-04-05T00:00', '2025-04-08T00:00')).toEqual([
        '2025-04-05 02:30 +11:00',
        '2025-04-06 02:30 +11:00',
        '2025-04-07 02:30 +10:00',
      ]);
      expect(expand(DAILY_0230, zone, '2025-10-04T00:00', '2025-10-07T00:00')).toEqual([
        '2025-10-04 02:30 +10:00',
        '2025-10-05 03:30 +11:00',
        '2025-10-06 02:30 +11:00',
      ]);
    });
  });

  describe('Asia/Kolkata (no daylight saving: +05:30 all year)', () => {
    const zone = 'Asia/Kolkata';

    it('stays at 20:00 +05:30, exactly 24 hours apart, while other zones change their clocks', () => {
      for (const [from, to] of [
        ['2025-03-08T00:00', '2025-03-11T00:00'],
        ['2025-03-29T00:00', '2025-04-01T00:00'],
        ['2025-10-04T00:00', '2025-10-07T00:00'],
        ['2025-10-25T00:00', '2025-10-28T00:00'],
        ['2025-11-01T00:00', '2025-11-04T00:00'],
      ]) {
        const out = expandRecurrence({ rrule: DAILY_20, startsOn: '2025-01-01' }, zone, at(from, zone), at(to, zone));
        expect(out).toHaveLength(3);
        for (const d of out) expect(local(d, zone)).toMatch(/ 20:00 \+05:30$/);
        expect(out[1].getTime() - out[0].getTime()).toBe(86_400_000);
        expect(out[2].getTime() - out[1].getTime()).toBe(86_400_000);
      }
    });

    it('keeps 02:30 as it is (no gap, no overlap)', () => {
      expect(expand(DAILY_0230, zone, '2025-03-08T00:00', '2025-03-11T00:00')).toEqual([
        '2025-03-08 02:30 +05:30',
        '2025-03-09 02:30 +05:30',
        '2025-03-10 02:30 +05:30',
      ]);
    });
  });

  it("evaluates the same rule in each partner's own zone: 20:00 local for both, different instants", () => {
    const spec = { rrule: DAILY_20, startsOn: '2025-06-01', until: '2025-06-01' };
    const from = new Date('2025-05-31T00:00:00Z');
    const to = new Date('2025-06-03T00:00:00Z');
    const ny = expandRecurrence(spec, 'America/New_York', from, to);
    const berlin = expandRecurrence(spec, 'Europe/Berlin', from, to);
    expect(ny.map((d) => d.toISOString())).toEqual(['2025-06-02T00:00:00.000Z']);
    expect(berlin.map((d) => d.toISOString())).toEqual(['2025-06-01T18:00:00.000Z']);
  });
});

describe('expandRecurrence bounds and rule parts', () => {
  const zone = 'Europe/Berlin';

  it('starts on startsOn (local date) and ends on until (inclusive local date)', () => {
    expect(
      expand(DAILY_20, zone, '2025-03-01T00:00', '2025-04-01T00:00', { startsOn: '2025-03-10', until: '2025-03-12' }),
    ).toEqual(['2025-03-10 20:00 +01:00', '2025-03-11 20:00 +01:00', '2025-03-12 20:00 +01:00']);
  });

  it('answers nothing before startsOn or after until', () => {
    expect(expand(DAILY_20, zone, '2025-03-01T00:00', '2025-03-10T00:00', { startsOn: '2025-03-10' })).toEqual([]);
    expect(
      expand(DAILY_20, zone, '2025-03-13T00:00', '2025-04-01T00:00', { startsOn: '2025-03-10', until: '2025-03-12' }),
    ).toEqual([]);
  });

  it("applies until in the partner's own zone", () => {
    const spec = { rrule: 'FREQ=DAILY;BYHOUR=23;BYMINUTE=30', startsOn: '2025-06-01', until: '2025-06-02' };
    const from = new Date('2025-05-30T00:00:00Z');
    const to = new Date('2025-06-10T00:00:00Z');
    expect(expandRecurrence(spec, 'Asia/Kolkata', from, to).map((d) => local(d, 'Asia/Kolkata'))).toEqual([
      '2025-06-01 23:30 +05:30',
      '2025-06-02 23:30 +05:30',
    ]);
    expect(expandRecurrence(spec, 'America/New_York', from, to).map((d) => local(d, 'America/New_York'))).toEqual([
      '2025-06-01 23:30 -04:00',
      '2025-06-02 23:30 -04:00',
    ]);
  });

  it('treats the window as half-open: an occurrence at `from` is in, one at `to` is out', () => {
    const from = at('2025-03-10T20:00', zone);
    const to = at('2025-03-12T20:00', zone);
    const out = expandRecurrence({ rrule: DAILY_20, startsOn: '2025-01-01' }, zone, from, to).map((d) =>
      local(d, zone),
    );
    expect(out).toEqual(['2025-03-10 20:00 +01:00', '2025-03-11 20:00 +01:00']);
  });

  it('expands weekly BYDAY on the named weekdays at the local time, across a DST change', () => {
    // 2025-03-24 is a Monday; Berlin springs forward on Sunday 2025-03-30.
    const out = expandRecurrence(
      { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=30', startsOn: '2025-03-24' },
      zone,
      at('2025-03-20T00:00', zone),
      at('2025-04-05T00:00', zone),
    );
    expect(out.map((d) => DateTime.fromJSDate(d, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZ'))).toEqual([
      'Mon 2025-03-24 19:30 +01:00',
      'Wed 2025-03-26 19:30 +01:00',
      'Fri 2025-03-28 19:30 +01:00',
      'Mon 2025-03-31 19:30 +02:00',
      'Wed 2025-04-02 19:30 +02:00',
      'Fri 2025-04-04 19:30 +02:00',
    ]);
  });

  it('uses the weekday of startsOn for a weekly rule without BYDAY', () => {
    // 2025-03-13 is a Thursday.
    const out = expandRecurrence(
      { rrule: 'FREQ=WEEKLY;BYHOUR=18', startsOn: '2025-03-13' },
      zone,
      at('2025-03-01T00:00', zone),
      at('2025-04-01T00:00', zone),
    );
    expect(out.map((d) => DateTime.fromJSDate(d, { zone }).toFormat('ccc dd HH:mm'))).toEqual([
      'Thu 13 18:00',
      'Thu 20 18:00',
      'Thu 27 18:00',
    ]);
  });

  it('honours INTERVAL, several times a day and COUNT (counted from startsOn)', () => {
    expect(
      expand('FREQ=DAILY;INTERVAL=2;BYHOUR=9', zone, '2025-03-01T00:00', '2025-03-07T00:00', {
        startsOn: '2025-03-01',
      }),
    ).toEqual(['2025-03-01 09:00 +01:00', '2025-03-03 09:00 +01:00', '2025-03-05 09:00 +01:00']);
    expect(
      expand('FREQ=DAILY;BYHOUR=8,20;BYMINUTE=15', zone, '2025-03-01T00:00', '2025-03-03T00:00', {
        startsOn: '2025-03-01',
      }),
    ).toEqual([
      '2025-03-01 08:15 +01:00',
      '2025-03-01 20:15 +01:00',
      '2025-03-02 08:15 +01:00',
      '2025-03-02 20:15 +01:00',
    ]);
    expect(
      expand('FREQ=DAILY;BYHOUR=20;COUNT=3', zone, '2025-03-01T00:00', '2025-04-01T00:00', { startsOn: '2025-03-01' }),
    ).toHaveLength(3);
    expect(
      expand('FREQ=DAILY;BYHOUR=20;COUNT=3', zone, '2025-03-03T00:00', '2025-04-01T00:00', { startsOn: '2025-03-01' }),
    ).toEqual(['2025-03-03 20:00 +01:00']);
  });

  it('answers nothing for an empty window', () => {
    const t = new Date('2025-03-01T00:00:00Z');
    expect(expandRecurrence({ rrule: DAILY_20, startsOn: '2025-01-01' }, zone, t, t)).toEqual([]);
  });
});

describe('wallTimeToInstant', () => {
  it('chooses the first instant in an overlap and moves forward through a gap', () => {
    const ny = zoneOf('America/New_York');
    expect(new Date(wallTimeToInstant(Date.UTC(2025, 10, 2, 1, 30), ny)).toISOString()).toBe(
      '2025-11-02T05:30:00.000Z',
    );
    expect(new Date(wallTimeToInstant(Date.UTC(2025, 2, 9, 2, 30), ny)).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(new Date(wallTimeToInstant(Date.UTC(2025, 2, 9, 3, 30), ny)).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(new Date(wallTimeToInstant(Date.UTC(2025, 6, 1, 12, 0), zoneOf('Asia/Kolkata'))).toISOString()).toBe(
      '2025-07-01T06:30:00.000Z',
    );
  });
});

describe('parseRecurrenceRule', () => {
  it('accepts daily and weekly rules, case-insensitively, with or without the RRULE: prefix', () => {
    const parsed = parseRecurrenceRule('RRULE:freq=weekly;byday=mo,th;byhour=20;byminute=0');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rule && formatRecurrenceRule(parsed.rule)).toBe('FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=20;BYMINUTE=0');
    expect(parseRecurrenceRule('FREQ=DAILY;BYHOUR=20').rule?.byMinute).toEqual([0]);
  });

  it.each([
    ['FREQ=HOURLY;BYHOUR=20', /FREQ=HOURLY is not supported/],
    ['FREQ=MINUTELY;BYHOUR=20', /FREQ=MINUTELY is not supported/],
    ['FREQ=MONTHLY;BYHOUR=20', /FREQ=MONTHLY is not supported/],
    ['BYHOUR=20', /needs FREQ/],
    ['FREQ=DAILY', /needs BYHOUR/],
    ['FREQ=DAILY;BYHOUR=24', /BYHOUR must list hours/],
    ['FREQ=DAILY;BYHOUR=20;BYMINUTE=60', /BYMINUTE must list minutes/],
    ['FREQ=DAILY;BYHOUR=1,2,3,4,5', /at most 4 times a day/],
    ['FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0,15,30', /at most 4 times a day/],
    ['FREQ=DAILY;BYHOUR=20;UNTIL=20250101T000000Z', /must not contain UNTIL/],
    ['DTSTART=20250101T000000Z;FREQ=DAILY;BYHOUR=20', /must not contain DTSTART/],
    ['FREQ=WEEKLY;BYDAY=1MO;BYHOUR=20', /without ordinals/],
    ['FREQ=DAILY;BYHOUR=20;BYMONTH=1', /BYMONTH is not supported/],
    ['FREQ=DAILY;BYHOUR=20;INTERVAL=0', /INTERVAL must be/],
    ['FREQ=DAILY;BYHOUR=20;COUNT=0', /COUNT must be/],
    ['FREQ=DAILY;BYHOUR=20;BYSECOND=30', /BYSECOND may only be 0/],
    ['FREQ=DAILY;FREQ=WEEKLY;BYHOUR=20', /names FREQ twice/],
    ['garbage', /not NAME=VALUE/],
    ['', /non-empty/],
  ])('refuses %s', (rule, message) => {
    const parsed = parseRecurrenceRule(rule);
    expect(parsed.rule).toBeNull();
    expect(parsed.problems.join('\n')).toMatch(message);
  });

  it('reports every problem at once', () => {
    expect(parseRecurrenceRule('FREQ=SECONDLY;BYMONTH=2').problems.length).toBeGreaterThanOrEqual(3);
  });
});

describe('validateRecurrence', () => {
  it('names the schedule fields', () => {
    expect(validateRecurrence({ rrule: DAILY_20, startsOn: '2025-02-30' })).toEqual([
      { field: 'schedule.startsOn', message: expect.stringMatching(/date/) },
    ]);
    expect(validateRecurrence({ rrule: DAILY_20, startsOn: '2025-03-10', until: '2025-03-09' })).toEqual([
      { field: 'schedule.until', message: expect.stringMatching(/before startsOn/) },
    ]);
    expect(validateRecurrence({ rrule: 'FREQ=HOURLY', startsOn: '2025-03-10' }).map((p) => p.field)).toEqual([
      'schedule.rrule',
      'schedule.rrule',
    ]);
    expect(validateRecurrence({ rrule: DAILY_20, startsOn: '2025-03-10', until: '2025-03-10' })).toEqual([]);
  });
});
