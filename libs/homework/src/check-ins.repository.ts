import type { EntityManager } from 'typeorm';

import { preparedStatement, queryPrepared } from '@mend/database';
import type { Answers, CheckInForm, Score, Scoring } from '@mend/exercises';
import type { DomainEventData, OutboxRow } from '@mend/queue';

import type { CheckInView, CheckInVisibility } from './homework.views.js';

/**
 * Who is reading: the couple's therapist reads every check-in; a partner reads their own and
 * the other partner's shared ones — never the other's private ones, and a shared one of a
 * reveal-together assignment only once it is revealed to them (see `revealedTo`). The rule is in
 * the SQL so no caller can forget it.
 */
export type CheckInReader = { kind: 'therapist' } | { kind: 'partner'; userId: string };

export interface CheckInFilter {
  coupleId: string;
  assignmentId?: string;
  /** The author (the partner who checked in). */
  authorId?: string;
  /** submitted_at >= from */
  from?: Date;
  /** submitted_at < to */
  to?: Date;
  /** Ids are time-ordered; pages go newest first, after this id. */
  beforeId?: string;
  limit: number;
}

export interface CheckInRow {
  id: string;
  assignment_id: string;
  couple_id: string;
  occurrence_at: Date;
  partner_id: string | null;
  author_id: string;
  answers: Answers;
  score: Score | null;
  visibility: CheckInVisibility;
  is_late: boolean;
  submitted_at: Date;
}

const SELECT_CHECK_IN = `
  SELECT c.id, c.assignment_id, c.couple_id, o.due_at AS occurrence_at, o.partner_id, c.author_id, c.answers, c.score, c.visibility, c.is_late, c.submitted_at
  FROM check_in c JOIN occurrence o ON o.clinic_id = c.clinic_id AND o.id = c.occurrence_id`;

/**
 * The reader's occurrences that answer the same slot as the check-in's occurrence `o`: of a
 * one-off, the reader's only one; of a recurrence (evaluated in each partner's own zone, so the
 * instants differ), the reader's ones on the same local date. `reader` is an SQL expression.
 */
function pairedOccurrences(reader: string): string {
  return `occurrence r JOIN assignment ra ON ra.clinic_id = r.clinic_id AND ra.id = r.assignment_id
    WHERE r.clinic_id = o.clinic_id AND r.assignment_id = o.assignment_id AND r.partner_id = ${reader} AND r.id <> o.id
      AND (ra.schedule_type = 'once'
           OR (r.due_at BETWEEN o.due_at - interval '2 days' AND o.due_at + interval '2 days'
               AND (r.due_at AT TIME ZONE (SELECT ru.timezone FROM "user" ru WHERE ru.clinic_id = r.clinic_id AND ru.id = r.partner_id))::date
                 = (o.due_at AT TIME ZONE (SELECT au.timezone FROM "user" au WHERE au.clinic_id = o.clinic_id AND au.id = o.partner_id))::date))`;
}

/**
 * Reveal together, as SQL over the check-in `c` and its occurrence `o`: true when `reader` may
 * see this (shared) check-in's answers at `now`. Without reveal-together, always. With it: once
 * none of the reader's paired occurrences is still open and unanswered, and either the reader has
 * one (answered or closed) or the author's own occurrence has closed — an unpaired reader waits
 * for the close rather than seeing it early.
 */
export function revealedTo(reader: string, now: string): string {
  return `(NOT EXISTS (SELECT 1 FROM assignment ta WHERE ta.clinic_id = c.clinic_id AND ta.id = c.assignment_id AND ta.reveal_together)
    OR (NOT EXISTS (SELECT 1 FROM ${pairedOccurrences(reader)} AND NOT r.has_check_in AND r.closes_at > ${now})
        AND (o.closes_at <= ${now} OR EXISTS (SELECT 1 FROM ${pairedOccurrences(reader)}))))`;
}

/** The partner of the check-in's couple who did not write it, as SQL over `c`. */
const OTHER_PARTNER = `(SELECT p.user_id FROM couple_partner p WHERE p.clinic_id = c.clinic_id AND p.couple_id = c.couple_id AND p.user_id <> c.author_id LIMIT 1)`;

export function toCheckInView(row: CheckInRow): CheckInView {
  return {
    id: row.id,
    assignmentId: row.assignment_id,
    coupleId: row.couple_id,
    occurrenceAt: row.occurrence_at,
    partnerId: row.partner_id,
    authorId: row.author_id,
    answers: row.answers,
    score: row.score,
    visibility: row.visibility,
    isLate: row.is_late,
    submittedAt: row.submitted_at,
  };
}

/**
 * Everything a check-in submit decides on, read in one statement that also takes the
 * assignment's row lock (held to the end: a concurrent schedule change cannot drop the
 * occurrence being answered): the assignment, its couple's status and whether the author is one
 * of its partners, the form version, and the occurrence due at `dueAt` for the author (the
 * couple's, in joint mode) if it is materialised.
 */
export interface SubmitTargetRow {
  id: string;
  couple_id: string;
  schedule_type: 'once' | 'recurring';
  status: string;
  couple_status: string;
  /** The one partner the assignment was given to; null: both. */
  assignee_id: string | null;
  reveal_together: boolean;
  is_partner: boolean;
  mode: 'individual' | 'joint';
  form: CheckInForm;
  scoring: Scoring | null;
  occurrence_id: string | null;
  partner_id: string | null;
  due_at: Date | null;
  closes_at: Date | null;
  opens_at: Date | null;
  late_after: Date | null;
  has_check_in: boolean | null;
}

/** lockSubmitTarget's statement ($1 clinic, $2 assignment, $3 author, $4 due time); the bench baseline issues it too. */
export const SUBMIT_TARGET_SQL = `SELECT a.id, a.couple_id, a.schedule_type, a.status, c.status AS couple_status, a.partner_id AS assignee_id,
              a.reveal_together,
              EXISTS (SELECT 1 FROM couple_partner p WHERE p.clinic_id = a.clinic_id AND p.couple_id = a.couple_id AND p.user_id = $3) AS is_partner,
              v.mode, v.form, v.scoring,
              o.id AS occurrence_id, o.partner_id, o.due_at, o.closes_at, o.opens_at, o.late_after, o.has_check_in
       FROM assignment a
       JOIN couple c ON c.clinic_id = a.clinic_id AND c.id = a.couple_id
       JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
       LEFT JOIN occurrence o ON o.clinic_id = a.clinic_id AND o.assignment_id = a.id AND o.due_at = $4
            AND o.partner_id IS NOT DISTINCT FROM (CASE WHEN v.mode = 'joint' THEN NULL ELSE $3::uuid END)
       WHERE a.clinic_id = $1 AND a.id = $2
       FOR NO KEY UPDATE OF a`;
/** SUBMIT_TARGET_SQL prepared once per connection (queryPrepared), as the bench baseline issues it. */
export const SUBMIT_TARGET = preparedStatement('mend_submit_target', SUBMIT_TARGET_SQL);

/** A check-in as submitted (checkInsRepository.insertSubmitted). */
export interface SubmittedCheckIn {
  clinicId: string;
  id: string;
  occurrenceId: string;
  assignmentId: string;
  coupleId: string;
  authorId: string;
  answers: Answers;
  score: Score | null;
  visibility: CheckInVisibility;
  isLate: boolean;
  submittedAt: Date;
}

/** What is written with a submitted check-in (checkInsRepository.insertSubmitted). */
export interface SubmittedEffects {
  audit: { id: string; requestId: string | null; ip: string | null };
  refreshJob: OutboxRow;
  event: { id: string; data: DomainEventData['checkin.submitted']; fanoutJob: OutboxRow };
}

/** insertSubmitted's statement (its parameters: submittedInsert); the bench baseline issues it too. */
export const SUBMITTED_INSERT_SQL = `WITH ci AS (
    INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, is_late, submitted_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (clinic_id, occurrence_id) DO NOTHING
    RETURNING id
  ), skipped AS (
    UPDATE notification SET state = 'skipped', skip_reason = 'already_done', updated_at = mend_now()
     WHERE clinic_id = $1 AND state IN ('scheduled', 'deferred') AND claimed_at IS NULL AND occurrence_id = $3
       AND EXISTS (SELECT 1 FROM ci)
  ), audited AS (
    INSERT INTO audit_event (clinic_id, id, actor_type, actor_id, action, resource_type, resource_id, outcome, request_id, ip)
    SELECT $1, $12, 'user', $6, 'check_in.create', 'check_in', ci.id, 'success', $13, $14 FROM ci
  ), queued AS (
    INSERT INTO outbox (clinic_id, id, queue, job_name, payload, available_at)
    SELECT $1, $15, $16, $17, $18::jsonb, mend_now() FROM ci
  ), announced AS (
    INSERT INTO webhook_event (clinic_id, id, type, data)
    SELECT $1, $19, 'checkin.submitted', $20::jsonb FROM ci
     WHERE EXISTS (SELECT 1 FROM webhook_endpoint e
             WHERE e.clinic_id = $1 AND e.disabled_at IS NULL AND 'checkin.submitted' = ANY (e.events))
    ON CONFLICT DO NOTHING
    RETURNING id
  ), fanned_out AS (
    INSERT INTO outbox (clinic_id, id, queue, job_name, payload, available_at)
    SELECT $1, $21, $22, $23, $24::jsonb, mend_now() FROM announced
  )
  SELECT id FROM ci`;
export const SUBMITTED_INSERT = preparedStatement('mend_submit_insert', SUBMITTED_INSERT_SQL);

/** insertSubmitted's statement and parameters; the bench baseline issues the same. */
export function submittedInsert(row: SubmittedCheckIn, effects: SubmittedEffects): [string, unknown[]] {
  return [
    SUBMITTED_INSERT_SQL,
    [
      row.clinicId,
      row.id,
      row.occurrenceId,
      row.assignmentId,
      row.coupleId,
      row.authorId,
      JSON.stringify(row.answers),
      row.score === null ? null : JSON.stringify(row.score),
      row.visibility,
      row.isLate,
      row.submittedAt,
      effects.audit.id,
      effects.audit.requestId,
      effects.audit.ip,
      effects.refreshJob.id,
      effects.refreshJob.queue,
      effects.refreshJob.jobName,
      effects.refreshJob.payload,
      effects.event.id,
      JSON.stringify(effects.event.data),
      effects.event.fanoutJob.id,
      effects.event.fanoutJob.queue,
      effects.event.fanoutJob.jobName,
      effects.event.fanoutJob.payload,
    ],
  ];
}

export const checkInsRepository = {
  async lockSubmitTarget(
    tx: EntityManager,
    clinicId: string,
    assignmentId: string,
    authorId: string,
    dueAt: Date,
  ): Promise<SubmitTargetRow | null> {
    const rows = await queryPrepared<SubmitTargetRow>(tx, SUBMIT_TARGET, [clinicId, assignmentId, authorId, dueAt]);
    return rows[0] ?? null;
  },

  /**
   * Check-ins of a couple the reader may see at `now`, newest first; fetches limit + 1 rows for
   * paging.
   */
  async list(
    tx: EntityManager,
    clinicId: string,
    reader: CheckInReader,
    filter: CheckInFilter,
    now: Date,
  ): Promise<CheckInRow[]> {
    const partnerId = reader.kind === 'partner' ? reader.userId : null;
    return tx.query(
      `${SELECT_CHECK_IN}
       WHERE c.clinic_id = $1 AND c.couple_id = $2
         AND ($3::uuid IS NULL OR c.author_id = $3 OR (c.visibility = 'shared' AND ${revealedTo('$3::uuid', '$10::timestamptz')}))
         AND ($4::uuid IS NULL OR c.assignment_id = $4)
         AND ($5::uuid IS NULL OR c.author_id = $5)
         AND ($6::timestamptz IS NULL OR c.submitted_at >= $6)
         AND ($7::timestamptz IS NULL OR c.submitted_at < $7)
         AND ($8::uuid IS NULL OR c.id < $8)
       ORDER BY c.id DESC
       LIMIT $9`,
      [
        clinicId,
        filter.coupleId,
        partnerId,
        filter.assignmentId ?? null,
        filter.authorId ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.beforeId ?? null,
        filter.limit + 1,
        now,
      ],
    );
  },

  /**
   * For the author of a shared check-in of a reveal-together assignment: whether the other
   * partner sees it now, and the latest time they will (their paired occurrence's close, or the
   * author's own when they have none). null when the assignment does not reveal together.
   */
  async revealOf(
    tx: EntityManager,
    clinicId: string,
    checkInId: string,
    now: Date,
  ): Promise<{ isRevealed: boolean; revealsAt: Date } | null> {
    const rows: Array<{ reveal_together: boolean; is_revealed: boolean; reveals_at: Date }> = await tx.query(
      `SELECT a.reveal_together,
              ${revealedTo(OTHER_PARTNER, '$3::timestamptz')} AS is_revealed,
              coalesce((SELECT max(r.closes_at) FROM ${pairedOccurrences(OTHER_PARTNER)}), o.closes_at) AS reveals_at
       FROM check_in c
       JOIN occurrence o ON o.clinic_id = c.clinic_id AND o.id = c.occurrence_id
       JOIN assignment a ON a.clinic_id = c.clinic_id AND a.id = c.assignment_id
       WHERE c.clinic_id = $1 AND c.id = $2 AND c.visibility = 'shared'`,
      [clinicId, checkInId, now],
    );
    const row = rows[0];
    if (!row || !row.reveal_together) return null;
    return { isRevealed: row.is_revealed, revealsAt: row.reveals_at };
  },

  async findById(tx: EntityManager, clinicId: string, id: string): Promise<CheckInRow | null> {
    const rows: CheckInRow[] = await tx.query(`${SELECT_CHECK_IN} WHERE c.clinic_id = $1 AND c.id = $2`, [
      clinicId,
      id,
    ]);
    return rows[0] ?? null;
  },

  /**
   * Inserts the check-in unless its occurrence already has one (answers null then, and writes
   * nothing else), and in the same statement what goes with it: the occurrence's pending
   * reminders skipped (reminders' skipPending), the audit row, the progress refresh job and the
   * `checkin.submitted` event with its fan-out job when an endpoint listens (queue's
   * announceEvent). One round trip instead of five: the rows, their values and the rules that
   * make them (job registry, event data) are the owners'; only the statement is shared.
   */
  async insertSubmitted(tx: EntityManager, row: SubmittedCheckIn, effects: SubmittedEffects): Promise<string | null> {
    const [, values] = submittedInsert(row, effects);
    const inserted = await queryPrepared<{ id: string }>(tx, SUBMITTED_INSERT, values);
    return inserted[0]?.id ?? null;
  },
};
