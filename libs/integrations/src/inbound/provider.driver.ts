import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const INBOUND_PROVIDERS = ['calcom', 'calendly'] as const;
export type InboundProvider = (typeof INBOUND_PROVIDERS)[number];

/**
 * - `cancelled`: the booking itself is off (Cal.com cancellation, a Calendly event cancelled);
 * - `attendee_cancelled`: one Calendly invitee cancelled while the scheduled event stays on;
 * - `attendance`: attendees marked (or unmarked) as no-shows.
 */
export type BookingAction = 'created' | 'rescheduled' | 'cancelled' | 'ended' | 'attendee_cancelled' | 'attendance';

/** One attendee's reported attendance (`attendance` events). */
export interface AttendeeMark {
  email: string;
  noShow: boolean;
}

/**
 * What Mend takes from a scheduling tool's event: booking references, times and attendee emails
 * — never the booking's title, notes or form answers (they may hold clinical detail).
 */
export interface InboundBooking {
  action: BookingAction;
  /**
   * The provider's references to this booking, most stable first: refs[0] becomes the session's
   * external id; every ref is remembered so later events can find the session by any of them.
   */
  refs: string[];
  /** For a reschedule: the references of the booking it replaces. */
  previousRefs: string[];
  /** A cancellation that is one half of a reschedule (the other half moves the session). */
  isRescheduleCancellation: boolean;
  startsAt: string | null;
  endsAt: string | null;
  attendeeEmails: string[];
  /** `attendance` events: who was marked or unmarked as a no-show. */
  attendance?: AttendeeMark[];
}

export interface ParsedInboundEvent {
  /** The provider's event name (stored even when Mend ignores it). */
  eventType: string;
  /** The provider's own event id, when it sends one; otherwise the payload hash dedupes. */
  eventId: string | null;
  /** null: an event Mend does not act on (stored and ignored). */
  booking: InboundBooking | null;
}

export type SignatureFailure = 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'bad_signature';

/** One driver per scheduling tool behind one interface: signature check and mapping to Mend's booking. */
export interface SchedulingProviderDriver {
  readonly provider: InboundProvider;
  /** Checks the signature over the raw bytes, before anything parses them; null when valid. */
  verify(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string, now: Date): SignatureFailure | null;
  /** Maps the (already verified) JSON body; throws InboundPayloadError when it is not the provider's shape. */
  parse(body: unknown): ParsedInboundEvent;
}

export class InboundPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InboundPayloadError';
  }
}

export function hmacHex(secret: string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

export function payloadHash(rawBody: Buffer): string {
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/** Constant-time comparison of two hex strings (false for different lengths or non-hex input). */
export function hexEquals(expected: string, given: string): boolean {
  if (!/^[0-9a-f]+$/i.test(given) || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

export function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new InboundPayloadError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

export function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function emailsOf(values: unknown[]): string[] {
  const emails = values
    .map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : ''))
    .filter((e) => e.includes('@') && e.length <= 254);
  return [...new Set(emails)];
}

export function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}
