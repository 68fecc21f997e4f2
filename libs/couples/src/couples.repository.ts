import type { EntityManager } from 'typeorm';

/** Kept here (not in couple-access) so the repository has no import cycle with the access rule. */
export type CoupleStatus = 'active' | 'paused' | 'closed';

export interface CoupleRow {
  id: string;
  label: string | null;
  therapist_id: string;
  status: CoupleStatus;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, label, therapist_id, status, created_at, updated_at';

/** A couple with its partners' user ids in position order (the access rule's view). */
export interface CoupleRefRow {
  id: string;
  clinic_id: string;
  therapist_id: string;
  status: CoupleStatus;
  label: string | null;
  partner_ids: string[] | null;
}

/** A partner as a couple's view shows them. */
export interface PartnerRow {
  couple_id: string;
  id: string;
  name: string;
  email: string;
  timezone: string;
  password_hash_set: boolean;
  disabled_at: Date | null;
}

export interface CoupleChanges {
  /** undefined leaves the label; null clears it. */
  label?: string | null;
  status?: CoupleStatus;
  therapistId?: string;
}

/** Everything Mend holds about one couple (for a records request), camel-cased for the export. */
export interface CoupleRecords {
  couple: Record<string, unknown>;
  partners: Record<string, unknown>[];
  assignments: Record<string, unknown>[];
  occurrences: Record<string, unknown>[];
  checkIns: Record<string, unknown>[];
  sessions: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
}

/** SQL for couples and their partners; every method takes the clinic-pinned transaction and the clinic id. */
export const couplesRepository = {
  async insert(
    tx: EntityManager,
    clinicId: string,
    id: string,
    label: string | null,
    therapistId: string,
  ): Promise<CoupleRow> {
    const rows: CoupleRow[] = await tx.query(
      `INSERT INTO couple (clinic_id, id, label, therapist_id) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [clinicId, id, label, therapistId],
    );
    return rows[0];
  },

  async insertPartner(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    userId: string,
    position: number,
  ): Promise<void> {
    await tx.query(`INSERT INTO couple_partner (clinic_id, couple_id, user_id, position) VALUES ($1, $2, $3, $4)`, [
      clinicId,
      coupleId,
      userId,
      position,
    ]);
  },

  async findById(tx: EntityManager, clinicId: string, coupleId: string): Promise<CoupleRow | undefined> {
    const rows: CoupleRow[] = await tx.query(`SELECT ${COLUMNS} FROM couple WHERE clinic_id = $1 AND id = $2`, [
      clinicId,
      coupleId,
    ]);
    return rows[0];
  },

  /** Loads a couple with its partners, locking the couple row when asked. */
  async findRef(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    lock: boolean,
  ): Promise<CoupleRefRow | undefined> {
    const rows: CoupleRefRow[] = await tx.query(
      `SELECT c.id, c.clinic_id, c.therapist_id, c.status, c.label,
            (SELECT array_agg(p.user_id ORDER BY p.position) FROM couple_partner p WHERE p.clinic_id = c.clinic_id AND p.couple_id = c.id) AS partner_ids
     FROM couple c WHERE c.clinic_id = $1 AND c.id = $2 ${lock ? 'FOR UPDATE OF c' : ''}`,
      [clinicId, coupleId],
    );
    return rows[0];
  },

  async list(
    tx: EntityManager,
    clinicId: string,
    filter: { therapistId: string | null; status: CoupleStatus | null; after: string | null; limit: number },
  ): Promise<CoupleRow[]> {
    return tx.query(
      `SELECT ${COLUMNS} FROM couple
         WHERE clinic_id = $1 AND ($2::uuid IS NULL OR therapist_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id > $4)
         ORDER BY id LIMIT $5`,
      [clinicId, filter.therapistId, filter.status, filter.after, filter.limit],
    );
  },

  async update(tx: EntityManager, clinicId: string, coupleId: string, changes: CoupleChanges): Promise<void> {
    await tx.query(
      `UPDATE couple SET label = CASE WHEN $3 THEN $4 ELSE label END, status = coalesce($5, status), therapist_id = coalesce($6, therapist_id), updated_at = mend_now()
         WHERE clinic_id = $1 AND id = $2`,
      [
        clinicId,
        coupleId,
        changes.label !== undefined,
        changes.label ?? null,
        changes.status ?? null,
        changes.therapistId ?? null,
      ],
    );
  },

  /** Future scheduled sessions follow a couple to its new therapist. */
  async reassignFutureSessions(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    therapistId: string,
  ): Promise<void> {
    await tx.query(
      `UPDATE therapy_session SET therapist_id = $3, updated_at = mend_now() WHERE clinic_id = $1 AND couple_id = $2 AND status = 'scheduled' AND starts_at > mend_now()`,
      [clinicId, coupleId, therapistId],
    );
  },

  /** The partners of some couples, in position order. */
  async partnersOf(tx: EntityManager, clinicId: string, coupleIds: string[]): Promise<PartnerRow[]> {
    return tx.query(
      `SELECT p.couple_id, u.id, u.name, u.email, u.timezone, u.password_hash IS NOT NULL AS password_hash_set, u.disabled_at
       FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
       WHERE p.clinic_id = $1 AND p.couple_id = ANY($2::uuid[]) ORDER BY p.couple_id, p.position`,
      [clinicId, coupleIds],
    );
  },

  /** The couple a user is a partner of (a client is a partner in exactly one couple). */
  async coupleIdOfPartner(tx: EntityManager, clinicId: string, userId: string): Promise<string | undefined> {
    const rows: Array<{ couple_id: string }> = await tx.query(
      `SELECT couple_id FROM couple_partner WHERE clinic_id = $1 AND user_id = $2`,
      [clinicId, userId],
    );
    return rows[0]?.couple_id;
  },

  /**
   * Deletes the couple and its partners' client accounts (cascades remove their check-ins, tokens,
   * invitations and notifications), and every row elsewhere that names them: the partners' own
   * Idempotency-Key records and any record whose stored answer names the couple or a partner,
   * the stored webhook events about them or anything of theirs (sessions, occurrences, alerts,
   * assignments, check-ins) with their deliveries, and the scheduling-tool events about them (by
   * session or attendee email). Only the audit (ids), the
   * outbox and the queue keep ids, never content.
   */
  async erase(tx: EntityManager, clinicId: string, coupleId: string, partnerIds: string[]): Promise<void> {
    const ids = [coupleId, ...partnerIds];
    await tx.query(
      `DELETE FROM idempotency_record r WHERE r.clinic_id = $1
          AND (r.actor_id = ANY($2::uuid[]) OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS i(id) WHERE r.response::text LIKE '%' || i.id || '%'))`,
      [clinicId, ids],
    );
    // Events name the couple or a partner, or only something of theirs: a therapist's reminder
    // about the couple's session carries the session id and the therapist's id, not the couple's.
    await tx.query(
      `DELETE FROM webhook_event e WHERE e.clinic_id = $1
          AND (EXISTS (SELECT 1 FROM unnest($2::text[]) AS i(id) WHERE e.data::text LIKE '%' || i.id || '%')
               OR e.data->>'sessionId' IN (SELECT id::text FROM therapy_session WHERE clinic_id = $1 AND couple_id = $3)
               OR e.data->>'occurrenceId' IN (SELECT id::text FROM occurrence WHERE clinic_id = $1 AND couple_id = $3)
               OR e.data->>'alertId' IN (SELECT id::text FROM alert WHERE clinic_id = $1 AND couple_id = $3)
               OR e.data->>'assignmentId' IN (SELECT id::text FROM assignment WHERE clinic_id = $1 AND couple_id = $3)
               OR e.data->>'checkInId' IN (SELECT id::text FROM check_in WHERE clinic_id = $1 AND couple_id = $3))`,
      [clinicId, ids, coupleId],
    );
    // Scheduling-tool events about the couple: those applied to its sessions, and any (matched or
    // not) whose attendees include a partner's email.
    await tx.query(
      `DELETE FROM integration_event e WHERE e.clinic_id = $1
          AND (e.session_id IN (SELECT s.id FROM therapy_session s WHERE s.clinic_id = $1 AND s.couple_id = $2)
               OR (e.booking -> 'attendeeEmails') ?| ARRAY(
                    SELECT lower(u.email) FROM "user" u WHERE u.clinic_id = $1 AND u.id = ANY($3::uuid[]) AND u.email IS NOT NULL))`,
      [clinicId, coupleId, partnerIds],
    );
    await tx.query(`DELETE FROM couple WHERE clinic_id = $1 AND id = $2`, [clinicId, coupleId]);
    if (partnerIds.length > 0) {
      await tx.query(`DELETE FROM "user" WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND role = 'client'`, [
        clinicId,
        partnerIds,
      ]);
    }
  },

  async records(tx: EntityManager, clinicId: string, coupleId: string): Promise<CoupleRecords> {
    const p = [clinicId, coupleId];
    const [couple] = await tx.query(
      `SELECT id, label, therapist_id AS "therapistId", status, created_at AS "createdAt", updated_at AS "updatedAt" FROM couple WHERE clinic_id = $1 AND id = $2`,
      p,
    );
    const partners = await tx.query(
      `SELECT u.id, u.name, u.email, u.timezone, u.locale, u.quiet_hours_start::text AS "quietHoursStart", u.quiet_hours_end::text AS "quietHoursEnd",
                u.created_at AS "createdAt", u.disabled_at AS "disabledAt"
         FROM couple_partner cp JOIN "user" u ON u.clinic_id = cp.clinic_id AND u.id = cp.user_id
         WHERE cp.clinic_id = $1 AND cp.couple_id = $2 ORDER BY cp.position`,
      p,
    );
    const assignments = await tx.query(
      `SELECT a.id, a.exercise_id AS "exerciseId", a.exercise_version AS "exerciseVersion", v.title, a.instructions, a.partner_id AS "partnerId", a.schedule_type AS "scheduleType",
                a.due_at AS "dueAt", a.rrule, a.starts_on::text AS "startsOn", a.until::text AS until, a.status, a.reminders, a.created_at AS "createdAt"
         FROM assignment a JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
         WHERE a.clinic_id = $1 AND a.couple_id = $2 ORDER BY a.id`,
      p,
    );
    const occurrences = await tx.query(
      `SELECT id, assignment_id AS "assignmentId", partner_id AS "partnerId", due_at AS "dueAt", closes_at AS "closesAt"
         FROM occurrence WHERE clinic_id = $1 AND couple_id = $2 ORDER BY due_at, id`,
      p,
    );
    const checkIns = await tx.query(
      `SELECT id, occurrence_id AS "occurrenceId", assignment_id AS "assignmentId", author_id AS "authorId", answers, score, visibility,
                is_late AS "isLate", submitted_at AS "submittedAt"
         FROM check_in WHERE clinic_id = $1 AND couple_id = $2 ORDER BY submitted_at, id`,
      p,
    );
    const sessions = await tx.query(
      `SELECT id, therapist_id AS "therapistId", starts_at AS "startsAt", ends_at AS "endsAt", status, notes, source, external_id AS "externalId"
         FROM therapy_session WHERE clinic_id = $1 AND couple_id = $2 ORDER BY starts_at, id`,
      p,
    );
    const alerts = await tx.query(
      `SELECT id, partner_id AS "partnerId", kind, window_start AS "windowStart", detail, status, opened_at AS "openedAt", acknowledged_at AS "acknowledgedAt"
         FROM alert WHERE clinic_id = $1 AND couple_id = $2 ORDER BY opened_at, id`,
      p,
    );
    return { couple, partners, assignments, occurrences, checkIns, sessions, alerts };
  },
};
