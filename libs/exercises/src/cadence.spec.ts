import { validateCadence, validateRrule } from './cadence.js';

describe('cadence', () => {
  it.each([
    'FREQ=DAILY;BYHOUR=20;BYMINUTE=0',
    'FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0',
    'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=8;BYMINUTE=30',
    'FREQ=MONTHLY;BYDAY=1SA;COUNT=6',
  ])('accepts %s', (rrule) => {
    expect(validateRrule(rrule)).toEqual([]);
  });

  it.each([
    '',
    'DAILY',
    'FREQ=HOURLY',
    'FREQ=MINUTELY;INTERVAL=5',
    'BYHOUR=20',
    'FREQ=DAILY;BYHOUR=24',
    'FREQ=DAILY;FREQ=WEEKLY',
    'DTSTART=20250101T000000Z;FREQ=DAILY',
    'FREQ=DAILY;COUNT=3;UNTIL=20260101',
  ])('refuses %p', (rrule) => {
    expect(validateRrule(rrule, 'defaultCadence.rrule')).toEqual([
      { field: 'defaultCadence.rrule', message: expect.any(String) },
    ]);
  });

  it('checks the cadence shape', () => {
    expect(validateCadence({ type: 'once' })).toEqual([]);
    expect(validateCadence(null)).toEqual([]);
    expect(validateCadence({ type: 'recurring', rrule: 'FREQ=DAILY' })).toEqual([]);
    expect(validateCadence({ type: 'recurring' })[0].field).toBe('defaultCadence.rrule');
    expect(validateCadence({ type: 'sometimes' })[0].field).toBe('defaultCadence.type');
    expect(validateCadence({ type: 'once', rrule: 'FREQ=DAILY' })[0].field).toBe('defaultCadence');
  });
});
