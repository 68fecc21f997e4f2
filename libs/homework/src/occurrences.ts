import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';

import { newId } from '@mend/core';
import { queryRows } from '@mend/database';
import type { Score } from '@mend/exercises';
import { planOccurrenceReminders } from '@mend/reminders';

import {
  closesAtFor,
  DAY_MS,
  HORIZON_REFRESH_DAYS,
  horizonEnd,
  lateAfterFor,
  ONCE_PAST_TOLERANCE_MINUTES,
  opensAtFor,
} from './homework.constants.js';
import { expandRecurrence } from './recurrence.js';

interface MaterialiseRow {
  id: string;
  couple_id: string;
  schedule_type: 'once' | 'recurring';
  due_at: Date | null;
  local_due_at: string | null;
  rrule: string | null;
  starts_on: string | null;
  until: string | null;
  status: string;
  materialized_until: Date | null;
  created_at: Date;
  couple_status: string;
  mode: 'individual' | 'joint';
  /** Given to this partner only (null: both). */
  partner_id: string | null;
}

interface PartnerZoneRow {
  user_id: string;
  timezone: string;
}

/** One slot to create: a due time for one partner (or for the couple: partnerId null, joint mode). */
export interface OccurrenceSlot {
  partnerId: string | null;
  dueAt: Date;
  /** Check-ins are accepted from here (see opensAtFor). */
  opensAt: Date;
  /** A check-in at or after this is late: the end of the partner's local day (joint: the latest among the partners). */
  lateAfter: Date;
}

/** The instant a local date-time (`2027-03-10T20:00`) reads on the clocks of `zone` (a skipped time moves forward). */
export function localDueAt(localDateTime: string, zone: string): Date | null {
  const local = DateTime.fromISO(localDateTime, { zone });
  return local.isValid ? local.toJSDate() : null;
}

/**
 * Takes the assignment's row lock. Everything that adds, removes or answers occurrences of an
 * assignment holds it, so a schedule change can never delete an occurrence a check-in is being
 * written for, and concurrent materialisations do not interleave.
 */
export async function lockAssignment(tx: EntityManager, clinicId: string, assignmentId: string): Promise<boolean> {
  const rows: Array<{ id: string }> = await tx.query(
    `SELECT id FROM assignment WHERE clinic_id = $1 AND id = $2 FOR NO KEY UPDATE`,
    [clinicId, assignmentId],
  );
  return rows.length === 1;
}

/**
 * The slots of an assignment within [from, to): a one-off's due time (one instant, or its local
 * date-time in each partner's own zone), or the recurrence evaluated in each partner's own zone
 * (joint mode: the first partner's zone, one slot for the couple). Pure apart from its inputs;
 * exported for the reminders' planning.
 */
export function slotsFor(
  assignment: {
    scheduleType: 'once' | 'recurring';
    dueAt: Date | null;
    /** A one-off as a local date-time, e.g. 2027-03-10T20:00 (instead of dueAt). */
    localDueAt?: string | null;
    /** When it was assigned: a one-off opens then. */
    assignedAt?: Date;
    rrule: string | null;
    startsOn: string | null;
    until: string | null;
    mode: 'individual' | 'joint';
  },
  partners: Array<{ id: string; timezone: string }>,
  from: Date,
  to: Date,
): OccurrenceSlot[] {
  if (partners.length === 0) return [];
  const isJoint = assignment.mode === 'joint';
  const targets = isJoint ? [{ id: null, timezone: partners[0].timezone }] : partners;
  // Joint: late only once the day is over for both partners.
  const graceZones = (target: { id: string | null; timezone: string }) =>
    isJoint ? partners.map((p) => p.timezone) : [target.timezone];
  const slot = (target: { id: string | null; timezone: string }, dueAt: Date): OccurrenceSlot => ({
    partnerId: target.id,
    dueAt,
    opensAt: opensAtFor(assignment.scheduleType, dueAt, assignment.assignedAt),
    lateAfter: lateAfterFor(dueAt, graceZones(target)),
  });
  const slots: OccurrenceSlot[] = [];
  for (const target of targets) {
    if (assignment.scheduleType === 'once') {
      const dueAt = assignment.localDueAt ? localDueAt(assignment.localDueAt, target.timezone) : assignment.dueAt;
      if (dueAt) slots.push(slot(target, dueAt));
      continue;
    }
    const dues = expandRecurrence(
      { rrule: assignment.rrule!, startsOn: assignment.startsOn!, until: assignment.until },
      target.timezone,
      from,
      to,
    );
    for (const dueAt of dues) slots.push(slot(target, dueAt));
  }
  // A stable order keeps concurrent inserters acquiring the slot index entries in the same order.
  return slots.sort(
    (a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.partnerId ?? '').localeCompare(b.partnerId ?? ''),
  );
}

async function partnerZones(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
): Promise<Array<{ id: string; timezone: string }>> {
  const rows: PartnerZoneRow[] = await tx.query(
    `SELECT p.user_id, u.timezone FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
     WHERE p.clinic_id = $1 AND p.couple_id = $2 ORDER BY p.position`,
    [clinicId, coupleId],
  );
  return rows.map((r) => ({ id: r.user_id, timezone: r.timezone }));
}

/**
 * Creates the occurrences of an assignment due before `until` that do not exist yet, and moves
 * the assignment's `materialized_until` mark to `until`. Idempotent: slots are unique per
 * (assignment, due time, partner) and inserted with ON CONFLICT DO NOTHING, so running it twice,
 * or concurrently, never doubles an occurrence. Nothing is created for an assignment that is not
 * active or a couple that is not active; for an inactive couple the mark still advances, so the
 * paused time is not back-filled when it resumes. Recurring slots start at the mark (at first,
 * the time of assigning): homework is never due before it was given. One-off slots are created
 * whatever the horizon. Returns the number of occurrences created.
 */
export async function materialiseOccurrences(
  tx: EntityManager,
  clinicId: string,
  assignmentId: string,
  until: Date,
  now: Date,
): Promise<number> {
  if (!(await lockAssignment(tx, clinicId, assignmentId))) return 0;
  const rows: MaterialiseRow[] = await tx.query(
    `SELECT a.id, a.couple_id, a.schedule_type, a.due_at, to_char(a.local_due_at, 'YYYY-MM-DD"T"HH24:MI') AS local_due_at, a.rrule, to_char(a.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(a.until, 'YYYY-MM-DD') AS until,
            a.status, a.materialized_until, a.created_at, c.status AS couple_status, v.mode, a.partner_id
     FROM assignment a
     JOIN couple c ON c.clinic_id = a.clinic_id AND c.id = a.couple_id
     JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
     WHERE a.clinic_id = $1 AND a.id = $2`,
    [clinicId, assignmentId],
  );
  const a = rows[0];
  if (!a || a.status !== 'active') return 0;
  const mark = a.materialized_until ?? a.created_at;
  if (a.couple_status !== 'active') {
    if (mark.getTime() < now.getTime()) await setMark(tx, clinicId, assignmentId, now);
    return 0;
  }
  if (a.schedule_type === 'recurring' && mark.getTime() >= until.getTime()) return 0;

  const couplePartners = await partnerZones(tx, clinicId, a.couple_id);
  // An assignment given to one partner is laid out for that partner only.
  const partners = a.partner_id === null ? couplePartners : couplePartners.filter((p) => p.id === a.partner_id);
  const slots = slotsFor(
    {
      scheduleType: a.schedule_type,
      dueAt: a.due_at,
      localDueAt: a.local_due_at,
      assignedAt: a.created_at,
      rrule: a.rrule,
      startsOn: a.starts_on,
      until: a.until,
      mode: a.mode,
    },
    partners,
    mark,
    until,
  );
  const created = await insertSlots(tx, clinicId, a.id, a.couple_id, slots);
  if (until.getTime() > mark.getTime()) await setMark(tx, clinicId, assignmentId, until);
  // Their reminders are planned in the same transaction (announced through the outbox).
  if (created > 0) await planOccurrenceReminders(tx, clinicId, { assignmentId }, now);
  return created;
}

async function setMark(tx: EntityManager, clinicId: string, assignmentId: string, mark: Date): Promise<void> {
  await tx.query(`UPDATE assignment SET materialized_until = $3 WHERE clinic_id = $1 AND id = $2`, [
    clinicId,
    assignmentId,
    mark,
  ]);
}

async function insertSlots(
  tx: EntityManager,
  clinicId: string,
  assignmentId: string,
  coupleId: string,
  slots: OccurrenceSlot[],
): Promise<number> {
  if (slots.length === 0) return 0;
  const inserted: Array<{ id: string }> = await tx.query(
    `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at, opens_at, late_after)
     SELECT $1, s.id, $2, $3, s.partner_id, s.due_at, s.closes_at, s.opens_at, s.late_after
     FROM unnest($4::uuid[], $5::uuid[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
          AS s (id, partner_id, due_at, closes_at, opens_at, late_after)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      clinicId,
      assignmentId,
      coupleId,
      slots.map(() => newId()),
      slots.map((s) => s.partnerId),
      slots.map((s) => s.dueAt.toISOString()),
      slots.map((s) => closesAtFor(s.dueAt).toISOString()),
      slots.map((s) => s.opensAt.toISOString()),
      slots.map((s) => s.lateAfter.toISOString()),
    ],
  );
  return inserted.length;
}

/**
 * Tops up the horizon of every active assignment of a couple, of one assignment, or (empty
 * scope) of the whole clinic, where the materialised mark is getting close to now. Called on
 * every homework read and write, so the horizon always covers now even without the worker; a
 * periodic worker job can call it per clinic with an empty scope.
 */
export async function ensureHorizon(
  tx: EntityManager,
  clinicId: string,
  scope: { coupleId?: string; assignmentId?: string },
  now: Date,
): Promise<number> {
  const threshold = new Date(now.getTime() + HORIZON_REFRESH_DAYS * DAY_MS);
  const due: Array<{ id: string }> = await tx.query(
    `SELECT a.id FROM assignment a
     WHERE a.clinic_id = $1 AND a.status = 'active'
       AND ($2::uuid IS NULL OR a.couple_id = $2) AND ($3::uuid IS NULL OR a.id = $3)
       AND (a.materialized_until IS NULL OR a.materialized_until < $4)
     ORDER BY a.id`,
    [clinicId, scope.coupleId ?? null, scope.assignmentId ?? null, threshold],
  );
  let created = 0;
  for (const row of due) created += await materialiseOccurrences(tx, clinicId, row.id, horizonEnd(now), now);
  return created;
}

/**
 * Removes the assignment's future occurrences that nobody answered (answered ones are kept),
 * and moves the materialised mark to `now`, so the next materialisation lays out the current
 * schedule from now on. Used by pause, cancel and schedule changes; callers hold the lock.
 */
export async function clearFutureOccurrences(
  tx: EntityManager,
  clinicId: string,
  assignmentId: string,
  now: Date,
): Promise<number> {
  await lockAssignment(tx, clinicId, assignmentId);
  const removed = await queryRows<{ id: string }>(
    tx,
    `DELETE FROM occurrence o WHERE o.clinic_id = $1 AND o.assignment_id = $2 AND o.due_at > $3
       AND NOT EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id)
     RETURNING o.id`,
    [clinicId, assignmentId, now],
  );
  await setMark(tx, clinicId, assignmentId, now);
  return removed.length;
}

/**
 * For the couples module when a couple is paused or closed: drops the unanswered future
 * occurrences of all its assignments (reminders for them then have nothing to point at).
 */
export async function suspendCoupleOccurrences(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
  now: Date,
): Promise<number> {
  const ids: Array<{ id: string }> = await tx.query(
    `SELECT id FROM assignment WHERE clinic_id = $1 AND couple_id = $2 AND status IN ('active', 'paused') ORDER BY id`,
    [clinicId, coupleId],
  );
  let removed = 0;
  for (const { id } of ids) removed += await clearFutureOccurrences(tx, clinicId, id, now);
  return removed;
}

/** For the couples module when a couple becomes active again: lays out its horizon from now on. */
export async function resumeCoupleOccurrences(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
  now: Date,
): Promise<number> {
  await tx.query(
    `UPDATE assignment SET materialized_until = greatest(coalesce(materialized_until, $3), $3)
     WHERE clinic_id = $1 AND couple_id = $2 AND status = 'active' AND schedule_type = 'recurring'`,
    [clinicId, coupleId, now],
  );
  return ensureHorizon(tx, clinicId, { coupleId }, now);
}

/**
 * For a change that moves every partner's due times (a partner's time zone changed): future
 * unanswered occurrences of the couple's assignments are laid out again from now on.
 */
export async function replanCoupleOccurrences(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
  now: Date,
): Promise<number> {
  await suspendCoupleOccurrences(tx, clinicId, coupleId, now);
  return ensureHorizon(tx, clinicId, { coupleId }, now);
}

/** An occurrence with the summary (never the answers) of its check-in, if any. */
export interface OccurrenceRecord {
  id: string;
  assignmentId: string;
  coupleId: string;
  /** null in joint mode: the occurrence belongs to the couple. */
  partnerId: string | null;
  dueAt: Date;
  closesAt: Date;
  /** Check-ins are accepted from here. */
  opensAt: Date;
  /** A check-in at or after this is late. */
  lateAfter: Date;
  checkIn: {
    id: string;
    authorId: string;
    visibility: 'private' | 'shared';
    isLate: boolean;
    score: Score | null;
    submittedAt: Date;
  } | null;
}

export interface OccurrenceFilter {
  coupleId: string;
  assignmentIds?: string[];
  /** Occurrences of this partner, plus the couple's joint ones when `includeJoint` is set. */
  partnerId?: string;
  includeJoint?: boolean;
  /** due_at >= from */
  from?: Date;
  /** due_at < to */
  to?: Date;
}

interface OccurrenceRow {
  id: string;
  assignment_id: string;
  couple_id: string;
  partner_id: string | null;
  due_at: Date;
  closes_at: Date;
  opens_at: Date;
  late_after: Date;
  check_in_id: string | null;
  author_id: string | null;
  visibility: 'private' | 'shared' | null;
  is_late: boolean | null;
  score: Score | null;
  submitted_at: Date | null;
}

/**
 * Occurrences of a couple in due order with their check-in summaries — what completion rates,
 * missed streaks and the clients' states are computed from. Carries scores (for trust means)
 * but no answers; callers showing it to a partner must still respect visibility.
 */
export async function listOccurrences(
  tx: EntityManager,
  clinicId: string,
  filter: OccurrenceFilter,
): Promise<OccurrenceRecord[]> {
  const rows: OccurrenceRow[] = await tx.query(
    `SELECT o.id, o.assignment_id, o.couple_id, o.partner_id, o.due_at, o.closes_at, o.opens_at, o.late_after,
            c.id AS check_in_id, c.author_id, c.visibility, c.is_late, c.score, c.submitted_at
     FROM occurrence o
     LEFT JOIN check_in c ON c.clinic_id = o.clinic_id AND c.occurrence_id = o.id
     WHERE o.clinic_id = $1 AND o.couple_id = $2
       AND ($3::uuid[] IS NULL OR o.assignment_id = ANY($3))
       AND ($4::uuid IS NULL OR o.partner_id = $4 OR ($5 AND o.partner_id IS NULL))
       AND ($6::timestamptz IS NULL OR o.due_at >= $6)
       AND ($7::timestamptz IS NULL OR o.due_at < $7)
     ORDER BY o.due_at, o.partner_id NULLS FIRST, o.id`,
    [
      clinicId,
      filter.coupleId,
      filter.assignmentIds ?? null,
      filter.partnerId ?? null,
      filter.includeJoint ?? false,
      filter.from ?? null,
      filter.to ?? null,
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    assignmentId: r.assignment_id,
    coupleId: r.couple_id,
    partnerId: r.partner_id,
    dueAt: r.due_at,
    closesAt: r.closes_at,
    opensAt: r.opens_at,
    lateAfter: r.late_after,
    checkIn: r.check_in_id
      ? {
          id: r.check_in_id,
          authorId: r.author_id!,
          visibility: r.visibility!,
          isLate: r.is_late!,
          score: r.score,
          submittedAt: r.submitted_at!,
        }
      : null,
  }));
}

/** The earliest due time a new one-off assignment may have. */
export function earliestOnceDueAt(now: Date): Date {
  return new Date(now.getTime() - ONCE_PAST_TOLERANCE_MINUTES * 60_000);
}
