import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { DomainException, newId, type Principal, type UserPrincipal } from '@mend/core';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';
import { DAY_MS, ensureHorizon, HORIZON_DAYS } from '@mend/homework';

import { issueIntegrationToken, parseIntegrationToken } from '../integration-tokens.js';
import { calendarFeedsRepository, type CalendarFeedRow } from './calendar-feeds.repository.js';
import { renderFeed, type FeedEvent } from './ical-feed.js';

/** How far back and ahead a feed reaches (it is re-read on every poll, so it stays bounded). */
export const FEED_PAST_DAYS = 30;
export const FEED_SESSIONS_AHEAD_DAYS = 365;
/** A due time shows as a short event, so calendars that hide zero-length events still show it. */
export const DUE_EVENT_MINUTES = 15;

export interface CalendarFeedView {
  id: string;
  status: 'active' | 'revoked';
  createdAt: Date;
  revokedAt: Date | null;
}

export interface CreatedCalendarFeedView extends CalendarFeedView {
  /** The secret subscription URL (webcal clients take it as is); shown only here. */
  url: string;
}

/**
 * What a therapist's feed calls a session, chosen by the clinic (`clinic.settings.calendarSessionSummary`):
 * a feed syncs into calendars other people may see, so by default it names no couple.
 */
export const SESSION_SUMMARIES = ['neutral', 'initials', 'label'] as const;
export type SessionSummary = (typeof SESSION_SUMMARIES)[number];

export interface CalendarSettingsView {
  sessionSummary: SessionSummary;
}

function sessionSummaryOf(settings: Record<string, unknown>): SessionSummary {
  const value = settings.calendarSessionSummary;
  return (SESSION_SUMMARIES as readonly unknown[]).includes(value) ? (value as SessionSummary) : 'neutral';
}

function sessionTitle(summary: SessionSummary, row: { label: string | null; initials: string | null }): string {
  if (summary === 'label' && row.label) return `Couples session · ${row.label}`;
  if (summary === 'initials' && row.initials) return `Couples session · ${row.initials}`;
  return 'Couples session';
}

const toView = (row: CalendarFeedRow): CalendarFeedView => ({
  id: row.id,
  status: row.revoked_at ? 'revoked' : 'active',
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/**
 * Secret iCalendar subscription URLs. A therapist's feed holds their sessions; a partner's feed
 * holds their couple's sessions and their own homework due times. Events carry no clinical
 * content: a session is "Couples session" (with the couple's label for the therapist), homework
 * is its exercise title. Only the token's hash is stored; a feed can be revoked.
 */
@Injectable()
export class CalendarFeedsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A user's feed is their own; an API key (calendar:read) names the therapist whose sessions the
   * feed shows, and the feed belongs to that therapist (it stops with their account).
   */
  async create(
    principal: Principal,
    input: { therapistId?: string },
    idempotencyKey?: string,
  ): Promise<IdempotentResult<CreatedCalendarFeedView | CalendarFeedView>> {
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/calendar-feeds',
        body: input,
        statusCode: 201,
        // The feed URL carries a secret shown once: a replay answers the feed without it.
        replay: async (id) => {
          const ownerId = principal.kind === 'user' ? principal.userId : input.therapistId;
          const rows = ownerId
            ? await this.db.withClinic(principal.clinicId, (tx) =>
                calendarFeedsRepository.listOfUser(tx, principal.clinicId, ownerId),
              )
            : [];
          const feed = rows.map(toView).find((f) => f.id === id);
          if (!feed) throw DomainException.notFound('Calendar feed');
          return feed;
        },
      },
      async (tx) => {
        const ownerId = await this.feedOwner(tx, principal, input.therapistId);
        const { token, hash } = issueIntegrationToken('cal', principal.clinicId);
        const row = await calendarFeedsRepository.insert(tx, principal.clinicId, newId(), ownerId, hash);
        await this.audit.record(tx, this.audit.entryFor(principal, 'calendar_feed.create', 'calendar_feed', row.id));
        return { ...toView(row), url: `${this.config.http.publicUrl}/v1/calendar/${token}.ics` };
      },
    );
  }

  private async feedOwner(tx: EntityManager, principal: Principal, therapistId: string | undefined): Promise<string> {
    if (principal.kind === 'user') {
      if (therapistId !== undefined && therapistId !== principal.userId)
        throw new DomainException('invalid', 'therapistId is for API keys; your feed is your own', {
          errors: [{ field: 'therapistId', message: 'leave it out' }],
        });
      return principal.userId;
    }
    const problem = (message: string) =>
      new DomainException('unprocessable', message, { errors: [{ field: 'therapistId', message }] });
    if (!therapistId) throw problem('therapistId names the therapist whose sessions the feed shows');
    if (!(await calendarFeedsRepository.isActiveTherapist(tx, principal.clinicId, therapistId)))
      throw problem('therapistId is not an active therapist of this clinic');
    return therapistId;
  }

  /** What a therapist's feed calls a session in this clinic (default neutral: "Couples session"). */
  async settings(principal: UserPrincipal): Promise<CalendarSettingsView> {
    return this.db.withClinic(principal.clinicId, async (tx) => ({
      sessionSummary: sessionSummaryOf(await calendarFeedsRepository.clinicSettings(tx, principal.clinicId)),
    }));
  }

  /** An admin chooses it; feeds show the new title at their next poll. Audited. */
  async updateSettings(
    principal: UserPrincipal,
    input: { sessionSummary: SessionSummary },
  ): Promise<CalendarSettingsView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await calendarFeedsRepository.setSessionSummary(tx, principal.clinicId, input.sessionSummary);
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'clinic.calendar_settings.update', 'clinic', principal.clinicId),
      );
      return { sessionSummary: input.sessionSummary };
    });
  }

  /** The caller's own feeds (never their URLs). */
  async list(principal: UserPrincipal): Promise<{ data: CalendarFeedView[] }> {
    const rows = await this.db.withClinic(principal.clinicId, (tx) =>
      calendarFeedsRepository.listOfUser(tx, principal.clinicId, principal.userId),
    );
    return { data: rows.map(toView) };
  }

  /** Another user's feed answers 404, like a missing one. */
  async revoke(principal: UserPrincipal, feedId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      if (!(await calendarFeedsRepository.revoke(tx, principal.clinicId, feedId, principal.userId)))
        throw DomainException.notFound('Calendar feed');
      await this.audit.record(tx, this.audit.entryFor(principal, 'calendar_feed.revoke', 'calendar_feed', feedId));
    });
  }

  /**
   * The feed behind a token, or 404 (unknown, revoked, or its user disabled), with the time of
   * its latest change for Last-Modified.
   */
  async render(token: string, now: Date): Promise<{ body: string; lastModified: Date }> {
    const parsed = parseIntegrationToken('cal', token);
    if (!parsed) throw DomainException.notFound('Calendar feed');
    return this.db.withClinic(parsed.clinicId, async (tx) => {
      const owner = await calendarFeedsRepository.findOwner(tx, parsed.clinicId, parsed.hash);
      if (!owner) throw DomainException.notFound('Calendar feed');
      const events =
        owner.role === 'therapist'
          ? await this.therapistEvents(
              tx,
              parsed.clinicId,
              owner.user_id,
              now,
              sessionSummaryOf(await calendarFeedsRepository.clinicSettings(tx, parsed.clinicId)),
            )
          : owner.role === 'client'
            ? await this.clientEvents(tx, parsed.clinicId, owner.user_id, now)
            : [];
      const lastModified = new Date(
        Math.max(owner.feed_created_at.getTime(), ...events.map((e) => e.changedAt.getTime())),
      );
      // Whole seconds: Last-Modified carries no milliseconds.
      lastModified.setMilliseconds(0);
      return { body: renderFeed({ name: 'Mend', zone: owner.timezone, events }), lastModified };
    });
  }

  private async therapistEvents(
    tx: EntityManager,
    clinicId: string,
    therapistId: string,
    now: Date,
    summary: SessionSummary,
  ): Promise<FeedEvent[]> {
    const rows = await calendarFeedsRepository.therapistSessions(
      tx,
      clinicId,
      therapistId,
      new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS),
      new Date(now.getTime() + FEED_SESSIONS_AHEAD_DAYS * DAY_MS),
    );
    return rows.map((r) => ({
      uid: `session-${r.id}@mend`,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      summary: sessionTitle(summary, r),
      changedAt: r.updated_at,
      sequence: r.sequence,
    }));
  }

  private async clientEvents(tx: EntityManager, clinicId: string, userId: string, now: Date): Promise<FeedEvent[]> {
    const coupleId = await calendarFeedsRepository.coupleOfPartner(tx, clinicId, userId);
    if (!coupleId) return [];
    const sessions = await calendarFeedsRepository.coupleSessions(
      tx,
      clinicId,
      coupleId,
      new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS),
      new Date(now.getTime() + FEED_SESSIONS_AHEAD_DAYS * DAY_MS),
    );
    // Lay out upcoming occurrences first, as every other read of homework does.
    await ensureHorizon(tx, clinicId, { coupleId }, now);
    const due = await calendarFeedsRepository.partnerDueOccurrences(
      tx,
      clinicId,
      coupleId,
      userId,
      new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS),
      new Date(now.getTime() + (HORIZON_DAYS + 1) * DAY_MS),
    );
    return [
      ...sessions.map((r) => ({
        uid: `session-${r.id}@mend`,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        summary: 'Couples session',
        changedAt: r.updated_at,
        sequence: r.sequence,
      })),
      ...due.map((r) => ({
        uid: `occurrence-${r.id}@mend`,
        startsAt: r.due_at,
        endsAt: new Date(r.due_at.getTime() + DUE_EVENT_MINUTES * 60_000),
        summary: r.is_private ? 'Check-in' : r.title,
        changedAt: r.created_at,
        sequence: 0,
      })),
    ];
  }
}
