import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { Clock } from '@mend/core';
import { loadCouple } from '@mend/couples';
import { TenantDatabase } from '@mend/database';
import type { InboundEventProcessJobData } from '@mend/queue';
import { changeSession, sessionsRepository, upsertSessionByExternalId, type SessionRow } from '@mend/sessions';

import { matchCoupleByEmails } from '../couple-matching.js';
import { integrationsRepository, type BookingRefRow, type BookingRefState } from './integrations.repository.js';
import type { InboundBooking, InboundProvider } from './provider.driver.js';

type EventState = 'processed' | 'ignored' | 'unmatched';
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
 * - ended (Cal.com MEETING_ENDED): a scheduled session that has started is completed.
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
      const integration = await integrationsRepository.lock(tx, clinicId, integrationId);
      const event = await integrationsRepository.lockEvent(tx, clinicId, eventId);
      if (!integration || !event || event.state !== 'received') return null;
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
        msg: 'inbound event applied',
        clinicId,
        eventId,
        state: result.state,
        outcome: result.outcome,
      });
      return result;
    });
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
    }
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
      return { state: 'processed', outcome: 'already_cancelled', sessionId: session.id };
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
    if (result.isChanged)
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
    if (after !== session) await this.recordAudit(ctx, 'session.update', session.id);
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
