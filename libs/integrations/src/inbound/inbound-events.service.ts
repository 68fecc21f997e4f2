import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { Clock, decodeCursor, DomainException, toPage, type Page, type UserPrincipal } from '@mend/core';
import { loadCouple } from '@mend/couples';
import { TenantDatabase } from '@mend/database';
import type { InboundEventProcessJobData } from '@mend/queue';
import { changeSession, sessionsRepository, upsertSessionByExternalId, type SessionRow } from '@mend/sessions';

import { matchCoupleByEmails } from '../couple-matching.js';
import {
  stateOfOutcome,
  toInboundEventView,
  type InboundEventOutcome,
  type InboundEventView,
} from './inbound-event.views.js';
import {
  integrationsRepository,
  type BookingRefRow,
  type BookingRefState,
  type IntegrationEventState,
} from './integrations.repository.js';
import type { InboundBooking, InboundProvider } from './provider.driver.js';

type EventState = Exclude<IntegrationEventState, 'received'>;

export interface ListInboundEventsQuery {
  limit: number;
  cursor?: string;
  integrationId?: string;
  outcome?: InboundEventOutcome;
}
interface Outcome {
  state: EventState;
  /** A short code, never personal data. */
  outcome: string;
  sessionId?: string;
}

interface Context {
  tx: EntityManager;
  clinicId: string;
  integrationId: string;
  provider: InboundProvider;
  refs: Map<string, BookingRefRow>;
}

/**
 * Applies stored scheduling-tool events to Mend's sessions (worker). Events of one integration
 * are applied one at a time (the integration row is locked), so a reschedule's two halves or a
 * burst of retries cannot race. Each event is applied once: its state leaves `received`.
 *
 * - created: the attendees' emails find the couple (no couple, or two: `unmatched`), and the
 *   session is created (source = provider, external id = the booking's first reference);
 * - rescheduled: the session of the replaced booking moves to the new time and answers to the new
 *   references too; the old ones are marked so their late cancellation cannot cancel it;
 * - cancelled: the session is cancelled — unless the cancellation is half of a reschedule;
 * - ended (Cal.com MEETING_ENDED): a scheduled session that has started is completed;
 * - attendee_cancelled (one Calendly invitee cancelled, the event stays on): that partner is
 *   recorded as not attending; the session is cancelled only once every partner has cancelled;
 * - attendance (no-shows): partners are marked or unmarked as no-shows; when every partner is a
 *   no-show the session becomes no_show (and back to scheduled when that is taken back).
 *
 * An event that changes nothing (the session already was so) is a `duplicate`. An admin can
 * list the events with a plain reason and apply one again (reprocess), e.g. after adding the
 * couple whose emails matched no one.
 *
 * Session changes go through libs/sessions, which announces them (session.* webhooks) and is
 * where reminders follow a session that moves or is cancelled.
 */
@Injectable()
export class InboundEventsService {
  private readonly logger = new Logger(InboundEventsService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async process(job: InboundEventProcessJobData): Promise<Outcome | null> {
    const { clinicId, eventId } = job;
    return this.db.withClinic(clinicId, async (tx) => {
      const integrationId = await integrationsRepository.integrationOfEvent(tx, clinicId, eventId);
      if (!integrationId) return null;
      return this.applyEvent(tx, clinicId, integrationId, eventId, false);
    });
  }

  /** The clinic's inbound events (or one integration's), newest first, with outcome and reason; attendee emails masked. */
  async list(principal: UserPrincipal, query: ListInboundEventsQuery): Promise<Page<InboundEventView>> {
    const beforeId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      if (query.integrationId && !(await integrationsRepository.findById(tx, principal.clinicId, query.integrationId)))
        throw DomainException.notFound('Integration');
      const rows = await integrationsRepository.listEvents(tx, principal.clinicId, {
        integrationId: query.integrationId,
        states: query.outcome ? [stateOfOutcome(query.outcome)] : undefined,
        beforeId,
        limit: query.limit + 1,
      });
      return toPage(rows, query.limit, toInboundEventView);
    });
  }

  /**
   * Applies a stored event again, now (e.g. after adding the couple its attendees did not match,
   * or closing a duplicate couple), and records the new outcome. Safe on any event: applying is
   * idempotent per booking, and a booking cancelled or replaced since is not brought back.
   */
  async reprocess(principal: UserPrincipal, eventId: string): Promise<InboundEventView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const event = await integrationsRepository.findEvent(tx, principal.clinicId, eventId);
      if (!event) throw DomainException.notFound('Inbound event');
      await this.applyEvent(tx, principal.clinicId, event.integration_id, eventId, true);
      await integrationsRepository.markReprocessed(tx, principal.clinicId, eventId);
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'integration_event.reprocess', 'integration_event', eventId),
      );
      const after = await integrationsRepository.findEvent(tx, principal.clinicId, eventId);
      return toInboundEventView(after!);
    });
  }

  /** Applies one stored event under its integration's lock; the worker applies only `received` ones. */
  private async applyEvent(
    tx: EntityManager,
    clinicId: string,
    integrationId: string,
    eventId: string,
    isReprocess: boolean,
  ): Promise<Outcome | null> {
    const integration = await integrationsRepository.lock(tx, clinicId, integrationId);
    const event = await integrationsRepository.lockEvent(tx, clinicId, eventId);
    if (!integration || !event || (!isReprocess && event.state !== 'received')) return null;
    const booking = event.booking;
    const result: Outcome = booking
      ? await this.apply(
          { tx, clinicId, integrationId: integration.id, provider: integration.provider, refs: new Map() },
          booking,
        )
      : { state: 'ignored', outcome: 'unsupported_event' };
    await integrationsRepository.settleEvent(tx, clinicId, eventId, {
      state: result.state,
      outcome: result.outcome,
      sessionId: result.sessionId ?? null,
    });
    this.logger.log({
      msg: isReprocess ? 'inbound event reprocessed' : 'inbound event applied',
      clinicId,
      eventId,
      state: result.state,
      outcome: result.outcome,
    });
    return result;
  }

  private async apply(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const rows = await integrationsRepository.bookingRefs(ctx.tx, ctx.clinicId, ctx.integrationId, [
      ...booking.refs,
      ...booking.previousRefs,
    ]);
    for (const row of rows) ctx.refs.set(row.ref, row);
    switch (booking.action) {
      case 'created':
        return this.created(ctx, booking);
      case 'rescheduled':
        return this.rescheduled(ctx, booking);
      case 'cancelled':
        return this.cancelled(ctx, booking);
      case 'ended':
        return this.ended(ctx, booking);
      case 'attendee_cancelled':
        return this.attendeeCancelled(ctx, booking);
      case 'attendance':
        return this.attendance(ctx, booking);
    }
  }

  /** One Calendly invitee cancelled while the event stays on: that partner will not come. */
  private async attendeeCancelled(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const [inviteeRef] = booking.refs;
    if (ctx.refs.get(inviteeRef)?.state === 'rescheduled')
      return {
        state: 'ignored',
        outcome: 'booking_rescheduled',
        sessionId: ctx.refs.get(inviteeRef)?.session_id ?? undefined,
      };
    const session = await this.sessionOf(ctx, booking.refs);
    // This invitee's place is gone: its late creation must not bring it back.
    await this.remember(ctx, [inviteeRef], session?.id ?? null, 'cancelled');
    if (!session) return { state: 'ignored', outcome: 'unknown_booking' };
    if (session.status !== 'scheduled')
      return { state: 'ignored', outcome: `session_${session.status}`, sessionId: session.id };
    const partners = await sessionsRepository.partnersByEmail(
      ctx.tx,
      ctx.clinicId,
      session.couple_id,
      booking.attendeeEmails,
    );
    if (partners.length === 0) return { state: 'ignored', outcome: 'unknown_partner', sessionId: session.id };
    for (const partner of partners)
      await sessionsRepository.setAttendance(
        ctx.tx,
        ctx.clinicId,
        session.id,
        partner.id,
        'cancelled',
        true,
        ctx.provider,
      );
    if (!(await this.isEveryPartner(ctx, session, 'cancelled')))
      return { state: 'processed', outcome: 'partner_cancelled', sessionId: session.id };
    await changeSession(ctx.tx, session, { status: 'cancelled' }, this.clock.now());
    await this.recordAudit(ctx, 'session.update', session.id);
    return { state: 'processed', outcome: 'all_partners_cancelled', sessionId: session.id };
  }

  /** No-shows marked (or taken back) in the tool, per attendee. */
  private async attendance(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const session = await this.sessionOf(ctx, booking.refs);
    if (!session) return { state: 'ignored', outcome: 'unknown_booking' };
    if (session.starts_at.getTime() > this.clock.nowMs())
      return { state: 'ignored', outcome: 'not_started', sessionId: session.id };
    if (session.status === 'cancelled')
      return { state: 'ignored', outcome: 'session_cancelled', sessionId: session.id };
    const marks = booking.attendance ?? [];
    const partners = await sessionsRepository.partnersByEmail(
      ctx.tx,
      ctx.clinicId,
      session.couple_id,
      marks.map((m) => m.email),
    );
    if (partners.length === 0) return { state: 'ignored', outcome: 'unknown_partner', sessionId: session.id };
    let isAnyMarked = false;
    for (const partner of partners) {
      const isNoShow = marks.some((m) => m.email === partner.email && m.noShow);
      isAnyMarked ||= isNoShow;
      await sessionsRepository.setAttendance(
        ctx.tx,
        ctx.clinicId,
        session.id,
        partner.id,
        'no_show',
        isNoShow,
        ctx.provider,
      );
    }
    const isEveryoneAbsent = await this.isEveryPartner(ctx, session, 'no_show');
    if (isEveryoneAbsent && session.status === 'scheduled') {
      await changeSession(ctx.tx, session, { status: 'no_show' }, this.clock.now());
      await this.recordAudit(ctx, 'session.update', session.id);
      return { state: 'processed', outcome: 'all_partners_no_show', sessionId: session.id };
    }
    if (!isEveryoneAbsent && session.status === 'no_show' && !isAnyMarked) {
      await changeSession(ctx.tx, session, { status: 'scheduled' }, this.clock.now());
      await this.recordAudit(ctx, 'session.update', session.id);
      return { state: 'processed', outcome: 'no_show_cleared', sessionId: session.id };
    }
    return {
      state: 'processed',
      outcome: isAnyMarked ? 'partner_no_show' : 'partner_no_show_cleared',
      sessionId: session.id,
    };
  }

  /** Whether every partner of the session's couple is recorded with `state`. */
  private async isEveryPartner(ctx: Context, session: SessionRow, state: 'cancelled' | 'no_show'): Promise<boolean> {
    const partnerIds = await sessionsRepository.partnerIds(ctx.tx, ctx.clinicId, session.couple_id);
    const now = await sessionsRepository.findById(ctx.tx, ctx.clinicId, session.id);
    const absent = new Set((now?.attendance ?? []).filter((a) => a.status === state).map((a) => a.partnerId));
    return partnerIds.length > 0 && partnerIds.every((id) => absent.has(id));
  }

  private async created(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const closed = booking.refs.map((ref) => ctx.refs.get(ref)).find((r) => r && r.state !== 'active');
    if (closed)
      return {
        state: 'ignored',
        outcome: closed.state === 'cancelled' ? 'booking_cancelled' : 'booking_rescheduled',
        sessionId: closed.session_id ?? undefined,
      };
    const session = await this.sessionOf(ctx, booking.refs);
    if (session) return this.move(ctx, session, booking, booking.refs, 'updated');
    return this.createSession(ctx, booking);
  }

  private async rescheduled(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    // The new booking may already be known (a redelivery, or its creation arrived first).
    const session =
      (await this.sessionOf(ctx, booking.refs)) ?? (await this.sessionOf(ctx, booking.previousRefs, true));
    if (session) {
      const outcome = await this.move(ctx, session, booking, booking.refs, 'moved');
      await this.remember(ctx, booking.previousRefs, session.id, 'rescheduled');
      return outcome;
    }
    // The replaced booking was never seen here: the new one is simply a new session.
    const outcome = await this.createSession(ctx, booking);
    if (outcome.sessionId) await this.remember(ctx, booking.previousRefs, outcome.sessionId, 'rescheduled');
    return outcome;
  }

  private async cancelled(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const known = booking.refs.map((ref) => ctx.refs.get(ref)).find((r) => r !== undefined);
    if (booking.isRescheduleCancellation) {
      // The other half (the new booking) moves the session; this one must not cancel it.
      await this.remember(ctx, booking.refs, known?.session_id ?? null, 'rescheduled');
      return { state: 'ignored', outcome: 'part_of_reschedule', sessionId: known?.session_id ?? undefined };
    }
    if (known?.state === 'rescheduled')
      return { state: 'ignored', outcome: 'booking_rescheduled', sessionId: known.session_id ?? undefined };
    const session = await this.sessionOf(ctx, booking.refs);
    // Unknown booking: a tombstone, so its late creation does not bring it back.
    await this.remember(ctx, booking.refs, session?.id ?? null, 'cancelled');
    if (!session) return { state: 'ignored', outcome: 'unknown_booking' };
    if (session.status === 'cancelled')
      return { state: 'duplicate', outcome: 'already_cancelled', sessionId: session.id };
    if (session.status !== 'scheduled')
      return { state: 'ignored', outcome: `session_${session.status}`, sessionId: session.id };
    await changeSession(ctx.tx, session, { status: 'cancelled' }, this.clock.now());
    await this.recordAudit(ctx, 'session.update', session.id);
    return { state: 'processed', outcome: 'cancelled', sessionId: session.id };
  }

  private async ended(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const session = await this.sessionOf(ctx, booking.refs);
    if (!session) return { state: 'ignored', outcome: 'unknown_booking' };
    if (session.status !== 'scheduled' || session.starts_at.getTime() > this.clock.nowMs())
      return { state: 'ignored', outcome: `session_${session.status}`, sessionId: session.id };
    await changeSession(ctx.tx, session, { status: 'completed' }, this.clock.now());
    await this.recordAudit(ctx, 'session.update', session.id);
    return { state: 'processed', outcome: 'completed', sessionId: session.id };
  }

  private async createSession(ctx: Context, booking: InboundBooking): Promise<Outcome> {
    const times = timesOf(booking);
    if (!times) return { state: 'ignored', outcome: 'invalid_times' };
    const match = await matchCoupleByEmails(ctx.tx, ctx.clinicId, booking.attendeeEmails);
    if (match.kind === 'none') return { state: 'unmatched', outcome: 'no_couple_matches_attendees' };
    if (match.kind === 'many') return { state: 'unmatched', outcome: 'attendees_match_several_couples' };
    const couple = await loadCouple(ctx.tx, ctx.clinicId, match.coupleId);
    if (!couple) return { state: 'unmatched', outcome: 'no_couple_matches_attendees' };
    if (couple.status === 'closed') return { state: 'ignored', outcome: 'couple_closed' };
    const result = await upsertSessionByExternalId(
      ctx.tx,
      {
        clinicId: ctx.clinicId,
        coupleId: couple.id,
        therapistId: couple.therapistId,
        source: ctx.provider,
        externalId: booking.refs[0],
        startsAt: times.startsAt,
        endsAt: times.endsAt,
      },
      this.clock.now(),
    );
    await this.remember(ctx, booking.refs, result.row.id, 'active');
    if (!result.isChanged) return { state: 'duplicate', outcome: 'unchanged', sessionId: result.row.id };
    await this.recordAudit(ctx, result.isCreated ? 'session.create' : 'session.update', result.row.id);
    return { state: 'processed', outcome: result.isCreated ? 'created' : 'updated', sessionId: result.row.id };
  }

  private async move(
    ctx: Context,
    session: SessionRow,
    booking: InboundBooking,
    refs: string[],
    outcome: string,
  ): Promise<Outcome> {
    const times = timesOf(booking);
    if (!times) return { state: 'ignored', outcome: 'invalid_times', sessionId: session.id };
    // A booking that happens again is a scheduled session again (e.g. cancelled in Mend, then rebooked).
    const status = session.status === 'cancelled' ? 'scheduled' : undefined;
    const after = await changeSession(
      ctx.tx,
      session,
      { startsAt: times.startsAt, endsAt: times.endsAt, status },
      this.clock.now(),
    );
    await this.remember(ctx, refs, session.id, 'active');
    // Attendees booked (again) into this session: a partner who had cancelled their place is back.
    const back = await sessionsRepository.partnersByEmail(
      ctx.tx,
      ctx.clinicId,
      session.couple_id,
      booking.attendeeEmails,
    );
    for (const partner of back)
      await sessionsRepository.setAttendance(
        ctx.tx,
        ctx.clinicId,
        session.id,
        partner.id,
        'cancelled',
        false,
        ctx.provider,
      );
    if (after === session) return { state: 'duplicate', outcome: 'unchanged', sessionId: session.id };
    await this.recordAudit(ctx, 'session.update', session.id);
    return { state: 'processed', outcome, sessionId: session.id };
  }

  /** The (locked) session one of `refs` points at; `anyState` also follows references already marked rescheduled. */
  private async sessionOf(ctx: Context, refs: string[], anyState = false): Promise<SessionRow | null> {
    for (const ref of refs) {
      const row = ctx.refs.get(ref);
      if (!row?.session_id || (!anyState && row.state === 'rescheduled')) continue;
      const session = await sessionsRepository.findById(ctx.tx, ctx.clinicId, row.session_id, true);
      if (session) return session;
    }
    return null;
  }

  private async remember(
    ctx: Context,
    refs: string[],
    sessionId: string | null,
    state: BookingRefState,
  ): Promise<void> {
    for (const ref of refs) {
      await integrationsRepository.upsertBookingRef(ctx.tx, ctx.clinicId, ctx.integrationId, ref, sessionId, state);
      ctx.refs.set(ref, { ref, session_id: sessionId ?? ctx.refs.get(ref)?.session_id ?? null, state });
    }
  }

  private async recordAudit(ctx: Context, action: string, sessionId: string): Promise<void> {
    await this.audit.record(ctx.tx, {
      clinicId: ctx.clinicId,
      actorType: 'system',
      actorId: ctx.integrationId,
      action,
      resourceType: 'session',
      resourceId: sessionId,
      outcome: 'success',
    });
  }
}

function timesOf(booking: InboundBooking): { startsAt: Date; endsAt: Date } | null {
  if (!booking.startsAt || !booking.endsAt) return null;
  const startsAt = new Date(booking.startsAt);
  const endsAt = new Date(booking.endsAt);
  return endsAt.getTime() > startsAt.getTime() ? { startsAt, endsAt } : null;
}
