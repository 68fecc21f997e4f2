import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { DomainException, newId, type UserPrincipal } from '@mend/core';
import { IdempotencyService, queryRows, TenantDatabase, type IdempotentResult } from '@mend/database';
import { DAY_MS, ensureHorizon, HORIZON_DAYS } from '@mend/homework';

import { issueIntegrationToken, parseIntegrationToken } from '../integration-tokens.js';
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

interface FeedRow {
  id: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toView = (row: FeedRow): CalendarFeedView => ({
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

  async create(principal: UserPrincipal, idempotencyKey?: string): Promise<IdempotentResult<CreatedCalendarFeedView>> {
    return this.idempotency.run(
      principal,
      { key: idempotencyKey, operation: 'POST /v1/calendar-feeds', body: {}, statusCode: 201 },
      async (tx) => {
        const { token, hash } = issueIntegrationToken('cal', principal.clinicId);
        const rows: FeedRow[] = await tx.query(
          `INSERT INTO calendar_feed (clinic_id, id, user_id, token_hash) VALUES ($1, $2, $3, $4) RETURNING id, created_at, revoked_at`,
          [principal.clinicId, newId(), principal.userId, hash],
        );
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, 'calendar_feed.create', 'calendar_feed', rows[0].id),
        );
        return { ...toView(rows[0]), url: `${this.config.http.publicUrl}/v1/calendar/${token}.ics` };
      },
    );
  }

  /** The caller's own feeds (never their URLs). */
  async list(principal: UserPrincipal): Promise<{ data: CalendarFeedView[] }> {
    const rows: FeedRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(
        `SELECT id, created_at, revoked_at FROM calendar_feed WHERE clinic_id = $1 AND user_id = $2 ORDER BY id LIMIT 100`,
        [principal.clinicId, principal.userId],
      ),
    );
    return { data: rows.map(toView) };
  }

  /** Another user's feed answers 404, like a missing one. */
  async revoke(principal: UserPrincipal, feedId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      const rows = await queryRows(
        tx,
        `UPDATE calendar_feed SET revoked_at = coalesce(revoked_at, mend_now()) WHERE clinic_id = $1 AND id = $2 AND user_id = $3 RETURNING id`,
        [principal.clinicId, feedId, principal.userId],
      );
      if (rows.length === 0) throw DomainException.notFound('Calendar feed');
      await this.audit.record(tx, this.audit.entryFor(principal, 'calendar_feed.revoke', 'calendar_feed', feedId));
    });
  }

  /** The feed behind a token, or 404 (unknown, revoked, or its user disabled). */
  async render(token: string, now: Date): Promise<string> {
    const parsed = parseIntegrationToken('cal', token);
    if (!parsed) throw DomainException.notFound('Calendar feed');
    return this.db.withClinic(parsed.clinicId, async (tx) => {
      const owners: Array<{ user_id: string; role: string; timezone: string }> = await tx.query(
        `SELECT u.id AS user_id, u.role, u.timezone FROM calendar_feed f JOIN "user" u ON u.clinic_id = f.clinic_id AND u.id = f.user_id
          WHERE f.clinic_id = $1 AND f.token_hash = $2 AND f.revoked_at IS NULL AND u.disabled_at IS NULL`,
        [parsed.clinicId, parsed.hash],
      );
      const owner = owners[0];
      if (!owner) throw DomainException.notFound('Calendar feed');
      const events =
        owner.role === 'therapist'
          ? await this.therapistEvents(tx, parsed.clinicId, owner.user_id, now)
          : owner.role === 'client'
            ? await this.clientEvents(tx, parsed.clinicId, owner.user_id, now)
            : [];
      return renderFeed({ name: 'Mend', zone: owner.timezone, events });
    });
  }

  private async therapistEvents(
    tx: EntityManager,
    clinicId: string,
    therapistId: string,
    now: Date,
  ): Promise<FeedEvent[]> {
    const rows: Array<{ id: string; starts_at: Date; ends_at: Date; updated_at: Date; label: string | null }> =
      await tx.query(
        `SELECT s.id, s.starts_at, s.ends_at, s.updated_at, c.label
         FROM therapy_session s JOIN couple c ON c.clinic_id = s.clinic_id AND c.id = s.couple_id
        WHERE s.clinic_id = $1 AND s.therapist_id = $2 AND s.status <> 'cancelled' AND s.starts_at >= $3 AND s.starts_at < $4
        ORDER BY s.starts_at, s.id`,
        [
          clinicId,
          therapistId,
          new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS),
          new Date(now.getTime() + FEED_SESSIONS_AHEAD_DAYS * DAY_MS),
        ],
      );
    return rows.map((r) => ({
      uid: `session-${r.id}@mend`,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      summary: r.label ? `Couples session · ${r.label}` : 'Couples session',
      changedAt: r.updated_at,
    }));
  }

  private async clientEvents(tx: EntityManager, clinicId: string, userId: string, now: Date): Promise<FeedEvent[]> {
    const partners: Array<{ couple_id: string }> = await tx.query(
      `SELECT couple_id FROM couple_partner WHERE clinic_id = $1 AND user_id = $2`,
      [clinicId, userId],
    );
    const couple = partners[0] ? { id: partners[0].couple_id } : null;
    if (!couple) return [];
    const sessions: Array<{ id: string; starts_at: Date; ends_at: Date; updated_at: Date }> = await tx.query(
      `SELECT id, starts_at, ends_at, updated_at FROM therapy_session
        WHERE clinic_id = $1 AND couple_id = $2 AND status <> 'cancelled' AND starts_at >= $3 AND starts_at < $4
        ORDER BY starts_at, id`,
      [
        clinicId,
        couple.id,
        new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS),
        new Date(now.getTime() + FEED_SESSIONS_AHEAD_DAYS * DAY_MS),
      ],
    );
    // Lay out upcoming occurrences first, as every other read of homework does.
    await ensureHorizon(tx, clinicId, { coupleId: couple.id }, now);
    const due: Array<{ id: string; due_at: Date; created_at: Date; title: string }> = await tx.query(
      `SELECT o.id, o.due_at, o.created_at, v.title
         FROM occurrence o
         JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
         JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
        WHERE o.clinic_id = $1 AND o.couple_id = $2 AND (o.partner_id = $3 OR o.partner_id IS NULL)
          AND o.due_at >= $4 AND o.due_at < $5 AND a.status <> 'cancelled'
        ORDER BY o.due_at, o.id`,
      [
        clinicId,
        couple.id,
        userId,
        new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS),
        new Date(now.getTime() + (HORIZON_DAYS + 1) * DAY_MS),
      ],
    );
    return [
      ...sessions.map((r) => ({
        uid: `session-${r.id}@mend`,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        summary: 'Couples session',
        changedAt: r.updated_at,
      })),
      ...due.map((r) => ({
        uid: `occurrence-${r.id}@mend`,
        startsAt: r.due_at,
        endsAt: new Date(r.due_at.getTime() + DUE_EVENT_MINUTES * 60_000),
        summary: r.title,
        changedAt: r.created_at,
      })),
    ];
  }
}
