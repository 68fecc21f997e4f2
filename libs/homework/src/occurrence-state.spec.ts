import { closesAtFor } from './homework.constants.js';
import { checkInWindow, occurrenceState, opensAtFor } from './occurrence-state.js';
import { slotsFor } from './occurrences.js';

describe('occurrence state', () => {
  const dueAt = new Date('2025-03-10T20:00:00Z');
  const occurrence = { dueAt, closesAt: closesAtFor(dueAt) };
  const at = (iso: string) => new Date(iso);

  it('opens 24 hours before the due time and closes 72 hours after it', () => {
    expect(opensAtFor(dueAt).toISOString()).toBe('2025-03-09T20:00:00.000Z');
    expect(occurrence.closesAt.toISOString()).toBe('2025-03-13T20:00:00.000Z');
  });

  it('is upcoming, then due, then missed; done whenever checked in', () => {
    expect(occurrenceState(occurrence, false, at('2025-03-09T19:59:59Z'))).toBe('upcoming');
    expect(occurrenceState(occurrence, false, at('2025-03-09T20:00:00Z'))).toBe('due');
    expect(occurrenceState(occurrence, false, at('2025-03-12T00:00:00Z'))).toBe('due');
    expect(occurrenceState(occurrence, false, at('2025-03-13T20:00:01Z'))).toBe('missed');
    expect(occurrenceState(occurrence, true, at('2025-03-09T00:00:00Z'))).toBe('done');
    expect(occurrenceState(occurrence, true, at('2025-04-01T00:00:00Z'))).toBe('done');
  });

  it('accepts check-ins inside the window and marks those after the due time late', () => {
    expect(checkInWindow(occurrence, at('2025-03-09T19:00:00Z'))).toMatchObject({ isOpen: false, isTooEarly: true });
    expect(checkInWindow(occurrence, at('2025-03-10T19:00:00Z'))).toEqual({
      isOpen: true,
      isTooEarly: false,
      isClosed: false,
      isLate: false,
    });
    expect(checkInWindow(occurrence, at('2025-03-10T20:00:00Z'))).toMatchObject({ isOpen: true, isLate: false });
    expect(checkInWindow(occurrence, at('2025-03-11T08:00:00Z'))).toEqual({
      isOpen: true,
      isTooEarly: false,
      isClosed: false,
      isLate: true,
    });
    expect(checkInWindow(occurrence, at('2025-03-13T20:00:01Z'))).toMatchObject({ isOpen: false, isClosed: true });
  });
});

describe('slotsFor', () => {
  const partners = [
    { id: 'a', timezone: 'America/New_York' },
    { id: 'b', timezone: 'Europe/Berlin' },
  ];
  const recurring = {
    scheduleType: 'recurring' as const,
    dueAt: null,
    rrule: 'FREQ=DAILY;BYHOUR=20',
    startsOn: '2025-03-01',
    until: null,
  };
  const from = new Date('2025-03-10T00:00:00Z');
  const to = new Date('2025-03-11T00:00:00Z');

  it('gives each partner their own slots, evaluated in their own zone', () => {
    // 20:00 in Berlin (CET) is 19:00Z; 20:00 in New York (already EDT since 9 March) is 00:00Z.
    const slots = slotsFor(
      { ...recurring, mode: 'individual' },
      partners,
      new Date('2025-03-10T01:00:00Z'),
      new Date('2025-03-11T01:00:00Z'),
    );
    expect(slots.map((s) => `${s.partnerId} ${s.dueAt.toISOString()}`)).toEqual([
      'b 2025-03-10T19:00:00.000Z',
      'a 2025-03-11T00:00:00.000Z',
    ]);
  });

  it("gives a joint exercise one slot for the couple, in the first partner's zone", () => {
    const slots = slotsFor(
      { ...recurring, mode: 'joint' },
      partners,
      new Date('2025-03-10T01:00:00Z'),
      new Date('2025-03-11T01:00:00Z'),
    );
    expect(slots).toEqual([{ partnerId: null, dueAt: new Date('2025-03-11T00:00:00Z') }]);
  });

  it('gives a one-off to each partner at the same instant', () => {
    const dueAt = new Date('2025-03-12T18:00:00Z');
    expect(
      slotsFor(
        { scheduleType: 'once', dueAt, rrule: null, startsOn: null, until: null, mode: 'individual' },
        partners,
        from,
        to,
      ),
    ).toEqual([
      { partnerId: 'a', dueAt },
      { partnerId: 'b', dueAt },
    ]);
  });

  it('has nothing for a couple without partners', () => {
    expect(slotsFor({ ...recurring, mode: 'individual' }, [], from, to)).toEqual([]);
  });
});
