import type { IntegrationEventRow, IntegrationEventState } from './integrations.repository.js';

/** What happened to an inbound event, as an admin filters and reads it. */
export const INBOUND_EVENT_OUTCOMES = ['pending', 'applied', 'duplicate', 'ignored', 'unmatched'] as const;
export type InboundEventOutcome = (typeof INBOUND_EVENT_OUTCOMES)[number];

const STATE_OF: Record<InboundEventOutcome, IntegrationEventState> = {
  pending: 'received',
  applied: 'processed',
  duplicate: 'duplicate',
  ignored: 'ignored',
  unmatched: 'unmatched',
};
const OUTCOME_OF = Object.fromEntries(Object.entries(STATE_OF).map(([k, v]) => [v, k])) as Record<
  IntegrationEventState,
  InboundEventOutcome
>;

export const stateOfOutcome = (outcome: InboundEventOutcome): IntegrationEventState => STATE_OF[outcome];

/**
 * The plain reason shown for each outcome code the worker records. Codes are short and fixed;
 * reasons never carry personal data (no names, emails or booking titles).
 */
const REASONS: Record<string, string> = {
  created: 'applied: session created',
  updated: 'applied: session updated',
  moved: 'applied: session moved to the new time',
  cancelled: 'applied: session cancelled',
  completed: 'applied: session completed (the meeting ended)',
  partner_cancelled: 'applied: a partner cancelled their place; the session stays on while the event does',
  all_partners_cancelled: 'applied: every partner cancelled; session cancelled',
  partner_no_show: 'applied: partner marked as a no-show',
  partner_no_show_cleared: "applied: a partner's no-show was taken back",
  all_partners_no_show: 'applied: every partner was a no-show; session marked no-show',
  no_show_cleared: 'applied: a no-show was taken back; session scheduled again',
  unchanged: 'duplicate: the session already was as this event says',
  already_cancelled: 'duplicate: the session was already cancelled',
  no_couple_matches_attendees: 'no couple matches the attendees',
  attendees_match_several_couples: 'the attendees are partners of more than one couple',
  unsupported_event: 'ignored: Mend does not act on this event type',
  booking_cancelled: 'ignored: this booking was already cancelled',
  booking_rescheduled: 'ignored: this booking was replaced by a reschedule',
  part_of_reschedule: 'ignored: half of a reschedule (the new booking moves the session)',
  unknown_booking: 'ignored: no session is known for this booking',
  unknown_partner: "ignored: the attendee is not a partner of the session's couple",
  not_started: 'ignored: a no-show for a session that has not started',
  invalid_times: 'ignored: the booking has no valid start and end',
  couple_closed: 'ignored: the couple is closed',
  session_completed: 'ignored: the session is already completed',
  session_cancelled: 'ignored: the session is cancelled',
  session_no_show: 'ignored: the session is already marked no-show',
  session_scheduled: 'ignored: the session is still scheduled',
};

export function reasonOf(state: IntegrationEventState, code: string | null): string {
  if (state === 'received') return 'waiting to be applied';
  if (code && REASONS[code]) return REASONS[code];
  return code ? `${OUTCOME_OF[state]}: ${code.replace(/_/g, ' ')}` : OUTCOME_OF[state];
}

/**
 * An attendee email as the admin list shows it: first character, the rest of the local part
 * hidden, the domain kept (`a***@example.com`) — enough to recognise a partner or spot a typo'd
 * domain, not enough to read the address off a screen.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

export interface InboundEventView {
  id: string;
  integrationId: string;
  eventType: string;
  outcome: InboundEventOutcome;
  /** The short code the worker recorded (stable, for programs); `reason` is the sentence for people. */
  reasonCode: string | null;
  reason: string;
  sessionId: string | null;
  /** Attendee emails, masked. */
  attendees: string[];
  receivedAt: Date;
  processedAt: Date | null;
  /** How many times the tool sent this same event again (never applied twice). */
  redeliveries: number;
  lastReceivedAt: Date | null;
  reprocessedAt: Date | null;
  reprocessCount: number;
}

export function toInboundEventView(row: IntegrationEventRow): InboundEventView {
  return {
    id: row.id,
    integrationId: row.integration_id,
    eventType: row.event_type,
    outcome: OUTCOME_OF[row.state],
    reasonCode: row.outcome,
    reason: reasonOf(row.state, row.outcome),
    sessionId: row.session_id,
    attendees: (row.booking?.attendeeEmails ?? []).map(maskEmail),
    receivedAt: row.received_at,
    processedAt: row.processed_at,
    redeliveries: row.redelivery_count,
    lastReceivedAt: row.last_received_at,
    reprocessedAt: row.reprocessed_at,
    reprocessCount: row.reprocess_count,
  };
}
