import { JobName, OutboxWriter } from '@mend/queue';
import { Injectable } from '@nestjs/common';
import { AuditService } from '@mend/audit';
import { canReach, coupleOfClient, loadCouple, requireCouple } from '@mend/couples';
import { DomainException, type Page, type UserPrincipal, decodeCursor, newId, toPage } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { type Answers, getVersion, scoreAnswers, validateAnswers } from '@mend/exercises';
import type { EntityManager } from 'typeorm';
import { type CheckInRow, checkInsRepository, toCheckInView } from './check-ins.repository.js';
import { horizonEnd } from './homework.constants.js';
import type { CheckInView, CheckInVisibility } from './homework.views.js';
import { IdempotencyService, type IdempotentResult } from './idempotency.js';
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
  ) {}

  /**
   * A partner answers one occurrence of an assignment of their couple: their own occurrence, or
   * the couple's in joint mode (either partner, once). Answers are checked against the form
   * version the assignment was given and scored on submit. Accepted from 24 h before the due
   * time until the occurrence closes; after the due time it is marked late.
   */
  async submit(principal: UserPrincipal, assignmentId: string, input: SubmitCheckInInput, idempotencyKey?: string): Promise<IdempotentResult<CheckInView>> {
    return this.idempotency.run(
      principal,
      { key: idempotencyKey, operation: `POST /v1/assignments/${assignmentId}/check-ins`, body: input, statusCode: 201 },
      async (tx) => {
        const now = new Date();
        // Held to the end: a concurrent schedule change cannot drop the occurrence being answered.
        if (!(await lockAssignment(tx, principal.clinicId, assignmentId))) throw DomainException.notFound('Assignment');
        const rows: SubmitTarget[] = await tx.query(
          `SELECT id, couple_id, exercise_id, exercise_version, schedule_type, status FROM assignment WHERE clinic_id = $1 AND id = $2`,
          [principal.clinicId, assignmentId],
        );
        const assignment = rows[0];
        const couple = assignment ? await loadCouple(tx, principal.clinicId, assignment.couple_id) : null;
        if (!assignment || !couple || !canReach(principal, couple, { client: true })) throw DomainException.notFound('Assignment');
        if (assignment.status === 'cancelled') throw new DomainException('unprocessable', 'This assignment was cancelled by your therapist');
        if (couple.status === 'closed') throw new DomainException('unprocessable', 'Your couple\'s therapy is closed; check-ins are no longer taken');

        const version = await getVersion(tx, principal.clinicId, assignment.exercise_id, assignment.exercise_version);
        if (!version) throw new Error(`Assignment ${assignment.id} points at a missing exercise version`);

        await materialiseOccurrences(tx, principal.clinicId, assignment.id, horizonEnd(now), now);
        const occurrence = await this.findOccurrence(tx, principal.clinicId, assignment.id, version.mode === 'joint' ? null : principal.userId, input.occurrenceAt);
        if (!occurrence) {
          throw new DomainException('unprocessable', 'Nothing of this assignment is due for you at occurrenceAt', {
            errors: [{ field: 'occurrenceAt', message: 'occurrenceAt must be the due time of one of your occurrences of this assignment (see GET /v1/me/assignments)' }],
          });
        }
        const window = checkInWindow({ dueAt: occurrence.due_at, closesAt: occurrence.closes_at }, now);
        if (window.isTooEarly) {
          throw new DomainException('unprocessable', `This occurrence opens for check-ins at ${opensAtFor(occurrence.due_at).toISOString()}`, {
            errors: [{ field: 'occurrenceAt', message: 'the occurrence is not open yet (check-ins open 24 hours before the due time)' }],
          });
        }
        if (window.isClosed) {
          throw new DomainException('unprocessable', `This occurrence closed at ${occurrence.closes_at.toISOString()} and was missed`, {
            errors: [{ field: 'occurrenceAt', message: 'the occurrence is closed' }],
          });
        }
        const duplicate = version.mode === 'joint' ? 'Your couple has already checked in for this occurrence' : 'You have already checked in for this occurrence';
        if (await this.hasCheckIn(tx, principal.clinicId, occurrence.id)) throw new DomainException('conflict', duplicate);

        const problems = validateAnswers(version.form, input.answers);
        if (problems.length) throw new DomainException('invalid', 'The answers do not fit the check-in form', { errors: problems });
        const answers = input.answers as Answers;

        const id = await checkInsRepository.insert(tx, {
          clinicId: principal.clinicId,
          id: newId(),
          occurrenceId: occurrence.id,
          assignmentId: assignment.id,
          coupleId: couple.id,
          authorId: principal.userId,
          answers,
          score: scoreAnswers(version.scoring, answers),
          visibility: input.visibility,
          isLate: window.isLate,
          submittedAt: now,
        });
        if (!id) throw new DomainException('conflict', duplicate);
        if (assignment.schedule_type === 'once') await this.completeIfAllDone(tx, principal.clinicId, assignment.id);
        await this.audit.record(tx, this.audit.entryFor(principal, 'check_in.create', 'check_in', id));
        // Alerts (trust drop, partners diverging, a measure below its cut-off) open without waiting for a therapist to read progress.
        await this.outbox.enqueue(tx, principal.clinicId, { name: JobName.ProgressRefresh, data: { clinicId: principal.clinicId, coupleId: assignment.couple_id } });
        return toCheckInView((await checkInsRepository.findById(tx, principal.clinicId, id))!);
      },
    );
  }

  /** The couple's therapist reads its check-ins with answers; every check-in read is audited. */
  async listForCouple(principal: UserPrincipal, coupleId: string, query: CheckInsQuery): Promise<Page<CheckInView>> {
    const beforeId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId);
      const rows = await checkInsRepository.list(tx, principal.clinicId, { kind: 'therapist' }, {
        coupleId,
        assignmentId: query.assignmentId,
        authorId: query.partnerId,
        from: query.from,
        to: query.to,
        beforeId,
        limit: query.limit,
      });
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
      const rows = await checkInsRepository.list(tx, principal.clinicId, { kind: 'partner', userId: principal.userId }, {
        coupleId: couple.id,
        assignmentId: query.assignmentId,
        from: query.from,
        to: query.to,
        beforeId,
        limit: query.limit,
      });
      return this.pageAudited(tx, principal, rows, query.limit);
    });
  }

  private async pageAudited(tx: EntityManager, principal: UserPrincipal, rows: CheckInRow[], limit: number): Promise<Page<CheckInView>> {
    const page = toPage(rows, limit, toCheckInView);
    for (const checkIn of page.data) await this.audit.record(tx, this.audit.entryFor(principal, 'check_in.read', 'check_in', checkIn.id));
    return page;
  }

  private async findOccurrence(tx: EntityManager, clinicId: string, assignmentId: string, partnerId: string | null, dueAt: Date): Promise<OccurrenceRow | null> {
    const rows: OccurrenceRow[] = await tx.query(
      `SELECT id, partner_id, due_at, closes_at FROM occurrence
       WHERE clinic_id = $1 AND assignment_id = $2 AND due_at = $3 AND partner_id IS NOT DISTINCT FROM $4::uuid`,
      [clinicId, assignmentId, dueAt, partnerId],
    );
    return rows[0] ?? null;
  }

  private async hasCheckIn(tx: EntityManager, clinicId: string, occurrenceId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM check_in WHERE clinic_id = $1 AND occurrence_id = $2`, [clinicId, occurrenceId]);
    return rows.length > 0;
  }

  /** A one-off is completed once each of its occurrences has a check-in. */
  private async completeIfAllDone(tx: EntityManager, clinicId: string, assignmentId: string): Promise<void> {
    await tx.query(
      `UPDATE assignment a SET status = 'completed', updated_at = now()
       WHERE a.clinic_id = $1 AND a.id = $2 AND a.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM occurrence o WHERE o.clinic_id = a.clinic_id AND o.assignment_id = a.id
                         AND NOT EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id))`,
      [clinicId, assignmentId],
    );
  }
}
