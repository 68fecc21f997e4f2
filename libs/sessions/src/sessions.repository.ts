import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

export const SESSION_STATUSES = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Where a session came from: `manual` for the API, an integration's name otherwise. */
export const MANUAL_SOURCE = 'manual';

/**
 * Sources whose sessions a scheduling-tool integration owns (libs/integrations' providers): their
 * time and scheduled/cancelled status change only through the tool's signed events.
 */
export const INTEGRATION_SOURCES: readonly string[] = ['calcom', 'calendly'];

/** A partner who will not attend (`cancelled`) or did not attend (`no_show`), as a scheduling tool reported it. */
export type AttendanceState = 'cancelled' | 'no_show';
export interface PartnerAttendance {
  partnerId: string;
  status: AttendanceState;
}

export interface SessionRow {
  clinic_id: string;
  id: string;
  couple_id: string;
  therapist_id: string;
  starts_at: Date;
  ends_at: Date;
  status: SessionStatus;
  notes: string | null;
  source: string;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
  /** Partners reported absent (no row: attending), by partner id. */
  attendance: PartnerAttendance[];
}

/** Every read answers the partners' attendance too (a subquery, so RETURNING clauses carry it as well). */
const COLUMNS = `clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status, notes, source, external_id, created_at, updated_at,
  (SELECT coalesce(json_agg(json_build_object('partnerId', a.partner_id, 'status', a.state) ORDER BY a.partner_id), '[]'::json)
     FROM session_attendance a WHERE a.clinic_id = therapy_session.clinic_id AND a.session_id = therapy_session.id) AS attendance`;

export interface NewSession {
  clinicId: string;
  id: string;
  coupleId: string;
  therapistId: string;
  startsAt: Date;
  endsAt: Date;
  status?: SessionStatus;
  source?: string;
  externalId?: string | null;
}

export interface SessionChanges {
  startsAt?: Date;
  endsAt?: Date;
  status?: SessionStatus;
  /** undefined leaves the notes; null clears them. */
  notes?: string | null;
}

/** SQL for therapy sessions; every method takes the clinic-pinned transaction and the clinic id. */
export const sessionsRepository = {
  /** The integration whose bookings made this session (a Cal.com or Calendly session), if any. */
  async owningIntegration(
    tx: EntityManager,
    clinicId: string,
    sessionId: string,
  ): Promise<{ id: string; provider: string; name: string | null } | undefined> {
    const rows: Array<{ id: string; provider: string; name: string | null }> = await tx.query(
      `SELECT i.id, i.provider, i.name FROM integration_booking b
         JOIN integration i ON i.clinic_id = b.clinic_id AND i.id = b.integration_id
        WHERE b.clinic_id = $1 AND b.session_id = $2
        ORDER BY b.created_at LIMIT 1`,
      [clinicId, sessionId],
    );
    return rows[0];
  },

  /** The couple's partners among `emails` (normalised), by user id. */
  async partnersByEmail(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    emails: string[],
  ): Promise<Array<{ id: string; email: string }>> {
    return tx.query(
      `SELECT u.id, u.email FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
        WHERE p.clinic_id = $1 AND p.couple_id = $2 AND u.email = ANY ($3::text[])`,
      [clinicId, coupleId, emails],
    );
  },

  /** A user's own IANA zone (a partner reads session times in it); null when there is no such user. */
  async timezoneOf(tx: EntityManager, clinicId: string, userId: string): Promise<string | null> {
    const rows: Array<{ timezone: string }> = await tx.query(
      `SELECT timezone FROM "user" WHERE clinic_id = $1 AND id = $2`,
      [clinicId, userId],
    );
    return rows[0]?.timezone ?? null;
  },

  async partnerIds(tx: EntityManager, clinicId: string, coupleId: string): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await tx.query(
      `SELECT user_id FROM couple_partner WHERE clinic_id = $1 AND couple_id = $2`,
      [clinicId, coupleId],
    );
    return rows.map((r) => r.user_id);
  },

  /** Records a partner's absence (`state`), or, with null, clears the absence of the given kind. */
  async setAttendance(
    tx: EntityManager,
    clinicId: string,
    sessionId: string,
    partnerId: string,
    state: AttendanceState,
    isAbsent: boolean,
    source: string,
  ): Promise<void> {
    if (isAbsent)
      await tx.query(
        `INSERT INTO session_attendance (clinic_id, session_id, partner_id, state, source) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (clinic_id, session_id, partner_id) DO UPDATE SET state = EXCLUDED.state, source = EXCLUDED.source, updated_at = mend_now()`,
        [clinicId, sessionId, partnerId, state, source],
      );
    else
      await tx.query(
        `DELETE FROM session_attendance WHERE clinic_id = $1 AND session_id = $2 AND partner_id = $3 AND state = $4`,
        [clinicId, sessionId, partnerId, state],
      );
  },

  async insert(tx: EntityManager, session: NewSession): Promise<SessionRow> {
    const rows: SessionRow[] = await tx.query(
      `INSERT INTO therapy_session (clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status, source, external_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        session.clinicId,
        session.id,
        session.coupleId,
        session.therapistId,
        session.startsAt,
        session.endsAt,
        session.status ?? 'scheduled',
        session.source ?? MANUAL_SOURCE,
        session.externalId ?? null,
      ],
    );
    return rows[0];
  },

  /**
   * Creates or updates the session a scheduling tool knows as (source, externalId), in one
   * statement (the unique key makes retries and concurrent deliveries converge). Notes are never
   * touched: they belong to the therapist. Without a status an update keeps the session's own
   * (a therapist may have completed it), a creation starts scheduled. An update that changes
   * nothing writes nothing, so a repeated call leaves the row (and updated_at) as it was.
   */
  async upsertByExternalId(
    tx: EntityManager,
    session: NewSession & { source: string; externalId: string },
  ): Promise<{ row: SessionRow; isCreated: boolean; isChanged: boolean }> {
    const rows: Array<SessionRow & { is_created: boolean }> = await tx.query(
      `INSERT INTO therapy_session (clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status, source, external_id)
       VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::text, 'scheduled'), $8, $9)
       ON CONFLICT (clinic_id, source, external_id) DO UPDATE
         SET couple_id = EXCLUDED.couple_id, therapist_id = EXCLUDED.therapist_id, starts_at = EXCLUDED.starts_at,
             ends_at = EXCLUDED.ends_at, status = COALESCE($7::text, therapy_session.status), updated_at = mend_now()
         WHERE (therapy_session.couple_id, therapy_session.therapist_id, therapy_session.starts_at, therapy_session.ends_at, therapy_session.status)
               IS DISTINCT FROM (EXCLUDED.couple_id, EXCLUDED.therapist_id, EXCLUDED.starts_at, EXCLUDED.ends_at, COALESCE($7::text, therapy_session.status))
       RETURNING ${COLUMNS}, (xmax = 0) AS is_created`,
      [
        session.clinicId,
        session.id,
        session.coupleId,
        session.therapistId,
        session.startsAt,
        session.endsAt,
        session.status ?? null,
        session.source,
        session.externalId,
      ],
    );
    if (rows.length === 0) {
      const unchanged = await sessionsRepository.findByExternalId(
        tx,
        session.clinicId,
        session.source,
        session.externalId,
      );
      if (!unchanged) throw new Error('An unchanged upsert found no session');
      return { row: unchanged, isCreated: false, isChanged: false };
    }
    const { is_created: isCreated, ...row } = rows[0];
    return { row, isCreated, isChanged: true };
  },

  async findById(tx: EntityManager, clinicId: string, id: string, lock = false): Promise<SessionRow | null> {
    const rows: SessionRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM therapy_session WHERE clinic_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [clinicId, id],
    );
    return rows[0] ?? null;
  },

  async findByExternalId(
    tx: EntityManager,
    clinicId: string,
    source: string,
    externalId: string,
    lock = false,
  ): Promise<SessionRow | null> {
    const rows: SessionRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM therapy_session WHERE clinic_id = $1 AND source = $2 AND external_id = $3 ${lock ? 'FOR UPDATE' : ''}`,
      [clinicId, source, externalId],
    );
    return rows[0] ?? null;
  },

  /** A couple's sessions by start time, keyset-paginated on (starts_at, id). */
  async listForCouple(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    filter: { from?: Date; to?: Date; after?: { startsAt: Date; id: string }; limit: number },
  ): Promise<SessionRow[]> {
    const params: unknown[] = [clinicId, coupleId];
    const where = ['clinic_id = $1', 'couple_id = $2'];
    if (filter.from) {
      params.push(filter.from);
      where.push(`starts_at >= $${params.length}`);
    }
    if (filter.to) {
      params.push(filter.to);
      where.push(`starts_at < $${params.length}`);
    }
    if (filter.after) {
      params.push(filter.after.startsAt, filter.after.id);
      where.push(`(starts_at, id) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(filter.limit + 1);
    return tx.query(
      `SELECT ${COLUMNS} FROM therapy_session WHERE ${where.join(' AND ')} ORDER BY starts_at, id LIMIT $${params.length}`,
      params,
    );
  },

  async update(tx: EntityManager, clinicId: string, id: string, changes: SessionChanges): Promise<SessionRow> {
    const columns: Array<[string, unknown]> = [];
    if (changes.startsAt !== undefined) columns.push(['starts_at', changes.startsAt]);
    if (changes.endsAt !== undefined) columns.push(['ends_at', changes.endsAt]);
    if (changes.status !== undefined) columns.push(['status', changes.status]);
    if (changes.notes !== undefined) columns.push(['notes', changes.notes]);
    const sets = columns.map(([column], i) => `${column} = $${i + 3}`);
    const rows = await queryRows<SessionRow>(
      tx,
      `UPDATE therapy_session SET ${[...sets, 'updated_at = mend_now()'].join(', ')} WHERE clinic_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [clinicId, id, ...columns.map(([, value]) => value)],
    );
    return rows[0];
  },
};
