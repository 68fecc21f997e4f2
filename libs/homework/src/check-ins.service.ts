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
import { coupleOfClient, requireCouple } from '@mend/couples';
import { IdempotencyService, queryRows, TenantDatabase, type IdempotentResult } from '@mend/database';
import { scoreAnswers, validateAnswers, type Answers } from '@mend/exercises';
import { announceEvent, JobName, outboxRowOf } from '@mend/queue';

import { isAlwaysPrivate } from './assignments.service.js';
import { CheckInHooks } from './check-in.hooks.js';
import { checkInsRepository, toCheckInView, type CheckInRow } from './check-ins.repository.js';
import { horizonEnd } from './homework.constants.js';
import type { CheckInView, CheckInVisibility } from './homework.views.js';
import { checkInWindow } from './occurrence-state.js';
import { materialiseOccurrences } from './occurrences.js';

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

@Injectable()
export class CheckInsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly clock: Clock,
    private readonly hooks: CheckInHooks,
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
        // Only the author's own check-in, read again (answers never sit in the idempotency record).
        replay: (id) =>
          this.db.withClinic(principal.clinicId, async (tx) => {
            const row = await checkInsRepository.findById(tx, principal.clinicId, id);
            if (!row || row.author_id !== principal.userId) throw DomainException.notFound('Check-in');
            const view = toCheckInView(row);
            const crisisResources = await this.hooks.crisisResourcesFor(tx, principal.clinicId, id, principal.userId);
            const reveal = await checkInsRepository.revealOf(tx, principal.clinicId, id, this.clock.now());
            return {
              ...view,
              ...(crisisResources === null ? {} : { crisisResources }),
              ...(reveal === null ? {} : { reveal }),
            };
          }),
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

  /**
   * `expectedOccurrenceId`: refuse (404) unless the occurrence the author may answer at that time is this one.
   * The request path does not materialise occurrences (the worker keeps the horizon, ahead of the
   * 24 hours in which a check-in opens): one locking read finds everything, and only an occurrence
   * that is not there yet makes the submit lay out the horizon itself and look again.
   */
  private async submitIn(
    tx: EntityManager,
    author: CheckInAuthor,
    assignmentId: string,
    input: SubmitCheckInInput,
    expectedOccurrenceId?: string,
  ): Promise<CheckInView> {
    const now = this.clock.now();
    let target = await checkInsRepository.lockSubmitTarget(
      tx,
      author.clinicId,
      assignmentId,
      author.userId,
      input.occurrenceAt,
    );
    // Only the couple's own partners answer its homework (the API route is for clients only, too);
    // an assignment given to the other partner does not exist for this one (the same 404).
    if (!target || !target.is_partner || (target.assignee_id !== null && target.assignee_id !== author.userId))
      throw DomainException.notFound('Assignment');
    if (target.status === 'cancelled')
      throw new DomainException('unprocessable', 'This assignment was cancelled by your therapist');
    if (target.couple_status === 'closed')
      throw new DomainException('unprocessable', "Your couple's therapy is closed; check-ins are no longer taken");
    if (target.occurrence_id === null) {
      const created = await materialiseOccurrences(tx, author.clinicId, target.id, horizonEnd(now), now);
      if (created > 0)
        target = await checkInsRepository.lockSubmitTarget(
          tx,
          author.clinicId,
          assignmentId,
          author.userId,
          input.occurrenceAt,
        );
    }
    const assignment = target!;
    const occurrence =
      assignment.occurrence_id === null
        ? null
        : {
            id: assignment.occurrence_id,
            partner_id: assignment.partner_id,
            due_at: assignment.due_at!,
            closes_at: assignment.closes_at!,
            opens_at: assignment.opens_at!,
            late_after: assignment.late_after!,
          };
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
    const window = checkInWindow(
      {
        dueAt: occurrence.due_at,
        opensAt: occurrence.opens_at,
        lateAfter: occurrence.late_after,
        closesAt: occurrence.closes_at,
      },
      now,
    );
    if (window.isTooEarly) {
      throw new DomainException(
        'unprocessable',
        `This occurrence opens for check-ins at ${occurrence.opens_at.toISOString()}`,
        {
          errors: [
            {
              field: 'occurrenceAt',
              message:
                'the occurrence is not open yet (a recurring exercise opens 24 hours before each due time; see opensAt)',
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
      assignment.mode === 'joint'
        ? 'Your couple has already checked in for this occurrence'
        : 'You have already checked in for this occurrence';
    // Kept by the check-in trigger and read under the assignment's lock; the insert's conflict check stays the guarantee.
    if (assignment.has_check_in) throw new DomainException('conflict', duplicate);

    const problems = validateAnswers(assignment.form, input.answers);
    if (problems.length)
      throw new DomainException('invalid', 'The answers do not fit the check-in form', { errors: problems });
    const answers = input.answers as Answers;
    const score = scoreAnswers(assignment.scoring, answers);
    // Private to its partner (the safety check, anything given to one partner): never shared.
    const visibility: CheckInVisibility = isAlwaysPrivate({
      partner_id: assignment.assignee_id,
      scoring: assignment.scoring,
    })
      ? 'private'
      : input.visibility;
    const checkInId = newId();
    const eventId = newId();
    // With the check-in, in one statement: its reminders settled (the sender would skip them at
    // send time anyway), the audit row, the progress refresh (alerts such as a trust drop open
    // without waiting for a therapist to read progress) and the checkin.submitted event.
    const id = await checkInsRepository.insertSubmitted(
      tx,
      {
        clinicId: author.clinicId,
        id: checkInId,
        occurrenceId: occurrence.id,
        assignmentId: assignment.id,
        coupleId: assignment.couple_id,
        authorId: author.userId,
        answers,
        score,
        visibility,
        isLate: window.isLate,
        submittedAt: now,
      },
      {
        audit: { id: newId(), requestId: author.requestId, ip: author.ip },
        refreshJob: outboxRowOf(author.clinicId, {
          name: JobName.ProgressRefresh,
          data: { clinicId: author.clinicId, coupleId: assignment.couple_id },
        }),
        event: {
          id: eventId,
          data: {
            checkInId,
            assignmentId: assignment.id,
            occurrenceId: occurrence.id,
            coupleId: assignment.couple_id,
            partnerId: author.userId,
          },
          fanoutJob: outboxRowOf(author.clinicId, {
            name: JobName.WebhookFanout,
            data: { clinicId: author.clinicId, eventId },
          }),
        },
      },
    );
    if (!id) throw new DomainException('conflict', duplicate);
    if (assignment.schedule_type === 'once') await this.completeIfAllDone(tx, author.clinicId, assignment.id);
    // A safety concern opens its alert and plans the therapist's notice in this transaction.
    const { crisisResources } = await this.hooks.checkedIn(tx, {
      clinicId: author.clinicId,
      coupleId: assignment.couple_id,
      checkInId: id,
      authorId: author.userId,
      score,
      now,
    });
    // The row as written: no read-back.
    const view: CheckInView = {
      id,
      assignmentId: assignment.id,
      coupleId: assignment.couple_id,
      occurrenceAt: occurrence.due_at,
      partnerId: occurrence.partner_id,
      authorId: author.userId,
      answers,
      score,
      visibility,
      isLate: window.isLate,
      submittedAt: now,
    };
    // Tells the author when the other partner will see a reveal-together answer (there is none to
    // tell of a private one, or without reveal-together: no statement for those).
    const reveal =
      visibility === 'shared' && assignment.reveal_together
        ? await checkInsRepository.revealOf(tx, author.clinicId, id, now)
        : null;
    // Only in the author's own answer to their submission: never on a list the other partner reads.
    return {
      ...view,
      ...(crisisResources === null ? {} : { crisisResources }),
      ...(reveal === null ? {} : { reveal }),
    };
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
        this.clock.now(),
      );
      return this.pageAudited(tx, principal, rows, query.limit);
    });
  }

  /**
   * A partner's own check-ins plus the other partner's shared ones — never the other's private
   * ones, nor a reveal-together one before it is revealed (the reader rule is applied in the
   * query itself).
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
        this.clock.now(),
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
