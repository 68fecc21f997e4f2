import { createHmac } from 'node:crypto';

import { CalcomDriver } from './calcom.driver.js';
import { CalendlyDriver } from './calendly.driver.js';
import type { SchedulingProviderDriver } from './provider.driver.js';

const calcom: SchedulingProviderDriver = new CalcomDriver();
const calendly: SchedulingProviderDriver = new CalendlyDriver();
const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

describe('Cal.com driver', () => {
  const raw = Buffer.from('{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u1"}}');

  it('accepts the hex HMAC-SHA256 of the raw body and nothing else', () => {
    const now = new Date();
    expect(
      calcom.verify(raw, { 'x-cal-signature-256': hmac('s3cret-key', raw.toString()) }, 's3cret-key', now),
    ).toBeNull();
    expect(
      calcom.verify(
        raw,
        { 'x-cal-signature-256': hmac('s3cret-key', raw.toString()).toUpperCase() },
        's3cret-key',
        now,
      ),
    ).toBeNull();
    expect(calcom.verify(raw, { 'x-cal-signature-256': hmac('other-key', raw.toString()) }, 's3cret-key', now)).toBe(
      'bad_signature',
    );
    expect(
      calcom.verify(
        Buffer.from(`${raw.toString()} `),
        { 'x-cal-signature-256': hmac('s3cret-key', raw.toString()) },
        's3cret-key',
        now,
      ),
    ).toBe('bad_signature');
    expect(calcom.verify(raw, {}, 's3cret-key', now)).toBe('missing_signature');
    expect(calcom.verify(raw, { 'x-cal-signature-256': 'zz' }, 's3cret-key', now)).toBe('bad_signature');
  });

  it('maps bookings, reschedules (also as BOOKING_REQUESTED with rescheduleUid) and cancellations; ignores the rest', () => {
    const payload = {
      uid: 'new',
      startTime: '2026-03-02T22:00:00Z',
      endTime: '2026-03-02T22:50:00Z',
      attendees: [{ email: 'Alex@Example.com' }, { email: 'blake@example.com' }],
      additionalNotes: 'private',
    };
    expect(calcom.parse({ triggerEvent: 'BOOKING_CREATED', payload }).booking).toEqual({
      action: 'created',
      refs: ['new'],
      previousRefs: [],
      isRescheduleCancellation: false,
      startsAt: '2026-03-02T22:00:00.000Z',
      endsAt: '2026-03-02T22:50:00.000Z',
      attendeeEmails: ['alex@example.com', 'blake@example.com'],
    });
    expect(
      calcom.parse({ triggerEvent: 'BOOKING_RESCHEDULED', payload: { ...payload, rescheduleUid: 'old' } }).booking,
    ).toMatchObject({ action: 'rescheduled', refs: ['new'], previousRefs: ['old'] });
    expect(
      calcom.parse({ triggerEvent: 'BOOKING_RESCHEDULED', payload: { ...payload, fromReschedule: 'older' } }).booking,
    ).toMatchObject({ previousRefs: ['older'] });
    expect(
      calcom.parse({ triggerEvent: 'BOOKING_REQUESTED', payload: { ...payload, rescheduleUid: 'old' } }).booking,
    ).toMatchObject({ action: 'rescheduled', previousRefs: ['old'] });
    expect(calcom.parse({ triggerEvent: 'BOOKING_REQUESTED', payload }).booking).toBeNull();
    expect(calcom.parse({ triggerEvent: 'BOOKING_CANCELLED', payload }).booking).toMatchObject({
      action: 'cancelled',
      refs: ['new'],
    });
    expect(calcom.parse({ triggerEvent: 'MEETING_ENDED', payload }).booking).toMatchObject({
      action: 'ended',
      refs: ['new'],
    });
    expect(calcom.parse({ triggerEvent: 'FORM_SUBMITTED', payload })).toEqual({
      eventType: 'FORM_SUBMITTED',
      eventId: null,
      booking: null,
    });
    // The host marks attendees as no-shows (or takes it back): Mend learns who, per attendee.
    expect(
      calcom.parse({
        triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
        payload: {
          message: 'no_show_updated',
          bookingUid: 'bk1',
          attendees: [
            { email: 'Alex@Example.com', noShow: true },
            { email: 'blake@example.com', noShow: false },
          ],
        },
      }).booking,
    ).toMatchObject({
      action: 'attendance',
      refs: ['bk1'],
      attendance: [
        { email: 'alex@example.com', noShow: true },
        { email: 'blake@example.com', noShow: false },
      ],
    });
    expect(() => calcom.parse({ payload })).toThrow(/triggerEvent/);
    expect(JSON.stringify(calcom.parse({ triggerEvent: 'BOOKING_CREATED', payload }))).not.toContain('private');
  });
});

describe('Calendly driver', () => {
  const raw = Buffer.from('{"event":"invitee.created","payload":{}}');
  const now = new Date('2026-03-01T12:00:00Z');
  const t = Math.floor(now.getTime() / 1000);
  const header = (timestamp: number, secret = 'signing-key') =>
    `t=${timestamp},v1=${hmac(secret, `${timestamp}.${raw.toString()}`)}`;

  it('accepts t=<unix>,v1=<hex HMAC of "t.body"> within 5 minutes either way', () => {
    expect(calendly.verify(raw, { 'calendly-webhook-signature': header(t) }, 'signing-key', now)).toBeNull();
    expect(calendly.verify(raw, { 'calendly-webhook-signature': header(t - 300) }, 'signing-key', now)).toBeNull();
    expect(calendly.verify(raw, { 'calendly-webhook-signature': header(t - 301) }, 'signing-key', now)).toBe(
      'stale_timestamp',
    );
    expect(calendly.verify(raw, { 'calendly-webhook-signature': header(t + 301) }, 'signing-key', now)).toBe(
      'stale_timestamp',
    );
    expect(calendly.verify(raw, { 'calendly-webhook-signature': header(t, 'another-key') }, 'signing-key', now)).toBe(
      'bad_signature',
    );
    expect(
      calendly.verify(
        raw,
        { 'calendly-webhook-signature': `v1=${hmac('signing-key', raw.toString())}` },
        'signing-key',
        now,
      ),
    ).toBe('malformed_signature');
    expect(calendly.verify(raw, {}, 'signing-key', now)).toBe('missing_signature');
    // The signature binds the timestamp: a fresh t with an old v1 fails.
    const old = header(t - 1000).split(',')[1];
    expect(calendly.verify(raw, { 'calendly-webhook-signature': `t=${t},${old}` }, 'signing-key', now)).toBe(
      'bad_signature',
    );
  });

  it('maps invitees to bookings by event and invitee uuid, with reschedule links', () => {
    const invitee = {
      uri: 'https://api.calendly.com/scheduled_events/EV2/invitees/IN2',
      email: 'alex@example.com',
      old_invitee: 'https://api.calendly.com/scheduled_events/EV1/invitees/IN1',
      rescheduled: false,
      questions_and_answers: [{ question: 'Why?', answer: 'private' }],
      scheduled_event: {
        uri: 'https://api.calendly.com/scheduled_events/EV2',
        start_time: '2026-03-02T22:00:00.000000Z',
        end_time: '2026-03-02T22:50:00.000000Z',
        event_guests: [{ email: 'Blake@example.com' }],
      },
    };
    expect(calendly.parse({ event: 'invitee.created', payload: invitee }).booking).toEqual({
      action: 'rescheduled',
      refs: ['EV2', 'invitee:IN2'],
      previousRefs: ['invitee:IN1'],
      isRescheduleCancellation: false,
      startsAt: '2026-03-02T22:00:00.000Z',
      endsAt: '2026-03-02T22:50:00.000Z',
      attendeeEmails: ['alex@example.com', 'blake@example.com'],
    });
    expect(
      calendly.parse({ event: 'invitee.created', payload: { ...invitee, old_invitee: null } }).booking,
    ).toMatchObject({ action: 'created', previousRefs: [] });
    expect(
      calendly.parse({ event: 'invitee.canceled', payload: { ...invitee, rescheduled: true } }).booking,
    ).toMatchObject({
      action: 'cancelled',
      refs: ['invitee:IN2', 'EV2'],
      isRescheduleCancellation: true,
    });
    expect(calendly.parse({ event: 'routing_form_submission.created', payload: {} }).booking).toBeNull();
    // One invitee cancels while the scheduled event stays on: that partner will not come.
    expect(
      calendly.parse({
        event: 'invitee.canceled',
        payload: { ...invitee, scheduled_event: { ...invitee.scheduled_event, status: 'active' } },
      }).booking,
    ).toMatchObject({
      action: 'attendee_cancelled',
      refs: ['invitee:IN2', 'EV2'],
      attendeeEmails: ['alex@example.com'],
    });
    expect(
      calendly.parse({ event: 'invitee_no_show.created', payload: { ...invitee, no_show: { uri: 'x' } } }).booking,
    ).toMatchObject({ action: 'attendance', attendance: [{ email: 'alex@example.com', noShow: true }] });
    expect(
      calendly.parse({
        event: 'invitee_no_show.deleted',
        payload: { invitee: 'https://api.calendly.com/scheduled_events/EV9/invitees/IN9', email: 'Blake@Example.com' },
      }).booking,
    ).toMatchObject({
      action: 'attendance',
      refs: ['EV9', 'invitee:IN9'],
      attendance: [{ email: 'blake@example.com', noShow: false }],
    });
    expect(() => calendly.parse({ event: 'invitee.created', payload: {} })).toThrow(/uri/);
    expect(JSON.stringify(calendly.parse({ event: 'invitee.created', payload: invitee }))).not.toContain('private');
  });
});
