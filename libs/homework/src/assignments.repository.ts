import type { EntityManager } from 'typeorm';

import type { ExerciseMode, Scoring } from '@mend/exercises';

import {
  onceInstant,
  onceLocal,
  type AssignmentStatus,
  type ReminderSettings,
  type ScheduleInput,
} from './homework.views.js';

/** An assignment with the title, category and mode of the exercise version it was given. */
export interface AssignmentRow {
  id: string;
  couple_id: string;
  exercise_id: string;
  exercise_version: number;
  title: string;
  category: string;
  mode: ExerciseMode;
  instructions: string | null;
  schedule_type: 'once' | 'recurring';
  due_at: Date | null;
  /** A one-off's local date-time (YYYY-MM-DDTHH:MM) in each partner's zone, instead of due_at. */
  local_due_at: string | null;
  rrule: string | null;
  starts_on: string | null;
  until: string | null;
  status: AssignmentStatus;
  reminders: Partial<ReminderSettings>;
  reveal_together: boolean;
  /** The one partner it was given to; null: both partners (or the couple, joint mode). */
  partner_id: string | null;
  /** The scoring of the version given (the safety check is recognised by it). */
  scoring: Scoring | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT_ASSIGNMENT = `
  SELECT a.id, a.couple_id, a.exercise_id, a.exercise_version, v.title, v.category, v.mode, a.instructions, a.schedule_type, a.due_at, to_char(a.local_due_at, 'YYYY-MM-DD"T"HH24:MI') AS local_due_at, a.rrule,
         to_char(a.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(a.until, 'YYYY-MM-DD') AS until, a.status, a.reminders, a.reveal_together, a.partner_id, v.scoring, a.created_at, a.updated_at
  FROM assignment a
  JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version`;

export interface NewAssignment {
  clinicId: string;
  id: string;
  coupleId: string;
  exerciseId: string;
  exerciseVersion: number;
  instructions: string | null;
  schedule: ScheduleInput;
  reminders: ReminderSettings;
  revealTogether: boolean;
  /** The one partner it is given to; null: both. */
  partnerId: string | null;
  createdBy: string;
  /** Creation time; recurring homework is never due before it (materialised until then). */
  now: Date;
}

export interface AssignmentChanges {
  status: AssignmentStatus;
  /** undefined leaves the instructions; null clears them. */
  instructions?: string | null;
  /** Merged into the stored settings. */
  reminders?: Partial<ReminderSettings>;
  schedule?: ScheduleInput;
  /** undefined leaves it as it is. */
  revealTogether?: boolean;
}

/** SQL for assignments; every method takes the clinic-pinned transaction and the clinic id. */
export const assignmentsRepository = {
  async insert(tx: EntityManager, a: NewAssignment): Promise<void> {
    const { schedule } = a;
    await tx.query(
      `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, instructions, schedule_type, due_at, rrule, starts_on, until, reminders, reveal_together, materialized_until, created_by, created_at, updated_at, local_due_at, partner_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $16, $13, $14, $15, $15, $17::timestamp, $18)`,
      [
        a.clinicId,
        a.id,
        a.coupleId,
        a.exerciseId,
        a.exerciseVersion,
        a.instructions,
        schedule.type,
        onceInstant(schedule),
        schedule.type === 'recurring' ? schedule.rrule : null,
        schedule.type === 'recurring' ? schedule.startsOn : null,
        schedule.type === 'recurring' ? (schedule.until ?? null) : null,
        JSON.stringify(a.reminders),
        a.now,
        a.createdBy,
        a.now,
        a.revealTogether,
        onceLocal(schedule),
        a.partnerId,
      ],
    );
  },

  async findById(tx: EntityManager, clinicId: string, assignmentId: string): Promise<AssignmentRow | null> {
    const rows: AssignmentRow[] = await tx.query(`${SELECT_ASSIGNMENT} WHERE a.clinic_id = $1 AND a.id = $2`, [
      clinicId,
      assignmentId,
    ]);
    return rows[0] ?? null;
  },

  /** A couple's assignments, newest first, optionally of one status, before a cursor. */
  async listOfCouple(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    filter: { status: AssignmentStatus | null; beforeId: string | null; limit: number },
  ): Promise<AssignmentRow[]> {
    return tx.query(
      `${SELECT_ASSIGNMENT}
         WHERE a.clinic_id = $1 AND a.couple_id = $2 AND ($3::text IS NULL OR a.status = $3) AND ($4::uuid IS NULL OR a.id < $4)
         ORDER BY a.id DESC LIMIT $5`,
      [clinicId, coupleId, filter.status, filter.beforeId, filter.limit],
    );
  },

  /**
   * A couple's assignments that are not cancelled and that `partnerId` may know of (those for
   * both partners and those given to them alone), newest first (at most 200). An assignment
   * given to the other partner is not there at all.
   */
  async listLiveForPartner(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    partnerId: string,
  ): Promise<AssignmentRow[]> {
    return tx.query(
      `${SELECT_ASSIGNMENT} WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.status <> 'cancelled'
         AND (a.partner_id IS NULL OR a.partner_id = $3) ORDER BY a.id DESC LIMIT 200`,
      [clinicId, coupleId, partnerId],
    );
  },

  async update(tx: EntityManager, clinicId: string, assignmentId: string, changes: AssignmentChanges): Promise<void> {
    const { schedule } = changes;
    await tx.query(
      `UPDATE assignment SET
           status = $3,
           instructions = CASE WHEN $4 THEN $5 ELSE instructions END,
           reminders = CASE WHEN $6::jsonb IS NULL THEN reminders ELSE reminders || $6::jsonb END,
           schedule_type = coalesce($7, schedule_type),
           due_at = CASE WHEN $7 IS NULL THEN due_at ELSE $8 END,
           rrule = CASE WHEN $7 IS NULL THEN rrule ELSE $9 END,
           starts_on = CASE WHEN $7 IS NULL THEN starts_on ELSE $10::date END,
           until = CASE WHEN $7 IS NULL THEN until ELSE $11::date END,
           reveal_together = coalesce($12, reveal_together),
           local_due_at = CASE WHEN $7 IS NULL THEN local_due_at ELSE $13::timestamp END,
           updated_at = mend_now()
         WHERE clinic_id = $1 AND id = $2`,
      [
        clinicId,
        assignmentId,
        changes.status,
        changes.instructions !== undefined,
        changes.instructions ?? null,
        changes.reminders ? JSON.stringify(changes.reminders) : null,
        schedule?.type ?? null,
        schedule ? onceInstant(schedule) : null,
        schedule?.type === 'recurring' ? schedule.rrule : null,
        schedule?.type === 'recurring' ? schedule.startsOn : null,
        schedule?.type === 'recurring' ? (schedule.until ?? null) : null,
        changes.revealTogether ?? null,
        schedule ? onceLocal(schedule) : null,
      ],
    );
  },
};
