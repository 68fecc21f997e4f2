import { closesAtFor, lateAfterFor, opensAtFor } from './homework.constants.js';
import { checkInWindow, occurrenceState } from './occurrence-state.js';
import { slotsFor } from './occurrences.js';

describe('occurrence state', () => {
  // 20:00 UTC is 20:00 in London (GMT in March before the 30th): late from midnight there.
  const dueAt = new Date('2025-03-10T20:00:00Z');
  const occurrence = {
    dueAt,
    opensAt: opensAtFor('recurring', dueAt),
    lateAfter: lateAfterFor(dueAt, ['Europe/London']),
    closesAt: closesAtFor(dueAt),
  };
  const at = (iso: string) => new Date(iso);

  it('opens 24 hours before a recurring due time and closes 72 hours after it', () => {
    expect(occurrence.opensAt.toISOString()).toBe('2025-03-09T20:00:00.000Z');
    expect(occurrence.closesAt.toISOString()).toBe('2025-03-13T20:00:00.000Z');
  });

  it('opens a one-off when it is assigned, however far ahead it is due', () => {
    const monday = new Date('2025-03-10T09:00:00Z');
    const wednesday = new Date('2025-03-12T20:00:00Z');
    expect(opensAtFor('once', wednesday, monday)).toEqual(monday);
    // Assigned less than a day ahead, it opens a day ahead like any other.
    expect(opensAtFor('once', wednesday, new Date('2025-03-12T10:00:00Z'))).toEqual(new Date('2025-03-11T20:00:00Z'));
  });

  it("is late only from the end of the partner's local day of the due time", () => {
    // 20:00 in New York (EDT) is 00:00Z the next day; its day ends at 04:00Z.
    const evening = new Date('2025-03-11T00:00:00Z');
    expect(lateAfterFor(evening, ['America/New_York'])).toEqual(new Date('2025-03-11T04:00:00Z'));
    // The same instant is 01:00 the next day in Berlin, whose day ends later; joint takes the later end.
    expect(lateAfterFor(evening, ['Europe/Berlin'])).toEqual(new Date('2025-03-11T23:00:00Z'));
    expect(lateAfterFor(evening, ['America/New_York', 'Europe/Berlin'])).toEqual(new Date('2025-03-11T23:00:00Z'));
  });

  it('is upcoming, then due, then missed; done whenever checked in', () => {
    expect(occurrenceState(occurrence, false, at('2025-03-09T19:59:59Z'))).toBe('upcoming');
    expect(occurrenceState(occurrence, false, at('2025-03-09T20:00:00Z'))).toBe('due');
    expect(occurrenceState(occurrence, false, at('2025-03-12T00:00:00Z'))).toBe('due');
    expect(occurrenceState(occurrence, false, at('2025-03-13T20:00:01Z'))).toBe('missed');
    expect(occurrenceState(occurrence, true, at('2025-03-09T00:00:00Z'))).toBe('done');
    expect(occurrenceState(occurrence, true, at('2025-04-01T00:00:00Z'))).toBe('done');
  });

  it('accepts check-ins inside the window and marks those after the grace late', () => {
    expect(checkInWindow(occurrence, at('2025-03-09T19:00:00Z'))).toMatchObject({ isOpen: false, isTooEarly: true });
    expect(checkInWindow(occurrence, at('2025-03-10T19:00:00Z'))).toEqual({
      isOpen: true,
      isTooEarly: false,
      isClosed: false,
      isLate: false,
    });
    expect(checkInWindow(occurrence, at('2025-03-10T20:00:00Z'))).toMatchObject({ isOpen: true, isLate: false });
    // 65 s after the due time (answering the reminder) is on time; so is 23:59 that evening.
    expect(checkInWindow(occurrence, at('2025-03-10T20:01:05Z'))).toMatchObject({ isOpen: true, isLate: false });
    expect(checkInWindow(occurrence, at('2025-03-10T23:59:59Z'))).toMatchObject({ isOpen: true, isLate: false });
    expect(checkInWindow(occurrence, at('2025-03-11T00:00:00Z'))).toMatchObject({ isOpen: true, isLate: true });
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
    expect(slots.map((s) => ({ partnerId: s.partnerId, dueAt: s.dueAt }))).toEqual([
      { partnerId: null, dueAt: new Date('2025-03-11T00:00:00Z') },
    ]);
  });

  it('gives a one-off instant to each partner at the same instant, open from when it was assigned', () => {
    const dueAt = new Date('2025-03-12T18:00:00Z');
    const assignedAt = new Date('2025-03-10T09:00:00Z');
    expect(
      slotsFor(
        { scheduleType: 'once', dueAt, assignedAt, rrule: null, startsOn: null, until: null, mode: 'individual' },
        partners,
        from,
        to,
      ).map((s) => ({ partnerId: s.partnerId, dueAt: s.dueAt, opensAt: s.opensAt })),
    ).toEqual([
      { partnerId: 'a', dueAt, opensAt: assignedAt },
      { partnerId: 'b', dueAt, opensAt: assignedAt },
    ]);
  });

  it('gives a one-off local date-time to each partner at that time in their own zone', () => {
    const slots = slotsFor(
      {
        scheduleType: 'once',
        dueAt: null,
        localDueAt: '2025-03-12T20:00',
        rrule: null,
        startsOn: null,
        until: null,
        mode: 'individual',
      },
      partners,
      from,
      to,
    );
    expect(slots.map((s) => `${s.partnerId} ${s.dueAt.toISOString()}`)).toEqual([
      'b 2025-03-12T19:00:00.000Z',
      'a 2025-03-13T00:00:00.000Z',
    ]);
  });

  it('has nothing for a couple without partners', () => {
    expect(slotsFor({ ...recurring, mode: 'individual' }, [], from, to)).toEqual([]);
  });
});
