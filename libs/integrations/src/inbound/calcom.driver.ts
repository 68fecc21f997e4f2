import type { IncomingHttpHeaders } from 'node:http';

import {
  asObject,
  emailsOf,
  hexEquals,
  hmacHex,
  InboundPayloadError,
  isoOrNull,
  optionalString,
  singleHeader,
  type InboundBooking,
  type ParsedInboundEvent,
  type SchedulingProviderDriver,
  type SignatureFailure,
} from './provider.driver.js';

export const CALCOM_SIGNATURE_HEADER = 'x-cal-signature-256';

/**
 * Cal.com webhooks: `{triggerEvent, createdAt, payload: {uid, startTime, endTime, attendees[], …}}`
 * signed with `X-Cal-Signature-256`, the hex HMAC-SHA256 of the raw body under the secret set
 * on the webhook. Cal.com signs no timestamp, so a replay is caught by the stored-event dedupe.
 *
 * A reschedule is a new booking (new uid) naming the one it replaces in `rescheduleUid` (older
 * payloads: `fromReschedule`); it comes as BOOKING_RESCHEDULED, or as BOOKING_REQUESTED when the
 * new time needs confirmation. BOOKING_NO_SHOW_UPDATED marks attendees as no-shows (or not).
 */
export class CalcomDriver implements SchedulingProviderDriver {
  readonly provider = 'calcom' as const;

  verify(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string): SignatureFailure | null {
    const given = singleHeader(headers, CALCOM_SIGNATURE_HEADER)?.trim();
    if (!given) return 'missing_signature';
    return hexEquals(hmacHex(secret, rawBody), given) ? null : 'bad_signature';
  }

  parse(body: unknown): ParsedInboundEvent {
    const event = asObject(body, 'the Cal.com event');
    const eventType = optionalString(event.triggerEvent);
    if (!eventType) throw new InboundPayloadError('triggerEvent is missing');
    const payload =
      event.payload && typeof event.payload === 'object' ? (event.payload as Record<string, unknown>) : {};
    const uid = optionalString(payload.uid);
    const previousUid = optionalString(payload.rescheduleUid) ?? optionalString(payload.fromReschedule);
    const booking = (action: InboundBooking['action'], previousRefs: string[] = []): InboundBooking | null =>
      uid
        ? {
            action,
            refs: [uid],
            previousRefs,
            isRescheduleCancellation: false,
            startsAt: isoOrNull(payload.startTime),
            endsAt: isoOrNull(payload.endTime),
            attendeeEmails: emailsOf(
              Array.isArray(payload.attendees)
                ? payload.attendees.map((a) => (a as { email?: unknown } | null)?.email)
                : [],
            ),
          }
        : null;
    switch (eventType) {
      case 'BOOKING_CREATED':
        return { eventType, eventId: null, booking: booking('created') };
      case 'BOOKING_RESCHEDULED':
        return { eventType, eventId: null, booking: booking('rescheduled', previousUid ? [previousUid] : []) };
      // A booking awaiting confirmation is not a session yet — unless it is a reschedule of one.
      case 'BOOKING_REQUESTED':
        return { eventType, eventId: null, booking: previousUid ? booking('rescheduled', [previousUid]) : null };
      case 'BOOKING_CANCELLED':
        return { eventType, eventId: null, booking: booking('cancelled') };
      case 'MEETING_ENDED':
        return { eventType, eventId: null, booking: booking('ended') };
      // `{bookingUid, attendees: [{email, noShow}]}`: the host marked (or unmarked) attendees as no-shows.
      case 'BOOKING_NO_SHOW_UPDATED': {
        const bookingUid = optionalString(payload.bookingUid) ?? uid;
        const marks = (Array.isArray(payload.attendees) ? payload.attendees : [])
          .map((a) => a as { email?: unknown; noShow?: unknown } | null)
          .flatMap((a) => {
            const email = emailsOf([a?.email])[0];
            return email && typeof a?.noShow === 'boolean' ? [{ email, noShow: a.noShow }] : [];
          });
        if (!bookingUid || marks.length === 0) return { eventType, eventId: null, booking: null };
        return {
          eventType,
          eventId: null,
          booking: {
            action: 'attendance',
            refs: [bookingUid],
            previousRefs: [],
            isRescheduleCancellation: false,
            startsAt: null,
            endsAt: null,
            attendeeEmails: marks.map((m) => m.email),
            attendance: marks,
          },
        };
      }
      default:
        return { eventType, eventId: null, booking: null };
    }
  }
}
