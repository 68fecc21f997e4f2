import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { Clock, decodeCursor, DomainException, newId, toPage, type Page, type UserPrincipal } from '@mend/core';
import { requireCouple, type CoupleRef } from '@mend/couples';
import { TenantDatabase } from '@mend/database';
import { planPlanRatingReminders } from '@mend/reminders';

import { isRatedLow, nextPlan, ratingSeries, type AgreementDraft } from './repair-plan.compute.js';
import { repairPlanRepository } from './repair-plan.repository.js';
import {
  LOW_KEPT_RATING,
  MAX_AGREEMENTS,
  type AgreementProgressView,
  type AgreementRatingView,
  type RatingPeriod,
  type RepairPlanProgressView,
  type RepairPlanVersionView,
  type RepairPlanView,
} from './repair-plan.views.js';

export interface UpdateRepairPlanInput {
  /** The version the therapist edited; another change since then answers 409. 0 for a first plan. */
  baseVersion: number;
  agreements: AgreementDraft[];
}

export interface RateAgreementsInput {
  /** Rate at a completed session of the couple; without it, the partner's current local week. */
  sessionId?: string;
  ratings: Array<{ agreementId: string; kept: number; stillFits: boolean; note?: string | null }>;
}

export interface RatingsQuery {
  agreementId?: string;
  limit: number;
  cursor?: string;
}

/** How many versions one read returns: plans change a few times over a therapy, not hundreds. */
const MAX_VERSIONS = 200;

const unprocessable = (field: string, message: string, detail = message) =>
  new DomainException('unprocessable', detail, { errors: [{ field, message }] });

function planOf(coupleId: string, version: RepairPlanVersionView | null): RepairPlanView {
  return version
    ? {
        coupleId,
        version: version.version,
        changedAt: version.changedAt,
        changedBy: version.changedBy,
        agreements: version.agreements,
      }
    : { coupleId, version: 0, changedAt: null, changedBy: null, agreements: [] };
}

/**
 * The repair plan of a couple: the therapist writes it (each change a new version; old versions
 * stay readable), both partners read all of it and rate how well each agreement was kept — weekly
 * in their own week, and optionally at a completed session. The therapist reads every rating and
 * the trend; a partner reads their own ratings. Admins reach none of it (clinical content).
 * Every read and write is audited.
 */
@Injectable()
export class RepairPlanService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async get(principal: UserPrincipal, coupleId: string): Promise<RepairPlanView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { client: true });
      const plan = planOf(coupleId, await repairPlanRepository.latestVersion(tx, principal.clinicId, coupleId));
      await this.audit.record(tx, this.audit.entryFor(principal, 'repair_plan.read', 'couple', coupleId));
      return plan;
    });
  }

  async versions(principal: UserPrincipal, coupleId: string): Promise<RepairPlanVersionView[]> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { client: true });
      const versions = await repairPlanRepository.versions(tx, principal.clinicId, coupleId, MAX_VERSIONS);
      await this.audit.record(tx, this.audit.entryFor(principal, 'repair_plan.versions.read', 'couple', coupleId));
      return versions;
    });
  }

  /**
   * The therapist sends the whole plan; a new version is written when anything differs. The
   * couple row is locked, so two therapists' edits are versioned one after the other and the
   * second, based on a stale version, is refused rather than silently undoing the first.
   */
  async update(principal: UserPrincipal, coupleId: string, input: UpdateRepairPlanInput): Promise<RepairPlanView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, {}, { lock: true });
      if (couple.status === 'closed')
        throw new DomainException('conflict', 'This couple is closed; reopen it before changing the plan');
      const current = await repairPlanRepository.latestVersion(tx, principal.clinicId, coupleId);
      const currentVersion = current?.version ?? 0;
      if (input.baseVersion !== currentVersion)
        throw new DomainException(
          'conflict',
          `The plan changed since version ${input.baseVersion}; it is at version ${currentVersion} now`,
        );
      this.checkDrafts(couple, current, input.agreements);
      const version = currentVersion + 1;
      const next = nextPlan(current?.agreements ?? [], input.agreements, version, newId);
      if (next.isUnchanged) return planOf(coupleId, current);
      const changedAt = this.clock.now();
      await repairPlanRepository.insertVersion(tx, principal.clinicId, {
        coupleId,
        version,
        agreements: next.agreements,
        changes: next.changes,
        changedBy: principal.userId,
        changedAt,
      });
      // This week's rating reminders, with the plan (the reconciler's pass plans the weeks after).
      await planPlanRatingReminders(tx, principal.clinicId, { coupleId }, changedAt);
      await this.audit.record(tx, this.audit.entryFor(principal, 'repair_plan.update', 'couple', coupleId));
      return { coupleId, version, changedAt, changedBy: principal.userId, agreements: next.agreements };
    });
  }

  /** A partner rates agreements of the current plan for their week (or a completed session); a second rating of the same period replaces the first. */
  async rate(principal: UserPrincipal, coupleId: string, input: RateAgreementsInput): Promise<AgreementRatingView[]> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, { client: true });
      if (couple.status === 'closed')
        throw new DomainException('unprocessable', "Your couple's therapy is closed; ratings are no longer taken");
      const plan = await repairPlanRepository.latestVersion(tx, principal.clinicId, coupleId);
      if (!plan) throw unprocessable('ratings', 'your couple has no repair plan yet');
      const current = new Set(plan.agreements.map((a) => a.id));
      const seen = new Set<string>();
      input.ratings.forEach((r, i) => {
        if (!current.has(r.agreementId))
          throw unprocessable(`ratings[${i}].agreementId`, 'not an agreement of the current plan');
        if (seen.has(r.agreementId))
          throw unprocessable(`ratings[${i}].agreementId`, 'each agreement is rated once per request');
        seen.add(r.agreementId);
      });
      const now = this.clock.now();
      const period = await this.periodOf(tx, principal, coupleId, input.sessionId, now);
      const out: AgreementRatingView[] = [];
      for (const r of input.ratings) {
        const rating = await repairPlanRepository.upsertRating(tx, principal.clinicId, {
          id: newId(),
          coupleId,
          agreementId: r.agreementId,
          partnerId: principal.userId,
          planVersion: plan.version,
          period,
          kept: r.kept,
          stillFits: r.stillFits,
          note: r.note?.trim() || null,
          ratedAt: now,
        });
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, 'repair_plan.rate', 'repair_agreement_rating', rating.id),
        );
        out.push(rating);
      }
      return out;
    });
  }

  /** The therapist reads every rating; a partner their own. Newest first. */
  async ratings(principal: UserPrincipal, coupleId: string, query: RatingsQuery): Promise<Page<AgreementRatingView>> {
    const beforeId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { client: true });
      const rows = await repairPlanRepository.listRatings(tx, principal.clinicId, coupleId, {
        partnerId: principal.role === 'client' ? principal.userId : undefined,
        agreementId: query.agreementId,
        beforeId,
        limit: query.limit,
      });
      const page = toPage(rows, query.limit, (r) => r);
      await this.audit.record(tx, this.audit.entryFor(principal, 'repair_plan.ratings.read', 'couple', coupleId));
      return page;
    });
  }

  /** The therapist's view: per agreement (current ones in plan order, then retired ones), each partner's ratings over time. */
  async progress(principal: UserPrincipal, coupleId: string): Promise<RepairPlanProgressView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId);
      const versions = await repairPlanRepository.versions(tx, principal.clinicId, coupleId, MAX_VERSIONS);
      const ratings = await repairPlanRepository.allRatings(tx, principal.clinicId, coupleId);
      const latest = versions[0];
      const currentIds = new Set((latest?.agreements ?? []).map((a) => a.id));
      // Retired agreements as their last version held them.
      const agreements = [...(latest?.agreements ?? [])];
      for (const version of versions)
        for (const a of version.agreements) if (!agreements.some((b) => b.id === a.id)) agreements.push(a);
      const view: RepairPlanProgressView = {
        coupleId,
        version: latest?.version ?? 0,
        lowThreshold: LOW_KEPT_RATING,
        agreements: agreements.map((agreement): AgreementProgressView => {
          const isCurrent = currentIds.has(agreement.id);
          const partners = couple.partnerIds.map((partnerId) =>
            ratingSeries(
              partnerId,
              ratings.filter((r) => r.agreementId === agreement.id && r.partnerId === partnerId),
            ),
          );
          return {
            agreement,
            isRetired: !isCurrent,
            isLow: isCurrent && isRatedLow(partners),
            needsReview: isCurrent && partners.some((p) => p.latest !== null && !p.latest.stillFits),
            partners,
          };
        }),
      };
      await this.audit.record(tx, this.audit.entryFor(principal, 'repair_plan.progress.read', 'couple', coupleId));
      return view;
    });
  }

  private checkDrafts(couple: CoupleRef, current: RepairPlanVersionView | null, drafts: AgreementDraft[]): void {
    if (drafts.length > MAX_AGREEMENTS) throw unprocessable('agreements', `at most ${MAX_AGREEMENTS} agreements`);
    const existing = new Set((current?.agreements ?? []).map((a) => a.id));
    const seen = new Set<string>();
    drafts.forEach((draft, i) => {
      if (draft.id !== undefined) {
        if (!existing.has(draft.id))
          throw unprocessable(`agreements[${i}].id`, 'not an agreement of the current plan (leave id out to add one)');
        if (seen.has(draft.id)) throw unprocessable(`agreements[${i}].id`, 'an agreement appears once');
        seen.add(draft.id);
      }
      if (draft.partnerId !== null && !couple.partnerIds.includes(draft.partnerId))
        throw unprocessable(`agreements[${i}].partnerId`, 'not a partner of this couple (null: both keep it)');
      if (!draft.text.trim()) throw unprocessable(`agreements[${i}].text`, 'text must not be blank');
    });
  }

  /** The period a rating is for: a completed session of the couple, or the partner's local week (Monday first). */
  private async periodOf(
    tx: EntityManager,
    principal: UserPrincipal,
    coupleId: string,
    sessionId: string | undefined,
    now: Date,
  ): Promise<RatingPeriod> {
    if (sessionId !== undefined) {
      const session = await repairPlanRepository.completedSession(tx, principal.clinicId, coupleId, sessionId);
      if (!session) throw unprocessable('sessionId', 'not a completed session of your couple');
      return { kind: 'session', sessionId };
    }
    const zone = await repairPlanRepository.partnerTimezone(tx, principal.clinicId, principal.userId);
    return { kind: 'week', weekStart: DateTime.fromJSDate(now, { zone }).startOf('week').toISODate()! };
  }
}
