import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

export interface CalendarFeedRow {
  id: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** The user a live feed token belongs to (not revoked, the user not disabled). */
export interface FeedOwnerRow {
  user_id: string;
  role: string;
  timezone: string;
  feed_created_at: Date;
}

export interface FeedSessionRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  updated_at: Date;
  /** RFC 5545 SEQUENCE, raised by the database on every change of times or status. */
  sequence: number;
}

export interface FeedDueRow {
  id: string;
  due_at: Date;
  created_at: Date;
  title: string;
  /** Given to this partner alone (the safety check): the feed does not name it (a shared calendar must not tell). */
  is_private: boolean;
}

/**
 * SQL for calendar feeds and the read model they render; every method takes the clinic-pinned
 * transaction and the clinic id. Time ranges are half-open: [from, to).
 */
export const calendarFeedsRepository = {
  async insert(
    tx: EntityManager,
    clinicId: string,
    id: string,
    userId: string,
    tokenHash: string,
  ): Promise<CalendarFeedRow> {
    const rows: CalendarFeedRow[] = await tx.query(
      `INSERT INTO calendar_feed (clinic_id, id, user_id, token_hash) VALUES ($1, $2, $3, $4) RETURNING id, created_at, revoked_at`,
      [clinicId, id, userId, tokenHash],
    );
    return rows[0];
  },

  async listOfUser(tx: EntityManager, clinicId: string, userId: string): Promise<CalendarFeedRow[]> {
    return tx.query(
      `SELECT id, created_at, revoked_at FROM calendar_feed WHERE clinic_id = $1 AND user_id = $2 ORDER BY id LIMIT 100`,
      [clinicId, userId],
    );
  },

  /** Revokes a user's own feed (keeping the first revocation time); answers whether it exists. */
  async revoke(tx: EntityManager, clinicId: string, feedId: string, userId: string): Promise<boolean> {
    const rows = await queryRows(
      tx,
      `UPDATE calendar_feed SET revoked_at = coalesce(revoked_at, mend_now()) WHERE clinic_id = $1 AND id = $2 AND user_id = $3 RETURNING id`,
      [clinicId, feedId, userId],
    );
    return rows.length > 0;
  },

  async findOwner(tx: EntityManager, clinicId: string, tokenHash: string): Promise<FeedOwnerRow | undefined> {
    const owners: FeedOwnerRow[] = await tx.query(
      `SELECT u.id AS user_id, u.role, u.timezone, f.created_at AS feed_created_at FROM calendar_feed f JOIN "user" u ON u.clinic_id = f.clinic_id AND u.id = f.user_id
          WHERE f.clinic_id = $1 AND f.token_hash = $2 AND f.revoked_at IS NULL AND u.disabled_at IS NULL`,
      [clinicId, tokenHash],
    );
    return owners[0];
  },

  /** A therapist's sessions that are not cancelled, with each couple's label. */
  async therapistSessions(
    tx: EntityManager,
    clinicId: string,
    therapistId: string,
    from: Date,
    to: Date,
  ): Promise<Array<FeedSessionRow & { label: string | null; initials: string | null }>> {
    return tx.query(
      `SELECT s.id, s.starts_at, s.ends_at, s.updated_at, s.sequence, c.label,
              (SELECT string_agg(upper(left(u.name, 1)) || '.', ' & ' ORDER BY cp.position)
                 FROM couple_partner cp JOIN "user" u ON u.clinic_id = cp.clinic_id AND u.id = cp.user_id
                WHERE cp.clinic_id = c.clinic_id AND cp.couple_id = c.id) AS initials
         FROM therapy_session s JOIN couple c ON c.clinic_id = s.clinic_id AND c.id = s.couple_id
        WHERE s.clinic_id = $1 AND s.therapist_id = $2 AND s.status <> 'cancelled' AND s.starts_at >= $3 AND s.starts_at < $4
        ORDER BY s.starts_at, s.id`,
      [clinicId, therapistId, from, to],
    );
  },

  async isActiveTherapist(tx: EntityManager, clinicId: string, userId: string): Promise<boolean> {
    const rows = await queryRows(
      tx,
      `SELECT id FROM "user" WHERE clinic_id = $1 AND id = $2 AND role = 'therapist' AND disabled_at IS NULL`,
      [clinicId, userId],
    );
    return rows.length > 0;
  },

  /** The clinic's settings (its calendar session titles among them). */
  async clinicSettings(tx: EntityManager, clinicId: string): Promise<Record<string, unknown>> {
    const rows: Array<{ settings: Record<string, unknown> }> = await tx.query(
      `SELECT settings FROM clinic WHERE id = $1`,
      [clinicId],
    );
    return rows[0]?.settings ?? {};
  },

  /** Sets the clinic's calendar settings (`settings.calendarSessionSummary`). */
  async setSessionSummary(tx: EntityManager, clinicId: string, summary: string): Promise<void> {
    await tx.query(
      `UPDATE clinic SET settings = jsonb_set(settings, '{calendarSessionSummary}', to_jsonb($2::text)), updated_at = mend_now() WHERE id = $1`,
      [clinicId, summary],
    );
  },

  async coupleOfPartner(tx: EntityManager, clinicId: string, userId: string): Promise<string | undefined> {
    const partners: Array<{ couple_id: string }> = await tx.query(
      `SELECT couple_id FROM couple_partner WHERE clinic_id = $1 AND user_id = $2`,
      [clinicId, userId],
    );
    return partners[0]?.couple_id;
  },

  /** A couple's sessions that are not cancelled. */
  async coupleSessions(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    from: Date,
    to: Date,
  ): Promise<FeedSessionRow[]> {
    return tx.query(
      `SELECT id, starts_at, ends_at, updated_at, sequence FROM therapy_session
        WHERE clinic_id = $1 AND couple_id = $2 AND status <> 'cancelled' AND starts_at >= $3 AND starts_at < $4
        ORDER BY starts_at, id`,
      [clinicId, coupleId, from, to],
    );
  },

  /** A partner's own and joint homework due times (of assignments not cancelled), with the exercise title. */
  async partnerDueOccurrences(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    userId: string,
    from: Date,
    to: Date,
  ): Promise<FeedDueRow[]> {
    return tx.query(
      `SELECT o.id, o.due_at, o.created_at, v.title, a.partner_id IS NOT NULL AS is_private
         FROM occurrence o
         JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
         JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
        WHERE o.clinic_id = $1 AND o.couple_id = $2 AND (o.partner_id = $3 OR o.partner_id IS NULL)
          AND o.due_at >= $4 AND o.due_at < $5 AND a.status <> 'cancelled'
        ORDER BY o.due_at, o.id`,
      [clinicId, coupleId, userId, from, to],
    );
  },
};
