import { describe, expect, it } from '@jest/globals';

import { expandRecurrence } from '../../../libs/homework/src/recurrence';
import { firstOccurrences } from './schedulePreview';

/**
 * The assign page previews each partner's first due times; the preview must be what the API will
 * lay out (libs/homework expandRecurrence), INTERVAL and COUNT included.
 */
describe('firstOccurrences (the assign page preview)', () => {
  const zone = 'America/New_York';
  // Monday 2 March 2026, 09:00 in New York: before any due time of the schedules below.
  const now = new Date('2026-03-02T14:00:00Z');
  const local = (dates: Date[]) =>
    dates.map((d) =>
      new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(d),
    );
  const apiLaysOut = (rrule: string, startsOn: string, until: string | null = null) =>
    expandRecurrence({ rrule, startsOn, until }, zone, now, new Date(now.getTime() + 400 * 86_400_000)).slice(0, 3);

  it('skips the weeks in between for an every-2-weeks rule', () => {
    const rrule = 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=19;BYMINUTE=0';
    const preview = firstOccurrences({ type: 'recurring', rrule, startsOn: '2026-03-02' }, zone, now);
    expect(local(preview)).toEqual([
      'Mon, 2026-03-02, 19:00',
      'Thu, 2026-03-05, 19:00',
      // Not Mon 9 or Thu 12 March: the week after is skipped.
      'Mon, 2026-03-16, 19:00',
    ]);
    expect(preview).toEqual(apiLaysOut(rrule, '2026-03-02'));
  });

  it('skips the days in between for an every-3-days rule', () => {
    const rrule = 'FREQ=DAILY;INTERVAL=3;BYHOUR=8;BYMINUTE=30';
    const preview = firstOccurrences({ type: 'recurring', rrule, startsOn: '2026-03-03' }, zone, now);
    expect(local(preview)).toEqual(['Tue, 2026-03-03, 08:30', 'Fri, 2026-03-06, 08:30', 'Mon, 2026-03-09, 08:30']);
    expect(preview).toEqual(apiLaysOut(rrule, '2026-03-03'));
  });

  it('stops after COUNT due times, counting those already past', () => {
    const rrule = 'FREQ=DAILY;COUNT=3;BYHOUR=20;BYMINUTE=0';
    expect(local(firstOccurrences({ type: 'recurring', rrule, startsOn: '2026-03-02' }, zone, now, 5))).toEqual([
      'Mon, 2026-03-02, 20:00',
      'Tue, 2026-03-03, 20:00',
      'Wed, 2026-03-04, 20:00',
    ]);
    // Started two days ago: one of its three is left.
    const started = firstOccurrences({ type: 'recurring', rrule, startsOn: '2026-02-28' }, zone, now, 5);
    expect(local(started)).toEqual(['Mon, 2026-03-02, 20:00']);
    expect(started).toEqual(apiLaysOut(rrule, '2026-02-28'));
  });

  it('keeps the local time across a DST change and stops at the end date', () => {
    // Clocks in New York go forward on Sunday 8 March 2026.
    const rrule = 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0';
    const preview = firstOccurrences(
      { type: 'recurring', rrule, startsOn: '2026-03-07', until: '2026-03-08' },
      zone,
      now,
      5,
    );
    expect(local(preview)).toEqual(['Sat, 2026-03-07, 20:00', 'Sun, 2026-03-08, 20:00']);
    expect(preview.map((d) => d.toISOString())).toEqual(['2026-03-08T01:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  });
});
