import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

import type { LinkFacts } from './check-in-links.rules.js';

/** What a link (or the session it opened) leads to: enough to decide and to render, no answers. */
export interface LinkContext extends LinkFacts {
  clinicId: string;
  linkId: string;
  partnerId: string;
  occurrenceId: string;
  assignmentId: string;
  coupleId: string;
  /** null in joint mode (either partner answers once for the couple). */
  occurrencePartnerId: string | null;
  dueAt: Date;
  /** Check-ins are accepted from here (a one-off: from when it was assigned). */
  opensAt: Date;
  /** A check-in from here on is late (the end of the partner's local day of the due time). */
  lateAfter: Date;
  exerciseId: string;
  exerciseVersion: number;
  /** The therapist's own words for this couple. */
  instructions: string | null;
  /** The one partner the assignment was given to (null: both): theirs alone, never shared. */
  assigneeId: string | null;
  clinicName: string;
  partnerName: string;
  locale: string;
  timezone: string;
  checkIn: { id: string; authorId: string; visibility: 'private' | 'shared'; submittedAt: Date } | null;
}

export interface SessionContext extends LinkContext {
  /** The link's stored hash: the key its pages' CSRF token is derived from. */
  linkTokenHash: string;
  sessionId: string;
  sessionCreatedAt: Date;
  idleExpiresAt: Date;
  sessionExpiresAt: Date;
}

interface ContextRow {
  link_id: string;
  partner_id: string;
  occurrence_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  assignment_id: string;
  couple_id: string;
  occurrence_partner_id: string | null;
  due_at: Date;
  closes_at: Date;
  opens_at: Date;
  late_after: Date;
  assignment_status: string;
  instructions: string | null;
  assignee_id: string | null;
  exercise_id: string;
  exercise_version: number;
  couple_status: string;
  partner_name: string;
  locale: string;
  timezone: string;
  is_partner_active: boolean;
  clinic_name: string;
  check_in_id: string | null;
  check_in_author_id: string | null;
  check_in_visibility: 'private' | 'shared' | null;
  check_in_submitted_at: Date | null;
}

interface SessionRow extends ContextRow {
  link_token_hash: string;
  session_id: string;
  session_created_at: Date;
  idle_expires_at: Date;
  session_expires_at: Date;
}

const CONTEXT_COLUMNS = `
  l.id AS link_id, l.partner_id, l.occurrence_id, l.expires_at, l.revoked_at,
  o.assignment_id, o.couple_id, o.partner_id AS occurrence_partner_id, o.due_at, o.closes_at, o.opens_at, o.late_after,
  a.status AS assignment_status, a.instructions, a.partner_id AS assignee_id, a.exercise_id, a.exercise_version,
  c.status AS couple_status,
  u.name AS partner_name, u.locale, u.timezone,
  (u.disabled_at IS NULL AND u.role = 'client' AND EXISTS (
     SELECT 1 FROM couple_partner p WHERE p.clinic_id = l.clinic_id AND p.couple_id = o.couple_id AND p.user_id = l.partner_id)) AS is_partner_active,
  k.name AS clinic_name,
  ci.id AS check_in_id, ci.author_id AS check_in_author_id, ci.visibility AS check_in_visibility, ci.submitted_at AS check_in_submitted_at`;

const CONTEXT_JOINS = `
  JOIN occurrence o ON o.clinic_id = l.clinic_id AND o.id = l.occurrence_id
  JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
  JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id
  JOIN "user" u ON u.clinic_id = l.clinic_id AND u.id = l.partner_id
  JOIN clinic k ON k.id = l.clinic_id
  LEFT JOIN check_in ci ON ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id`;

function toContext(clinicId: string, row: ContextRow): LinkContext {
  return {
    clinicId,
    linkId: row.link_id,
    partnerId: row.partner_id,
    occurrenceId: row.occurrence_id,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    assignmentId: row.assignment_id,
    coupleId: row.couple_id,
    occurrencePartnerId: row.occurrence_partner_id,
    dueAt: row.due_at,
    opensAt: row.opens_at,
    lateAfter: row.late_after,
    occurrenceClosesAt: row.closes_at,
    assignmentStatus: row.assignment_status,
    instructions: row.instructions,
    assigneeId: row.assignee_id,
    exerciseId: row.exercise_id,
    exerciseVersion: row.exercise_version,
    coupleStatus: row.couple_status,
    partnerName: row.partner_name,
    locale: row.locale,
    timezone: row.timezone,
    isPartnerActive: row.is_partner_active,
    clinicName: row.clinic_name,
    checkIn: row.check_in_id
      ? {
          id: row.check_in_id,
          authorId: row.check_in_author_id!,
          visibility: row.check_in_visibility!,
          submittedAt: row.check_in_submitted_at!,
        }
      : null,
  };
}

export interface NewLinkRow {
  clinicId: string;
  id: string;
  occurrenceId: string;
  partnerId: string;
  tokenHash: string;
  expiresAt: Date;
  createdAt: Date;
}

export interface NewSessionRow {
  clinicId: string;
  id: string;
  tokenHash: string;
  linkId: string;
  occurrenceId: string;
  partnerId: string;
  createdAt: Date;
  idleExpiresAt: Date;
  expiresAt: Date;
}

export interface OccurrenceForLink {
  id: string;
  coupleId: string;
  partnerId: string | null;
  closesAt: Date;
  assignmentStatus: string;
  coupleStatus: string;
  /** The recipient is a client partner of the occurrence's couple and is not disabled. */
  isRecipientActivePartner: boolean;
}

/** Every query takes the clinic and runs inside that clinic's transaction (row-level security is the second wall). */
export const checkInLinksRepository = {
  async occurrenceForLink(
    tx: EntityManager,
    clinicId: string,
    occurrenceId: string,
    partnerId: string,
  ): Promise<OccurrenceForLink | null> {
    const rows: Array<{
      id: string;
      couple_id: string;
      partner_id: string | null;
      closes_at: Date;
      assignment_status: string;
      couple_status: string;
      is_active: boolean;
    }> = await tx.query(
      `SELECT o.id, o.couple_id, o.partner_id, o.closes_at, a.status AS assignment_status, c.status AS couple_status,
                EXISTS (SELECT 1 FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
                        WHERE p.clinic_id = o.clinic_id AND p.couple_id = o.couple_id AND p.user_id = $3 AND u.role = 'client' AND u.disabled_at IS NULL) AS is_active
         FROM occurrence o
         JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
         JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id
         WHERE o.clinic_id = $1 AND o.id = $2`,
      [clinicId, occurrenceId, partnerId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      coupleId: row.couple_id,
      partnerId: row.partner_id,
      closesAt: row.closes_at,
      assignmentStatus: row.assignment_status,
      coupleStatus: row.couple_status,
      isRecipientActivePartner: row.is_active,
    };
  },

  async insertLink(tx: EntityManager, row: NewLinkRow): Promise<void> {
    await tx.query(
      `INSERT INTO check_in_link (clinic_id, id, occurrence_id, partner_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.clinicId, row.id, row.occurrenceId, row.partnerId, row.tokenHash, row.expiresAt, row.createdAt],
    );
  },

  async findLinkContext(tx: EntityManager, clinicId: string, tokenHash: string): Promise<LinkContext | null> {
    const rows: ContextRow[] = await tx.query(
      `SELECT ${CONTEXT_COLUMNS} FROM check_in_link l ${CONTEXT_JOINS} WHERE l.clinic_id = $1 AND l.token_hash = $2`,
      [clinicId, tokenHash],
    );
    return rows[0] ? toContext(clinicId, rows[0]) : null;
  },

  async insertSession(tx: EntityManager, row: NewSessionRow): Promise<void> {
    await tx.query(
      `INSERT INTO check_in_page_session (clinic_id, id, token_hash, link_id, occurrence_id, partner_id, created_at, last_seen_at, idle_expires_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)`,
      [
        row.clinicId,
        row.id,
        row.tokenHash,
        row.linkId,
        row.occurrenceId,
        row.partnerId,
        row.createdAt,
        row.idleExpiresAt,
        row.expiresAt,
      ],
    );
  },

  async findSessionContext(tx: EntityManager, clinicId: string, tokenHash: string): Promise<SessionContext | null> {
    const rows: SessionRow[] = await tx.query(
      `SELECT s.id AS session_id, s.created_at AS session_created_at, s.idle_expires_at, s.expires_at AS session_expires_at, l.token_hash AS link_token_hash, ${CONTEXT_COLUMNS}
       FROM check_in_page_session s
       JOIN check_in_link l ON l.clinic_id = s.clinic_id AND l.id = s.link_id
       ${CONTEXT_JOINS}
       WHERE s.clinic_id = $1 AND s.token_hash = $2`,
      [clinicId, tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      ...toContext(clinicId, row),
      linkTokenHash: row.link_token_hash,
      sessionId: row.session_id,
      sessionCreatedAt: row.session_created_at,
      idleExpiresAt: row.idle_expires_at,
      sessionExpiresAt: row.session_expires_at,
    };
  },

  async touchSession(
    tx: EntityManager,
    clinicId: string,
    sessionId: string,
    at: Date,
    idleExpiresAt: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE check_in_page_session SET last_seen_at = $3, idle_expires_at = $4 WHERE clinic_id = $1 AND id = $2`,
      [clinicId, sessionId, at, idleExpiresAt],
    );
  },

  async deleteSession(tx: EntityManager, clinicId: string, sessionId: string): Promise<void> {
    await tx.query(`DELETE FROM check_in_page_session WHERE clinic_id = $1 AND id = $2`, [clinicId, sessionId]);
  },

  /** First names come from here only to label the visibility choice; never into titles or URLs. */
  async otherPartnerName(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    partnerId: string,
  ): Promise<string | null> {
    const rows: Array<{ name: string }> = await tx.query(
      `SELECT u.name FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
       WHERE p.clinic_id = $1 AND p.couple_id = $2 AND p.user_id <> $3 ORDER BY p.position LIMIT 1`,
      [clinicId, coupleId, partnerId],
    );
    return rows[0]?.name ?? null;
  },

  /**
   * Revokes the live links of an assignment's occurrences (optionally one due time, one partner).
   * Their open page sessions stop working at once: every page request re-checks the link (and
   * then deletes the session), which lets the page say "this link no longer works".
   */
  async revoke(
    tx: EntityManager,
    clinicId: string,
    filter: { assignmentId: string; dueAt?: Date; partnerId?: string },
    by: { userId: string; at: Date },
  ): Promise<number> {
    const revoked = await queryRows<{ id: string }>(
      tx,
      `UPDATE check_in_link l SET revoked_at = $5, revoked_by = $6
       FROM occurrence o
       WHERE o.clinic_id = l.clinic_id AND o.id = l.occurrence_id
         AND l.clinic_id = $1 AND o.assignment_id = $2
         AND ($3::timestamptz IS NULL OR o.due_at = $3)
         AND ($4::uuid IS NULL OR l.partner_id = $4)
         AND l.revoked_at IS NULL AND l.expires_at > $5
       RETURNING l.id`,
      [clinicId, filter.assignmentId, filter.dueAt ?? null, filter.partnerId ?? null, by.at, by.userId],
    );
    return revoked.length;
  },
};

/** Deletes a clinic's ended page sessions; for a periodic worker job (ended sessions are also refused and deleted on sight). */
export async function purgeEndedCheckInSessions(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const removed = await queryRows<{ id: string }>(
    tx,
    `DELETE FROM check_in_page_session WHERE clinic_id = $1 AND (expires_at <= $2 OR idle_expires_at <= $2) RETURNING id`,
    [clinicId, now],
  );
  return removed.length;
}

/**
 * Deletes a clinic's links that no longer open anything (expired or revoked), with their page
 * sessions (cascade). The page answers an unknown, expired or revoked link alike, so nothing a
 * partner sees changes when the row goes.
 */
export async function purgeEndedCheckInLinks(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const removed = await queryRows<{ id: string }>(
    tx,
    `DELETE FROM check_in_link WHERE clinic_id = $1 AND (expires_at <= $2 OR revoked_at IS NOT NULL) RETURNING id`,
    [clinicId, now],
  );
  return removed.length;
}
