import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import {
  Clock,
  decodeCursor,
  DomainException,
  newId,
  toPage,
  type FieldProblem,
  type Page,
  type UserPrincipal,
} from '@mend/core';
import { canReach, coupleOfClient, loadCouple, requireCouple, type CoupleRef } from '@mend/couples';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';
import { findExercise, getVersion, isSafetyScreen, type ExerciseVersionView } from '@mend/exercises';
import { planOccurrenceReminders } from '@mend/reminders';

import { assignmentsRepository, type AssignmentRow } from './assignments.repository.js';
import { DAY_MS, horizonEnd, opensRuleFor, RECENT_DAYS } from './homework.constants.js';
import {
  DEFAULT_REMINDERS,
  type AssignmentStatus,
  type AssignmentView,
  type ClientAssignmentView,
  type OccurrenceView,
  type ReminderSettings,
  type ScheduleInput,
  type ScheduleView,
} from './homework.views.js';
import { isLateAt, occurrenceState } from './occurrence-state.js';
import {
  clearFutureOccurrences,
  earliestOnceDueAt,
  ensureHorizon,
  listOccurrences,
  localDueAt,
  lockAssignment,
  materialiseOccurrences,
} from './occurrences.js';
import { formatRecurrenceRule, parseRecurrenceRule, validateRecurrence } from './recurrence.js';

export interface CreateAssignmentInput {
  exerciseId: string;
  schedule: ScheduleInput;
  instructions?: string | null;
  reminders?: Partial<ReminderSettings>;
  /** Hold each partner's shared answers back until both have answered (individual exercises only). */
  revealTogether?: boolean;
  /**
   * Give it to this partner of the couple only (individual exercises). The safety check must be
   * given so. The assignee is fixed: to give it to the other partner, cancel and assign anew.
   */
  partnerId?: string | null;
}

export interface UpdateAssignmentInput {
  /** `paused` pauses, `active` resumes, `cancelled` cancels (for good). */
  status?: 'active' | 'paused' | 'cancelled';
  schedule?: ScheduleInput;
  instructions?: string | null;
  reminders?: Partial<ReminderSettings>;
  /** Applies to every occurrence, answered ones included: the rule is checked when a partner reads. */
  revealTogether?: boolean;
}

export interface ListAssignmentsQuery {
  status?: AssignmentStatus;
  limit: number;
  cursor?: string;
}

function scheduleOf(row: AssignmentRow): ScheduleView {
  if (row.schedule_type === 'once')
    return row.local_due_at
      ? { type: 'once', localDateTime: row.local_due_at, zone: 'partner' }
      : { type: 'once', dueAt: row.due_at! };
  return { type: 'recurring', rrule: row.rrule!, startsOn: row.starts_on!, until: row.until };
}

function remindersOf(stored: Partial<ReminderSettings> | null): ReminderSettings {
  return { ...DEFAULT_REMINDERS, ...(stored ?? {}) };
}

export function toAssignmentView(row: AssignmentRow, options: { withInstructions: boolean }): AssignmentView {
  return {
    id: row.id,
    coupleId: row.couple_id,
    exerciseId: row.exercise_id,
    exerciseVersion: row.exercise_version,
    title: row.title,
    category: row.category,
    mode: row.mode,
    schedule: scheduleOf(row),
    opens: opensRuleFor(row.schedule_type),
    ...(options.withInstructions ? { instructions: row.instructions } : {}),
    reminders: remindersOf(row.reminders),
    revealTogether: row.reveal_together,
    partnerId: row.partner_id,
    isAlwaysPrivate: isAlwaysPrivate(row),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * An assignment given to one partner is theirs alone: a shared answer would tell the other
 * partner it exists, so its answers are private whatever the request says.
 */
export function isAlwaysPrivate(row: Pick<AssignmentRow, 'partner_id' | 'scoring'>): boolean {
  return row.partner_id !== null || isSafetyScreen(row.scoring);
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** A schedule checked and put in its stored form (canonical RRULE), or every problem at once. */
export function normaliseSchedule(
  schedule: ScheduleInput,
  now: Date,
): { schedule: ScheduleInput; problems: FieldProblem[] } {
  if (schedule.type === 'once' && 'localDateTime' in schedule) {
    // Checked where it is earliest and latest on Earth: no partner's due time may be past or too far.
    const earliest = LOCAL_DATE_TIME.test(schedule.localDateTime)
      ? localDueAt(schedule.localDateTime, 'Etc/GMT-14')
      : null;
    const latest = earliest ? localDueAt(schedule.localDateTime, 'Etc/GMT+12') : null;
    const problems: FieldProblem[] = [];
    if (!earliest || !latest)
      problems.push({
        field: 'schedule.localDateTime',
        message: 'localDateTime must be a local date and time like 2027-03-10T20:00 (no offset)',
      });
    else if (earliest < earliestOnceDueAt(now))
      problems.push({ field: 'schedule.localDateTime', message: 'localDateTime must not be in the past' });
    else if (latest.getTime() > now.getTime() + 2 * 366 * DAY_MS)
      problems.push({ field: 'schedule.localDateTime', message: 'localDateTime must be within two years' });
    if (schedule.zone !== 'partner')
      problems.push({ field: 'schedule.zone', message: "zone must be partner (each partner's own time zone)" });
    return { schedule: { type: 'once', localDateTime: schedule.localDateTime, zone: 'partner' }, problems };
  }
  if (schedule.type === 'once') {
    const problems: FieldProblem[] = [];
    if (!(schedule.dueAt instanceof Date) || Number.isNaN(schedule.dueAt.getTime()))
      problems.push({ field: 'schedule.dueAt', message: 'dueAt must be a date-time with an offset' });
    else if (schedule.dueAt < earliestOnceDueAt(now))
      problems.push({ field: 'schedule.dueAt', message: 'dueAt must not be in the past' });
    else if (schedule.dueAt.getTime() > now.getTime() + 2 * 366 * DAY_MS)
      problems.push({ field: 'schedule.dueAt', message: 'dueAt must be within two years' });
    return { schedule, problems };
  }
  const problems = validateRecurrence({ rrule: schedule.rrule, startsOn: schedule.startsOn, until: schedule.until });
  if (problems.length) return { schedule, problems };
  const rule = parseRecurrenceRule(schedule.rrule).rule!;
  return {
    schedule: {
      type: 'recurring',
      rrule: formatRecurrenceRule(rule),
      startsOn: schedule.startsOn,
      until: schedule.until ?? null,
    },
    problems: [],
  };
}

function invalid(problems: FieldProblem[]): DomainException {
  return new DomainException('invalid', 'The request is not valid', { errors: problems });
}

/** Why `partnerId` cannot be taken as given (or is missing), or null when it is fine. */
function assigneeProblem(
  exercise: { mode: string; scoring: Parameters<typeof isSafetyScreen>[0] },
  partnerId: string | null,
  partnerIds: string[],
  revealTogether: boolean,
): DomainException | null {
  const refuse = (title: string, message: string) =>
    new DomainException('unprocessable', title, { errors: [{ field: 'partnerId', message }] });
  if (partnerId === null) {
    return isSafetyScreen(exercise.scoring)
      ? refuse(
          'The safety check is given to one partner at a time',
          'partnerId is required: name the partner the safety check is for (it stays private to them)',
        )
      : null;
  }
  if (!partnerIds.includes(partnerId))
    return refuse('partnerId is not a partner of this couple', 'no such partner in this couple');
  if (exercise.mode === 'joint')
    return refuse(
      'A joint exercise is answered by the couple together and cannot be given to one partner',
      'partnerId needs an exercise each partner answers on their own',
    );
  if (revealTogether)
    return new DomainException('unprocessable', 'revealTogether needs both partners', {
      errors: [
        { field: 'revealTogether', message: 'an assignment given to one partner has no other answer to wait for' },
      ],
    });
  return null;
}

/** A joint exercise has one check-in for the couple: there is no second answer to wait for. */
function jointCannotRevealTogether(): DomainException {
  return new DomainException('unprocessable', 'revealTogether needs an exercise each partner answers on their own', {
    errors: [{ field: 'revealTogether', message: 'a joint exercise has one check-in for the couple' }],
  });
}

@Injectable()
export class AssignmentsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly clock: Clock,
  ) {}

  /**
   * The couple's therapist gives the couple an exercise, pinned to the exercise's current
   * version. Its occurrences are laid out at once (a one-off) or over the horizon (recurring).
   */
  async create(
    principal: UserPrincipal,
    coupleId: string,
    input: CreateAssignmentInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<AssignmentView>> {
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: `POST /v1/couples/${coupleId}/assignments`,
        body: input,
        statusCode: 201,
        replay: (id) =>
          this.db.withClinic(principal.clinicId, async (tx) => {
            await requireCouple(tx, principal, coupleId);
            const row = await this.findRow(tx, principal.clinicId, id);
            if (!row || row.couple_id !== coupleId) throw DomainException.notFound('Assignment');
            return toAssignmentView(row, { withInstructions: true });
          }),
      },
      async (tx) => {
        const now = this.clock.now();
        const couple = await requireCouple(tx, principal, coupleId);
        if (couple.status === 'closed')
          throw new DomainException('conflict', 'This couple is closed; reopen it before assigning homework');
        const exercise = await findExercise(tx, principal.clinicId, input.exerciseId);
        if (!exercise || exercise.archivedAt) {
          throw new DomainException('unprocessable', 'exerciseId is not an available exercise of this clinic', {
            errors: [
              {
                field: 'exerciseId',
                message: exercise ? 'the exercise is archived' : 'no such exercise in this clinic',
              },
            ],
          });
        }
        const { schedule, problems } = normaliseSchedule(input.schedule, now);
        if (problems.length) throw invalid(problems);
        if (input.revealTogether && exercise.mode === 'joint') throw jointCannotRevealTogether();
        const partnerId = input.partnerId ?? null;
        const problem = assigneeProblem(exercise, partnerId, couple.partnerIds, input.revealTogether ?? false);
        if (problem) throw problem;

        const id = newId();
        await assignmentsRepository.insert(tx, {
          clinicId: principal.clinicId,
          id,
          coupleId,
          exerciseId: exercise.id,
          exerciseVersion: exercise.version,
          instructions: input.instructions?.trim() || null,
          schedule,
          reminders: { ...DEFAULT_REMINDERS, ...(input.reminders ?? {}) },
          revealTogether: input.revealTogether ?? false,
          partnerId,
          createdBy: principal.userId,
          now,
        });
        await materialiseOccurrences(tx, principal.clinicId, id, horizonEnd(now), now);
        await this.audit.record(tx, this.audit.entryFor(principal, 'assignment.create', 'assignment', id));
        return toAssignmentView(await this.row(tx, principal.clinicId, id), { withInstructions: true });
      },
    );
  }

  /** The couple's assignments, newest first: its therapist, or an admin (statuses, no instructions). */
  async list(principal: UserPrincipal, coupleId: string, query: ListAssignmentsQuery): Promise<Page<AssignmentView>> {
    const beforeId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { admin: true });
      await ensureHorizon(tx, principal.clinicId, { coupleId }, this.clock.now());
      const rows = await assignmentsRepository.listOfCouple(tx, principal.clinicId, coupleId, {
        status: query.status ?? null,
        beforeId: beforeId ?? null,
        limit: query.limit + 1,
      });
      return toPage(rows, query.limit, (r) => toAssignmentView(r, { withInstructions: principal.role !== 'admin' }));
    });
  }

  /**
   * Pause, resume, cancel or re-plan. Future occurrences nobody answered are dropped and laid
   * out again from the current schedule; answered ones (and past ones) are kept as they were.
   */
  async update(principal: UserPrincipal, assignmentId: string, input: UpdateAssignmentInput): Promise<AssignmentView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const now = this.clock.now();
      const current = await this.reachable(tx, principal, assignmentId, { lock: true });
      if (current.status === 'cancelled' || current.status === 'completed') {
        throw new DomainException('conflict', `This assignment is ${current.status} and can no longer change`);
      }
      let schedule: ScheduleInput | undefined;
      if (input.schedule) {
        const normalised = normaliseSchedule(input.schedule, now);
        if (normalised.problems.length) throw invalid(normalised.problems);
        schedule = normalised.schedule;
      }
      if (input.revealTogether && current.mode === 'joint') throw jointCannotRevealTogether();
      if (input.revealTogether && current.partner_id !== null)
        throw new DomainException('unprocessable', 'revealTogether needs both partners', {
          errors: [
            { field: 'revealTogether', message: 'an assignment given to one partner has no other answer to wait for' },
          ],
        });
      const status = input.status ?? current.status;
      await assignmentsRepository.update(tx, principal.clinicId, assignmentId, {
        status,
        revealTogether: input.revealTogether,
        instructions: input.instructions !== undefined ? input.instructions?.trim() || null : undefined,
        reminders: input.reminders,
        schedule,
      });
      const isReplanned = schedule !== undefined || status !== current.status;
      if (isReplanned) {
        await clearFutureOccurrences(tx, principal.clinicId, assignmentId, now);
        if (status === 'active')
          await materialiseOccurrences(tx, principal.clinicId, assignmentId, horizonEnd(now), now);
      }
      // New reminder settings apply to the sends already planned, in this same transaction.
      if (input.reminders && status === 'active')
        await planOccurrenceReminders(tx, principal.clinicId, { assignmentId }, now, { isReplan: true });
      const action =
        status !== current.status
          ? status === 'active'
            ? 'assignment.resume'
            : status === 'paused'
              ? 'assignment.pause'
              : 'assignment.cancel'
          : 'assignment.update';
      await this.audit.record(tx, this.audit.entryFor(principal, action, 'assignment', assignmentId));
      return toAssignmentView(await this.row(tx, principal.clinicId, assignmentId), { withInstructions: true });
    });
  }

  /**
   * A partner's homework: every assignment of their couple that is not cancelled, with the
   * form to answer and the occurrences of the last RECENT_DAYS and the horizon ahead — theirs
   * and the couple's joint ones — with their state.
   */
  async listMine(principal: UserPrincipal): Promise<ClientAssignmentView[]> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const now = this.clock.now();
      const couple = await coupleOfClient(tx, principal);
      if (!couple) return [];
      await ensureHorizon(tx, principal.clinicId, { coupleId: couple.id }, now);
      const rows = await assignmentsRepository.listLiveForPartner(tx, principal.clinicId, couple.id, principal.userId);
      const occurrences = await listOccurrences(tx, principal.clinicId, {
        coupleId: couple.id,
        partnerId: principal.userId,
        includeJoint: true,
        from: new Date(now.getTime() - RECENT_DAYS * DAY_MS),
        to: horizonEnd(now),
      });
      const versions = new Map<string, ExerciseVersionView | null>();
      const out: ClientAssignmentView[] = [];
      for (const row of rows) {
        const versionKey = `${row.exercise_id}:${row.exercise_version}`;
        if (!versions.has(versionKey))
          versions.set(versionKey, await getVersion(tx, principal.clinicId, row.exercise_id, row.exercise_version));
        const version = versions.get(versionKey);
        if (!version) continue;
        const own: OccurrenceView[] = occurrences
          .filter((o) => o.assignmentId === row.id)
          .map((o) => ({
            dueAt: o.dueAt,
            opensAt: o.opensAt,
            lateAfter: o.lateAfter,
            closesAt: o.closesAt,
            state: occurrenceState(o, o.checkIn !== null, now),
            isOverdue: o.checkIn === null && isLateAt(o, now) && now <= o.closesAt,
            partnerId: o.partnerId,
            checkInId:
              o.checkIn && (o.checkIn.authorId === principal.userId || o.checkIn.visibility === 'shared')
                ? o.checkIn.id
                : null,
          }));
        out.push({
          id: row.id,
          exerciseId: row.exercise_id,
          exerciseVersion: row.exercise_version,
          title: version.title,
          category: version.category,
          mode: version.mode,
          exerciseInstructions: version.instructions,
          instructions: row.instructions,
          form: version.form,
          schedule: scheduleOf(row),
          opens: opensRuleFor(row.schedule_type),
          status: row.status,
          revealTogether: row.reveal_together,
          partnerId: row.partner_id,
          isAlwaysPrivate: isAlwaysPrivate(row),
          occurrences: own,
        });
      }
      return out;
    });
  }

  /** The assignment if the principal may manage it (its couple's therapist), else the same 404 as a missing one. */
  private async reachable(
    tx: EntityManager,
    principal: UserPrincipal,
    assignmentId: string,
    options: { lock?: boolean } = {},
  ): Promise<AssignmentRow & { couple: CoupleRef }> {
    if (options.lock && !(await lockAssignment(tx, principal.clinicId, assignmentId)))
      throw DomainException.notFound('Assignment');
    const row = await this.findRow(tx, principal.clinicId, assignmentId);
    const couple = row ? await loadCouple(tx, principal.clinicId, row.couple_id) : null;
    if (!row || !couple || !canReach(principal, couple, {})) throw DomainException.notFound('Assignment');
    return { ...row, couple };
  }

  private async findRow(tx: EntityManager, clinicId: string, assignmentId: string): Promise<AssignmentRow | null> {
    return assignmentsRepository.findById(tx, clinicId, assignmentId);
  }

  private async row(tx: EntityManager, clinicId: string, assignmentId: string): Promise<AssignmentRow> {
    const row = await this.findRow(tx, clinicId, assignmentId);
    if (!row) throw DomainException.notFound('Assignment');
    return row;
  }
}
