import { Injectable } from '@nestjs/common';

import { Clock, decodeCursor, toPage, type Page, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { caseloadsRepository, RECENT_DAYS } from './caseloads.repository.js';
import { round2 } from './progress.compute.js';
import { classify, CSI4_NORMS, sDiffOf, type ReliableChangeClass } from './reliable-change.js';
import { repairPlanRepository } from './repair-plan.repository.js';

export type CaseloadCoupleStatus = 'active' | 'paused' | 'closed';

export interface CaseloadCoupleView {
  coupleId: string;
  label: string | null;
  status: CaseloadCoupleStatus;
  /** Each partner with their own completion of the last 14 days (individual-mode homework). */
  partners: Array<{ id: string; name: string; recentCompletion: RecentCompletion }>;
  /** When either partner last checked in. */
  lastCheckInAt: Date | null;
  nextSession: { id: string; startsAt: Date; endsAt: Date } | null;
  activeAssignments: number;
  /** Occurrences due in the last 14 days that are closed or done, and how many were checked in. */
  recentCompletion: RecentCompletion;
  openAlerts: number;
  /** The open alerts by severity ('high': a safety concern). */
  openAlertsBySeverity: { high: number; normal: number };
  /** Repair-plan agreements either partner rated low (4 or less) in their latest rating. */
  lowRatedAgreements: number;
  /**
   * Each partner's latest CSI-4 reliable-change class (first score against latest, published
   * norms); a partner with fewer than two CSI-4 scores is not listed. The trust pulse's
   * self-referenced class is in the couple's progress.
   */
  reliableChange: Array<{ partnerId: string; measure: 'csi4'; classification: ReliableChangeClass; rci: number }>;
}

export interface RecentCompletion {
  days: number;
  expected: number;
  completed: number;
  completionRate: number | null;
}

const recentCompletion = (recent = { expected: 0, completed: 0 }): RecentCompletion => ({
  days: RECENT_DAYS,
  expected: recent.expected,
  completed: recent.completed,
  completionRate: recent.expected === 0 ? null : round2(recent.completed / recent.expected),
});

export interface TherapistCaseloadView {
  therapistId: string;
  name: string;
  isDisabled: boolean;
  activeCouples: number;
  pausedCouples: number;
  /**
   * Active couples' occurrences with no check-in whose grace (late_after: the end of the partner's
   * local day of the due time) ended in the last 14 days — closed or still open.
   */
  overdueOccurrences: number;
  /** Of the overdue ones, those already closed (can no longer be checked in on time). */
  missedOccurrences: number;
  openAlerts: number;
  couplesWithOpenAlerts: number;
}

export interface CaseloadQuery {
  status?: CaseloadCoupleStatus;
  limit: number;
  cursor?: string;
}

/**
 * Caseloads for the therapist (their own couples) and the admin (per therapist). Both are
 * aggregates: counts, rates and the next session time — never check-in content or notes.
 */
@Injectable()
export class CaseloadsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly clock: Clock,
  ) {}

  async therapistCaseload(principal: UserPrincipal, query: CaseloadQuery): Promise<Page<CaseloadCoupleView>> {
    const afterId = decodeCursor(query.cursor);
    const statuses = query.status ? [query.status] : ['active', 'paused'];
    const now = this.clock.now();
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couples = await caseloadsRepository.couplesOfTherapist(tx, principal.clinicId, principal.userId, {
        statuses,
        afterId,
        limit: query.limit,
      });
      const ids = couples.slice(0, query.limit).map((c) => c.id);
      const partners = await caseloadsRepository.partners(tx, principal.clinicId, ids);
      const next = await caseloadsRepository.nextSessions(tx, principal.clinicId, ids, now);
      const assignments = await caseloadsRepository.activeAssignments(tx, principal.clinicId, ids);
      const completion = await caseloadsRepository.recentCompletion(tx, principal.clinicId, ids, now);
      const byPartner = await caseloadsRepository.recentCompletionByPartner(tx, principal.clinicId, ids, now);
      const lastCheckIns = await caseloadsRepository.lastCheckIns(tx, principal.clinicId, ids);
      const alerts = await caseloadsRepository.openAlertsBySeverity(tx, principal.clinicId, ids);
      const lowRated = await repairPlanRepository.lowRatedAgreements(tx, principal.clinicId, ids);
      const csi4 = await caseloadsRepository.csi4FirstAndLatest(tx, principal.clinicId, ids);
      const sDiff = sDiffOf(CSI4_NORMS.sd, CSI4_NORMS.reliability);
      return toPage(couples, query.limit, (c): CaseloadCoupleView => {
        const open = alerts.get(c.id) ?? { high: 0, normal: 0 };
        return {
          coupleId: c.id,
          label: c.label,
          status: c.status,
          partners: (partners.get(c.id) ?? []).map((p) => ({
            ...p,
            recentCompletion: recentCompletion(byPartner.get(p.id)),
          })),
          lastCheckInAt: lastCheckIns.get(c.id) ?? null,
          nextSession: next.get(c.id) ?? null,
          activeAssignments: assignments.get(c.id) ?? 0,
          recentCompletion: recentCompletion(completion.get(c.id)),
          openAlerts: open.high + open.normal,
          openAlertsBySeverity: open,
          lowRatedAgreements: lowRated.get(c.id) ?? 0,
          reliableChange: (partners.get(c.id) ?? []).flatMap((p) => {
            const row = csi4.find((r) => r.couple_id === c.id && r.author_id === p.id);
            if (!row || row.scores < 2) return [];
            const judged = classify(row.first, row.latest, sDiff, CSI4_NORMS.cutoff);
            return [
              { partnerId: p.id, measure: 'csi4' as const, classification: judged.class, rci: round2(judged.rci) },
            ];
          }),
        };
      });
    });
  }

  async clinicCaseloads(
    principal: UserPrincipal,
    query: { limit: number; cursor?: string },
  ): Promise<Page<TherapistCaseloadView>> {
    const afterId = decodeCursor(query.cursor);
    const now = this.clock.now();
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const therapists = await caseloadsRepository.clinicCaseloadPage(
        tx,
        principal.clinicId,
        { afterId, limit: query.limit },
        now,
      );
      return toPage(therapists, query.limit, (t): TherapistCaseloadView => ({
        therapistId: t.id,
        name: t.name,
        isDisabled: t.disabled_at !== null,
        activeCouples: t.active,
        pausedCouples: t.paused,
        overdueOccurrences: t.overdue,
        missedOccurrences: t.missed,
        openAlerts: t.alerts,
        couplesWithOpenAlerts: t.alertCouples,
      }));
    });
  }
}
