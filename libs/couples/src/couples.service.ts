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
  type Principal,
  type UserPrincipal,
} from '@mend/core';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';
import { usersRepository, UsersService, type InvitedUser, type UserStatus } from '@mend/identity';

import { canReach, loadCouple, requireCouple, type CoupleStatus } from './couple-access.js';
import { CoupleScheduleHooks } from './couple-schedule.hooks.js';
import { couplesRepository, type CoupleRow, type PartnerRow } from './couples.repository.js';
import { reassignmentsRepository } from './reassignments.repository.js';

export interface PartnerInput {
  name: string;
  email: string;
  timezone: string;
}

export interface CreateCoupleInput {
  label?: string;
  therapistId?: string;
  partners: PartnerInput[];
}

export interface UpdateCoupleInput {
  label?: string | null;
  status?: CoupleStatus;
  therapistId?: string;
  /** Required when therapistId moves the couple: kept in the couple's history and shown to the previous therapist. */
  reassignmentReason?: string;
}

/** A move of the couple to another therapist, as the couple's history shows it. */
export interface ReassignmentView {
  id: string;
  fromTherapistId: string;
  toTherapistId: string;
  reason: string;
  byUserId: string | null;
  /** The new therapist had joined the clinic less than 7 days before (flagged in the audit too). */
  isNewStaff: boolean;
  createdAt: Date;
}

/** A therapist who joined less recently than this is not "new staff" for a reassignment. */
const NEW_STAFF_DAYS = 7;

export interface PartnerView {
  id: string;
  name: string;
  email: string;
  timezone: string;
  status: UserStatus;
}

export interface CoupleView {
  id: string;
  label: string | null;
  therapistId: string;
  status: CoupleStatus;
  partners: PartnerView[];
  createdAt: Date;
  updatedAt: Date;
}

export interface CreatedPartnerView extends PartnerView {
  /** Only where the configuration returns invitation links to the inviter (development). */
  invitationUrl?: string;
}

export interface CreatedCoupleView extends Omit<CoupleView, 'partners'> {
  partners: CreatedPartnerView[];
}

function partnerStatus(row: PartnerRow): UserStatus {
  return row.disabled_at ? 'disabled' : row.password_hash_set ? 'active' : 'invited';
}

@Injectable()
export class CouplesService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly scheduleHooks: CoupleScheduleHooks,
    private readonly clock: Clock,
  ) {}

  /** With an Idempotency-Key, a retry answers the first couple (and its invitation links) instead of a 409. */
  async create(
    principal: UserPrincipal,
    input: CreateCoupleInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<CreatedCoupleView | CoupleView>> {
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/couples',
        body: input,
        statusCode: 201,
        // Invitation links are secrets shown once: a replay answers the couple without them.
        replay: (id) => this.get(principal, id),
      },
      async (tx) => {
        const therapistId = await this.resolveTherapist(tx, principal, input.therapistId);
        const emails = input.partners.map((p) => p.email.trim().toLowerCase());
        if (new Set(emails).size !== emails.length) {
          throw new DomainException('invalid', 'The partners need different email addresses', {
            errors: [{ field: 'partners', message: 'partners need different email addresses' }],
          });
        }
        const coupleId = newId();
        const row = await couplesRepository.insert(
          tx,
          principal.clinicId,
          coupleId,
          input.label?.trim() || null,
          therapistId,
        );
        const partners: CreatedPartnerView[] = [];
        for (const [index, partner] of input.partners.entries()) {
          const invited = await this.users.createInvitedUser(tx, principal, {
            name: partner.name,
            email: partner.email,
            role: 'client',
            timezone: partner.timezone,
          });
          await couplesRepository.insertPartner(tx, principal.clinicId, coupleId, invited.user.id, index + 1);
          partners.push({
            id: invited.user.id,
            name: invited.user.name,
            email: invited.user.email,
            timezone: invited.user.timezone,
            status: invited.user.status,
            ...(invited.invitationUrl ? { invitationUrl: invited.invitationUrl } : {}),
          });
        }
        await this.audit.record(tx, this.audit.entryFor(principal, 'couple.create', 'couple', coupleId));
        return {
          id: row.id,
          label: row.label,
          therapistId: row.therapist_id,
          status: row.status,
          partners,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        };
      },
    );
  }

  private async resolveTherapist(
    tx: EntityManager,
    principal: UserPrincipal,
    therapistId: string | undefined,
  ): Promise<string> {
    if (principal.role === 'therapist') {
      if (therapistId && therapistId !== principal.userId) {
        throw new DomainException(
          'forbidden',
          'Therapists create couples for their own caseload; an admin assigns couples to other therapists',
        );
      }
      return principal.userId;
    }
    if (!therapistId) {
      throw new DomainException('invalid', 'An admin must name the therapist', {
        errors: [{ field: 'therapistId', message: 'therapistId is required for admins' }],
      });
    }
    const therapist = await usersRepository.findById(tx, principal.clinicId, therapistId);
    if (!therapist || therapist.role !== 'therapist' || therapist.disabled_at) {
      throw new DomainException('unprocessable', 'therapistId is not an active therapist of this clinic', {
        errors: [{ field: 'therapistId', message: 'therapistId is not an active therapist of this clinic' }],
      });
    }
    return therapistId;
  }

  /** A fresh invitation link for a partner who has not accepted yet (earlier links stop working). */
  async reinvitePartner(principal: UserPrincipal, coupleId: string, partnerId: string): Promise<InvitedUser> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, { admin: true });
      if (!couple.partnerIds.includes(partnerId)) throw DomainException.notFound('Partner');
      return this.users.reissueInvitationIn(tx, principal, partnerId);
    });
  }

  async list(
    principal: Principal,
    query: { status?: CoupleStatus; therapistId?: string; limit: number; cursor?: string },
  ): Promise<Page<CoupleView>> {
    const after = decodeCursor(query.cursor);
    // Therapists see only their own caseload, whatever filter they send.
    const therapistId =
      principal.kind === 'user' && principal.role === 'therapist' ? principal.userId : query.therapistId;
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const rows = await couplesRepository.list(tx, principal.clinicId, {
        therapistId: therapistId ?? null,
        status: query.status ?? null,
        after: after ?? null,
        limit: query.limit + 1,
      });
      const partners = await this.partnersOf(
        tx,
        principal.clinicId,
        rows.map((r) => r.id),
      );
      return toPage(rows, query.limit, (r) => this.toView(r, partners.get(r.id) ?? []));
    });
  }

  /** Admins and API keys with couples:read reach every couple of the clinic; a therapist their own. */
  async get(principal: Principal, coupleId: string): Promise<CoupleView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { admin: true, apiKey: true });
      return this.view(tx, principal.clinicId, coupleId);
    });
  }

  async update(principal: UserPrincipal, coupleId: string, input: UpdateCoupleInput): Promise<CoupleView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, { admin: true }, { lock: true });
      if (input.therapistId !== undefined && principal.role !== 'admin') {
        throw new DomainException('forbidden', 'Only an admin can move a couple to another therapist');
      }
      const therapistId =
        input.therapistId !== undefined ? await this.resolveTherapist(tx, principal, input.therapistId) : undefined;
      if (therapistId && therapistId !== couple.therapistId && !input.reassignmentReason?.trim()) {
        throw new DomainException('invalid', 'Moving a couple to another therapist needs a reason', {
          errors: [{ field: 'reassignmentReason', message: 'reassignmentReason is required when therapistId changes' }],
        });
      }
      await couplesRepository.update(tx, principal.clinicId, coupleId, {
        label: input.label !== undefined ? input.label?.trim() || null : undefined,
        status: input.status,
        therapistId,
      });
      if (therapistId && therapistId !== couple.therapistId) {
        // Future sessions follow the couple to its new therapist.
        await couplesRepository.reassignFutureSessions(tx, principal.clinicId, coupleId, therapistId);
        await this.recordReassignment(
          tx,
          principal,
          couple.id,
          couple.therapistId,
          therapistId,
          input.reassignmentReason,
        );
      }
      if (input.status && input.status !== couple.status) {
        // A paused or closed couple gets no new occurrences (and so no reminders).
        await this.scheduleHooks.statusChanged(tx, principal.clinicId, coupleId, input.status);
        await this.audit.record(
          tx,
          this.audit.entryFor(
            principal,
            `couple.${input.status === 'active' ? 'activate' : input.status === 'paused' ? 'pause' : 'close'}`,
            'couple',
            coupleId,
          ),
        );
      }
      return this.view(tx, principal.clinicId, coupleId);
    });
  }

  /**
   * Separation of duties: every move is audited with its therapists and a flag when the new one
   * joined in the last 7 days, kept with its reason in the couple's history, and announced to
   * the previous therapist in-app.
   */
  private async recordReassignment(
    tx: EntityManager,
    principal: UserPrincipal,
    coupleId: string,
    fromTherapistId: string,
    toTherapistId: string,
    reason: string | undefined,
  ): Promise<void> {
    const { clinicId } = principal;
    const joinedAt = await reassignmentsRepository.joinedAt(tx, clinicId, toTherapistId);
    const isNewStaff = joinedAt !== null && this.clock.nowMs() - joinedAt.getTime() < NEW_STAFF_DAYS * 86_400_000;
    const reassignmentId = newId();
    await reassignmentsRepository.insert(tx, {
      clinicId,
      id: reassignmentId,
      coupleId,
      fromTherapistId,
      toTherapistId,
      reason: reason!.trim(),
      actorId: principal.userId,
      isNewStaff,
    });
    await reassignmentsRepository.insertNotice(tx, {
      clinicId,
      id: newId(),
      recipientId: fromTherapistId,
      coupleId,
      reassignmentId,
    });
    await this.audit.record(tx, {
      ...this.audit.entryFor(principal, 'couple.reassign', 'couple', coupleId),
      detail: { reassignmentId, fromTherapistId, toTherapistId, isNewStaff },
    });
  }

  /**
   * The couple's reassignment history: for admins, the couple's therapist, and every therapist the
   * couple was moved away from (so they can see when and why it left them). Others get 404.
   */
  async reassignments(principal: UserPrincipal, coupleId: string): Promise<ReassignmentView[]> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await loadCouple(tx, principal.clinicId, coupleId);
      if (!couple) throw DomainException.notFound('Couple');
      const rows = await reassignmentsRepository.listForCouple(tx, principal.clinicId, coupleId);
      const mayRead =
        canReach(principal, couple, { admin: true }) ||
        (principal.role === 'therapist' && rows.some((r) => r.from_therapist_id === principal.userId));
      if (!mayRead) throw DomainException.notFound('Couple');
      return rows.map((r) => ({
        id: r.id,
        fromTherapistId: r.from_therapist_id,
        toTherapistId: r.to_therapist_id,
        reason: r.reason,
        byUserId: r.actor_id,
        isNewStaff: r.is_new_staff,
        createdAt: r.created_at,
      }));
    });
  }

  private async view(tx: EntityManager, clinicId: string, coupleId: string): Promise<CoupleView> {
    const row = await couplesRepository.findById(tx, clinicId, coupleId);
    const partners = await this.partnersOf(tx, clinicId, [coupleId]);
    return this.toView(row!, partners.get(coupleId) ?? []);
  }

  private async partnersOf(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
  ): Promise<Map<string, PartnerRow[]>> {
    const byCouple = new Map<string, PartnerRow[]>();
    if (coupleIds.length === 0) return byCouple;
    const rows = await couplesRepository.partnersOf(tx, clinicId, coupleIds);
    for (const row of rows) byCouple.set(row.couple_id, [...(byCouple.get(row.couple_id) ?? []), row]);
    return byCouple;
  }

  private toView(row: CoupleRow, partners: PartnerRow[]): CoupleView {
    return {
      id: row.id,
      label: row.label,
      therapistId: row.therapist_id,
      status: row.status,
      partners: partners.map((p) => ({
        id: p.id,
        name: p.name,
        email: p.email,
        timezone: p.timezone,
        status: partnerStatus(p),
      })),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Exists for the couple-level read checks of other modules that only need the reference. */
  async exists(tx: EntityManager, clinicId: string, coupleId: string): Promise<boolean> {
    return (await loadCouple(tx, clinicId, coupleId)) !== null;
  }
}
