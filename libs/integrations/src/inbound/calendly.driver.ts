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
  type ParsedInboundEvent,
  type SchedulingProviderDriver,
  type SignatureFailure,
} from './provider.driver.js';

/** The Calendly events Mend acts on; others are stored and ignored. */
export const CALENDLY_EVENTS = [
  'invitee.created',
  'invitee.canceled',
  'invitee_no_show.created',
  'invitee_no_show.deleted',
];

export const CALENDLY_SIGNATURE_HEADER = 'calendly-webhook-signature';
/** Signatures older (or further in the future) than this are refused as replays. */
export const CALENDLY_TOLERANCE_SECONDS = 5 * 60;

/** The last path segment of a Calendly API URI (the event or invitee uuid). */
function uuidOf(uri: unknown): string | null {
  const value = optionalString(uri);
  if (!value) return null;
  return value.replace(/\/+$/, '').split('/').pop() || null;
}

/**
 * Calendly webhooks (v2): `{event: "invitee.created" | "invitee.canceled", created_at, payload: invitee}`
 * where the invitee carries `uri`, `email`, `scheduled_event {uri, start_time, end_time, event_guests[]}`,
 * `rescheduled`, `old_invitee` and `new_invitee`. Signed with
 * `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 *
 * A reschedule is per invitee: `invitee.canceled` with `rescheduled: true` for the old time and
 * `invitee.created` naming it in `old_invitee` for the new one, in either order.
 *
 * A cancellation is per invitee too: `invitee.canceled` while `scheduled_event.status` is still
 * `active` (and `invitees_counter.active` above 0) means that invitee will not come, not that the
 * event is off. `invitee_no_show.created`/`.deleted` carry the invitee (its `no_show`) marked or
 * unmarked as a no-show by the host.
 */
export class CalendlyDriver implements SchedulingProviderDriver {
  readonly provider = 'calendly' as const;

  verify(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string, now: Date): SignatureFailure | null {
    const header = singleHeader(headers, CALENDLY_SIGNATURE_HEADER)?.trim();
    if (!header) return 'missing_signature';
    let timestamp: string | undefined;
    const signatures: string[] = [];
    for (const part of header.split(',')) {
      const [key, value] = part.split('=', 2).map((s) => s.trim());
      if (key === 't') timestamp = value;
      else if (key === 'v1' && value) signatures.push(value);
    }
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return 'malformed_signature';
    if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > CALENDLY_TOLERANCE_SECONDS) return 'stale_timestamp';
    const expected = hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), rawBody]));
    return signatures.some((given) => hexEquals(expected, given)) ? null : 'bad_signature';
  }

  parse(body: unknown): ParsedInboundEvent {
    const event = asObject(body, 'the Calendly event');
    const eventType = optionalString(event.event);
    if (!eventType) throw new InboundPayloadError('event is missing');
    if (!CALENDLY_EVENTS.includes(eventType)) return { eventType, eventId: null, booking: null };

    const invitee = asObject(event.payload, 'payload');
    const scheduled =
      invitee.scheduled_event && typeof invitee.scheduled_event === 'object'
        ? (invitee.scheduled_event as Record<string, unknown>)
        : {};
    // A no-show may come as the invitee (with `no_show`) or as the no-show resource naming its
    // invitee (`invitee: ".../scheduled_events/<event>/invitees/<invitee>"`).
    const inviteeUri = eventType.startsWith('invitee_no_show.')
      ? (optionalString(invitee.invitee) ?? optionalString(invitee.uri))
      : optionalString(invitee.uri);
    const eventOfInvitee = /\/scheduled_events\/([^/]+)\/invitees\//.exec(inviteeUri ?? '')?.[1] ?? null;
    const eventUuid = uuidOf(scheduled.uri) ?? uuidOf(invitee.event) ?? eventOfInvitee;
    const inviteeUuid = uuidOf(inviteeUri);
    if (!eventUuid || !inviteeUuid)
      throw new InboundPayloadError('payload.uri or payload.scheduled_event.uri is missing');
    const guests = Array.isArray(scheduled.event_guests)
      ? scheduled.event_guests.map((g) => (g as { email?: unknown } | null)?.email)
      : [];
    const common = {
      startsAt: isoOrNull(scheduled.start_time),
      endsAt: isoOrNull(scheduled.end_time),
      attendeeEmails: emailsOf([invitee.email, ...guests]),
    };
    const inviteeRef = `invitee:${inviteeUuid}`;
    if (eventType === 'invitee_no_show.created' || eventType === 'invitee_no_show.deleted') {
      const email = emailsOf([invitee.email])[0];
      return {
        eventType,
        eventId: null,
        booking: {
          ...common,
          attendeeEmails: email ? [email] : [],
          action: 'attendance',
          refs: [eventUuid, inviteeRef],
          previousRefs: [],
          isRescheduleCancellation: false,
          attendance: email ? [{ email, noShow: eventType === 'invitee_no_show.created' }] : [],
        },
      };
    }
    if (eventType === 'invitee.created') {
      const oldInvitee = uuidOf(invitee.old_invitee);
      return {
        eventType,
        eventId: null,
        booking: {
          ...common,
          action: oldInvitee ? 'rescheduled' : 'created',
          refs: [eventUuid, inviteeRef],
          previousRefs: oldInvitee ? [`invitee:${oldInvitee}`] : [],
          isRescheduleCancellation: false,
        },
      };
    }
    // One invitee of an event that stays on (a group event, each partner booked as an invitee):
    // that partner will not come, the session is not cancelled. The event's own status says
    // whether it is off; without it (older payloads) a cancellation cancels, as before.
    const counter =
      scheduled.invitees_counter && typeof scheduled.invitees_counter === 'object'
        ? (scheduled.invitees_counter as { active?: unknown })
        : {};
    const isEventStillOn =
      scheduled.status === 'active' && !(typeof counter.active === 'number' && counter.active <= 0);
    const email = emailsOf([invitee.email])[0];
    return {
      eventType,
      eventId: null,
      booking: {
        ...common,
        ...(isEventStillOn && invitee.rescheduled !== true ? { attendeeEmails: email ? [email] : [] } : {}),
        action: isEventStillOn && invitee.rescheduled !== true ? 'attendee_cancelled' : 'cancelled',
        refs: [inviteeRef, eventUuid],
        previousRefs: [],
        isRescheduleCancellation: invitee.rescheduled === true,
      },
    };
  }
}
