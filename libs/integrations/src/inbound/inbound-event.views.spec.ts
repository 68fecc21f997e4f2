import { maskEmail, reasonOf, toInboundEventView } from './inbound-event.views.js';

describe('inbound event views', () => {
  it('masks attendee emails to a first character and the domain', () => {
    expect(maskEmail('alex.morgan@example.com')).toBe('a***@example.com');
    expect(maskEmail('x@y.example')).toBe('x***@y.example');
    expect(maskEmail('no-at-sign')).toBe('***');
  });

  it('says what happened in plain words, for known and unknown codes alike', () => {
    expect(reasonOf('unmatched', 'no_couple_matches_attendees')).toBe('no couple matches the attendees');
    expect(reasonOf('duplicate', 'already_cancelled')).toBe('duplicate: the session was already cancelled');
    expect(reasonOf('processed', 'created')).toBe('applied: session created');
    expect(reasonOf('ignored', 'unsupported_event')).toBe('ignored: Mend does not act on this event type');
    expect(reasonOf('ignored', 'some_new_code')).toBe('ignored: some new code');
    expect(reasonOf('received', null)).toBe('waiting to be applied');
  });

  it('never shows a full attendee email', () => {
    const view = toInboundEventView({
      id: '019a7c2e-5b1f-7a3c-9d2e-4f6a8b0c1d2e',
      integration_id: '019a7c2d-0000-7a3c-9d2e-4f6a8b0c1d2e',
      event_type: 'BOOKING_CREATED',
      booking: {
        action: 'created',
        refs: ['uid1'],
        previousRefs: [],
        isRescheduleCancellation: false,
        startsAt: null,
        endsAt: null,
        attendeeEmails: ['alex@example.com', 'blake@example.org'],
      },
      state: 'unmatched',
      outcome: 'no_couple_matches_attendees',
      session_id: null,
      received_at: new Date(0),
      processed_at: new Date(0),
      redelivery_count: 2,
      last_received_at: null,
      reprocessed_at: null,
      reprocess_count: 0,
    });
    expect(view).toMatchObject({
      outcome: 'unmatched',
      attendees: ['a***@example.com', 'b***@example.org'],
      redeliveries: 2,
    });
    expect(JSON.stringify(view)).not.toMatch(/alex@|blake@/);
  });
});
