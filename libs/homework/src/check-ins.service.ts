import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import {
  Clock,
  decodeCursor,
  DomainException,
  newId,
  toPage,
  type Page,
  type RequestMeta,
  type UserPrincipal,
} from '@mend/core';
import { coupleOfClient, loadCouple, requireCouple } from '@mend/couples';
import { IdempotencyService, queryRows, TenantDatabase, type IdempotentResult } from '@mend/database';
import { getVersion, scoreAnswers, validateAnswers, type Answers } from '@mend/exercises';
import { announceEvent, JobName, OutboxWriter } from '@mend/queue';
import { skipPending } from '@mend/reminders';

import { checkInsRepository, toCheckInView, type CheckInRow } from './check-ins.repository.js';
import { horizonEnd } from './homework.constants.js';
import type { CheckInView, CheckInVisibility } from './homework.views.js';
import { checkInWindow, opensAtFor } from './occurrence-state.js';
import { lockAssignment, materialiseOccurrences } from './occurrences.js';

export interface SubmitCheckInInput {
  /** The due time of the occurrence being answered (as listed by GET /v1/me/assignments). */
  occurrenceAt: Date;
  answers: unknown;
  visibility: CheckInVisibility;
}

export interface CheckInsQuery {
  assignmentId?: string;
  /** Therapist only: check-ins written by this partner. */
  partnerId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/** The partner writing a check-in: signed in (API) or holding a check-in link's session (page). */
export interface CheckInAuthor extends RequestMeta {
  clinicId: string;
  userId: string;
}

function authorOf(principal: UserPrincipal): CheckInAuthor {
  return { clinicId: principal.clinicId, userId: principal.userId, requestId: principal.requestId, ip: principal.ip };
}

interface SubmitTarget {
  id: string;
  couple_id: string;
  exercise_id: string;
  exercise_version: number;
  schedule_type: 'once' | 'recurring';
  status: string;
}

interface OccurrenceRow {
  id: string;
  partner_id: string | null;
  due_at: Date;
  closes_at: Date;
}

@Injectable()
export class CheckInsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
  ) {}

  /**
   * A partner answers one occurrence of an assignment of their couple: their own occurrence, or
   * the couple's in joint mode (either partner, once). Answers are checked against the form
   * version the assignment was given and scored on submit. Accepted from 24 h before the due
   * time until the occurrence closes; after the due time it is marked late.
   */
  async submit(
    principal: UserPrincipal,
    assignmentId: string,
    input: SubmitCheckInInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<CheckInView>> {
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: `POST /v1/assignments/${assignmentId}/check-ins`,
        body: input,
        statusCode: 201,
      },
      (tx) => this.submitIn(tx, authorOf(principal), assignmentId, input),
    );
  }

  /**
   * The same submission for a partner who is not signed in but holds a check-in link (the client
   * check-in page): the link's session names the partner and the occurrence, the rest — window,
   * one check-in per occurrence, the form version's validator, scoring, audit — is `submit`'s.
   * Answers 404 when the occurrence is gone or is not the partner's (or their couple's) to answer.
   */
  async submitAsPartner(
    partner: CheckInAuthor,
    occurrenceId: string,
    input: Omit<SubmitCheckInInput, 'occurrenceAt'>,
  ): Promise<CheckInView> {
    return this.db.withClinic(partner.clinicId, async (tx) => {
      const rows: Array<{ assignment_id: string; due_at: Date }> = await tx.query(
        `SELECT assignment_id, due_at FROM occurrence WHERE clinic_id = $1 AND id = $2`,
        [partner.clinicId, occurrenceId],
      );
      if (!rows[0]) throw DomainException.notFound('Occurrence');
      return this.submitIn(
        tx,
        partner,
        rows[0].assignment_id,
        { ...input, occurrenceAt: rows[0].due_at },
        occurrenceId,
      );
    });
  }

  /** `expectedOccurrenceId`: refuse (404) unless the occurrence the author may answer at that time is this one. */
  private async submitIn(
    tx: EntityManager,
    author: CheckInAuthor,
    assignmentId: string,
    input: SubmitCheckInInput,
    expectedOccurrenceId?: string,
  ): Promise<CheckInView> {
    const now = this.clock.now();
    // Held to the end: a concurrent schedule change cannot drop the occurrence being answered.
    if (!(await lockAssignment(tx, author.clinicId, assignmentId))) throw DomainException.notFound('Assignment');
    const rows: SubmitTarget[] = await tx.query(
      `SELECT id, couple_id, exercise_id, exercise_version, schedule_type, status FROM assignment WHERE clinic_id = $1 AND id = $2`,
      [author.clinicId, assignmentId],
    );
    const assignment = rows[0];
    const couple = assignment ? await loadCouple(tx, author.clinicId, assignment.couple_id) : null;
    // Only the couple's own partners answer its homework (the API route is for clients only, too).
    if (!assignment || !couple || couple.clinicId !== author.clinicId || !couple.partnerIds.includes(author.userId))
      throw DomainException.notFound('Assignment');
    if (assignment.status === 'cancelled')
      throw new DomainException('unprocessable', 'This assignment was cancelled by your therapist');
    if (couple.status === 'closed')
      throw new DomainException('unprocessable', "Your couple's therapy is closed; check-ins are no longer taken");

    const version = await getVersion(tx, author.clinicId, assignment.exercise_id, assignment.exercise_version);
    if (!version) throw new Error(`Assignment ${assignment.id} points at a missing exercise version`);

    await materialiseOccurrences(tx, author.clinicId, assignment.id, horizonEnd(now), now);
    const occurrence = await this.findOccurrence(
      tx,
      author.clinicId,
      assignment.id,
      version.mode === 'joint' ? null : author.userId,
      input.occurrenceAt,
    );
    if (expectedOccurrenceId !== undefined && occurrence?.id !== expectedOccurrenceId)
      throw DomainException.notFound('Occurrence');
    if (!occurrence) {
      throw new DomainException('unprocessable', 'Nothing of this assignment is due for you at occurrenceAt', {
        errors: [
          {
            field: 'occurrenceAt',
            message:
              'occurrenceAt must be the due time of one of your occurrences of this assignment (see GET /v1/me/assignments)',
          },
        ],
      });
    }
    const window = checkInWindow({ dueAt: occurrence.due_at, closesAt: occurrence.closes_at }, now);
    if (window.isTooEarly) {
      throw new DomainException(
        'unprocessable',
        `This occurrence opens for check-ins at ${opensAtFor(occurrence.due_at).toISOString()}`,
        {
          errors: [
            {
              field: 'occurrenceAt',
              message: 'the occurrence is not open yet (check-ins open 24 hours before the due time)',
            },
          ],
        },
      );
    }
    if (window.isClosed) {
      throw new DomainException(
        'unprocessable',
        `This occurrence closed at ${occurrence.closes_at.toISOString()} and was missed`,
        {
          errors: [{ field: 'occurrenceAt', message: 'the occurrence is closed' }],
        },
      );
    }
    const duplicate =
      version.mode === 'joint'
        ? 'Your couple has already checked in for this occurrence'
        : 'You have already checked in for this occurrence';
    if (await this.hasCheckIn(tx, author.clinicId, occurrence.id)) throw new DomainException('conflict', duplicate);

    const problems = validateAnswers(version.form, input.answers);
    if (problems.length)
      throw new DomainException('invalid', 'The answers do not fit the check-in form', { errors: problems });
    const answers = input.answers as Answers;

    const id = await checkInsRepository.insert(tx, {
      clinicId: author.clinicId,
      id: newId(),
      occurrenceId: occurrence.id,
      assignmentId: assignment.id,
      coupleId: couple.id,
      authorId: author.userId,
      answers,
      score: scoreAnswers(version.scoring, answers),
      visibility: input.visibility,
      isLate: window.isLate,
      submittedAt: now,
    });
    if (!id) throw new DomainException('conflict', duplicate);
    // Its reminders are settled now; the sender would skip them at send time anyway.
    await skipPending(tx, author.clinicId, { occurrenceId: occurrence.id }, 'already_done');
    if (assignment.schedule_type === 'once') await this.completeIfAllDone(tx, author.clinicId, assignment.id);
    await this.audit.record(tx, {
      clinicId: author.clinicId,
      actorType: 'user',
      actorId: author.userId,
      action: 'check_in.create',
      resourceType: 'check_in',
      resourceId: id,
      outcome: 'success',
      requestId: author.requestId,
      ip: author.ip,
    });
    // Alerts (trust drop, partners diverging, a measure below its cut-off) open without waiting for a therapist to read progress.
    await this.outbox.enqueue(tx, author.clinicId, {
      name: JobName.ProgressRefresh,
      data: { clinicId: author.clinicId, coupleId: assignment.couple_id },
    });
    await announceEvent(tx, author.clinicId, 'checkin.submitted', {
      checkInId: id,
      assignmentId: assignment.id,
      occurrenceId: occurrence.id,
      coupleId: couple.id,
      partnerId: author.userId,
    });
    return toCheckInView((await checkInsRepository.findById(tx, author.clinicId, id))!);
  }

  /** The couple's therapist reads its check-ins with answers; every check-in read is audited. */
  async listForCouple(principal: UserPrincipal, coupleId: string, query: CheckInsQuery): Promise<Page<CheckInView>> {
    const beforeId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId);
      const rows = await checkInsRepository.list(
        tx,
        principal.clinicId,
        { kind: 'therapist' },
        {
          coupleId,
          assignmentId: query.assignmentId,
          authorId: query.partnerId,
          from: query.from,
          to: query.to,
          beforeId,
          limit: query.limit,
        },
      );
      return this.pageAudited(tx, principal, rows, query.limit);
    });
  }

  /**
   * A partner's own check-ins plus the other partner's shared ones — never the other's private
   * ones (the reader rule is applied in the query itself).
   */
  async listMine(principal: UserPrincipal, query: Omit<CheckInsQuery, 'partnerId'>): Promise<Page<CheckInView>> {
    const beforeId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await coupleOfClient(tx, principal);
      if (!couple) return { data: [], nextCursor: null };
      const rows = await checkInsRepository.list(
        tx,
        principal.clinicId,
        { kind: 'partner', userId: principal.userId },
        {
          coupleId: couple.id,
          assignmentId: query.assignmentId,
          from: query.from,
          to: query.to,
          beforeId,
          limit: query.limit,
        },
      );
      return this.pageAudited(tx, principal, rows, query.limit);
    });
  }

  private async pageAudited(
    tx: EntityManager,
    principal: UserPrincipal,
    rows: CheckInRow[],
    limit: number,
  ): Promise<Page<CheckInView>> {
    const page = toPage(rows, limit, toCheckInView);
    for (const checkIn of page.data)
      await this.audit.record(tx, this.audit.entryFor(principal, 'check_in.read', 'check_in', checkIn.id));
    return page;
  }

  private async findOccurrence(
    tx: EntityManager,
    clinicId: string,
    assignmentId: string,
    partnerId: string | null,
    dueAt: Date,
  ): Promise<OccurrenceRow | null> {
    const rows: OccurrenceRow[] = await tx.query(
      `SELECT id, partner_id, due_at, closes_at FROM occurrence
       WHERE clinic_id = $1 AND assignment_id = $2 AND due_at = $3 AND partner_id IS NOT DISTINCT FROM $4::uuid`,
      [clinicId, assignmentId, dueAt, partnerId],
    );
    return rows[0] ?? null;
  }

  private async hasCheckIn(tx: EntityManager, clinicId: string, occurrenceId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM check_in WHERE clinic_id = $1 AND occurrence_id = $2`, [
      clinicId,
      occurrenceId,
    ]);
    return rows.length > 0;
  }

  /** A one-off is completed once each of its occurrences has a check-in. */
  private async completeIfAllDone(tx: EntityManager, clinicId: string, assignmentId: string): Promise<void> {
    const completed = await queryRows<{ id: string; couple_id: string }>(
      tx,
      `UPDATE assignment a SET status = 'completed', updated_at = mend_now()
       WHERE a.clinic_id = $1 AND a.id = $2 AND a.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM occurrence o WHERE o.clinic_id = a.clinic_id AND o.assignment_id = a.id
                         AND NOT EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id))
       RETURNING a.id, a.couple_id`,
      [clinicId, assignmentId],
    );
    for (const row of completed)
      await announceEvent(tx, clinicId, 'assignment.completed', { assignmentId: row.id, coupleId: row.couple_id });
  }
}
