import { Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { Clock, DomainException, type UserPrincipal } from '@mend/core';
import { canReach, loadCouple, requireCouple } from '@mend/couples';
import { TenantDatabase } from '@mend/database';
import { ensureHorizon } from '@mend/homework';
import { planAlertNotices } from '@mend/reminders';

import { chartNames, renderProgressChart } from './progress.chart.js';
import { computeProgress, type ProgressComputation, type ProgressInput, type SessionFact } from './progress.compute.js';
import { progressRepository, type AlertRow } from './progress.repository.js';
import { dailySeries, readerZone } from './progress.series.js';
import { CHART_DAYS, toAlertView, toWindowView, type AlertView, type ProgressReportView } from './progress.views.js';
import { reliableChangesOf } from './reliable-change.js';
import { clinicSafetySettings } from './safety-settings.js';

interface LoadedProgress {
  input: ProgressInput;
  partners: Array<{ id: string; name: string }>;
  computation: ProgressComputation;
  /** The reader's zone, else the clinic's: the days the charts are drawn in. */
  zone: string;
}

const DAY_MS = 86_400_000;

const ALERT_NAMES: Record<string, string> = {
  trust_drop: 'Trust drop',
  missed_streak: 'Missed check-ins in a row',
  partners_diverging: 'Partners far apart',
  measure_below_cutoff: 'Measure below its cut-off',
  safety_concern: 'Safety concern',
};

/** An alert as the chart marks it: the day it opened, its kind and state (no detail, no content). */
function chartAlert(alert: AlertRow) {
  return {
    at: alert.opened_at,
    label: `${ALERT_NAMES[alert.kind] ?? alert.kind} (${alert.status})`,
    severity: alert.severity,
  };
}

/**
 * How far back the scheduled alert check looks for occurrences that closed unanswered. Passes run
 * every minute; the margin covers a worker restart. Re-checking a couple is idempotent.
 */
export const ALERT_SWEEP_LOOKBACK_MS = 30 * 60_000;

@Injectable()
export class ProgressService {
  private readonly logger = new Logger(ProgressService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * The therapist's progress report: windows cut by completed sessions, per-partner completion,
   * trust and measures, and the couple's alerts. The stored alerts are brought in line with the
   * conditions on the way (opened, or resolved with the reason), so the report never shows a stale one.
   */
  async report(principal: UserPrincipal, coupleId: string): Promise<ProgressReportView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId);
      const now = this.clock.now();
      const loaded = await this.load(tx, principal.clinicId, coupleId, now, principal.userId);
      await progressRepository.syncAlerts(tx, principal.clinicId, coupleId, loaded.computation.conditions, now);
      const alerts = await progressRepository.alertsOfCouple(tx, principal.clinicId, coupleId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'progress.read', 'couple', coupleId));
      const { windows } = loaded.computation;
      const chartFrom = new Date(Math.max(windows[0].start.getTime(), now.getTime() - (CHART_DAYS - 1) * DAY_MS));
      return {
        coupleId,
        generatedAt: now,
        partners: loaded.partners,
        windows: windows.map(toWindowView),
        alerts: alerts.map(toAlertView),
        reliableChange: reliableChangesOf(loaded.input, windows),
        chart: dailySeries(loaded.input, loaded.zone, chartFrom, now),
      };
    });
  }

  /**
   * Each partner's trust pulse and CSI-4 per day, in the reader's zone (the clinic's if the
   * reader has none), as SVG: completed sessions and alerts marked, the CSI-4 cut-off shaded.
   */
  async chart(principal: UserPrincipal, coupleId: string): Promise<string> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId);
      const now = this.clock.now();
      const loaded = await this.load(tx, principal.clinicId, coupleId, now, principal.userId);
      const alerts = await progressRepository.alertsOfCouple(tx, principal.clinicId, coupleId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'progress.chart.read', 'couple', coupleId));
      const names = chartNames(loaded.partners);
      const completed = loaded.input.sessions.filter((s) => s.status === 'completed');
      const day = (at: Date) =>
        DateTime.fromJSDate(at, { zone: loaded.zone }).toFormat('LLL d, yyyy', { locale: 'en-US' });
      return renderProgressChart({
        title: `Progress — ${couple.label ?? 'couple'}`,
        partners: loaded.partners.map((p, i) => ({ id: p.id, firstName: names[i] })),
        series: dailySeries(loaded.input, loaded.zone, loaded.computation.windows[0].start, now),
        sessions: completed.map((s: SessionFact) => ({
          at: s.endsAt,
          label: `Session ${day(s.startsAt)} (completed)`,
        })),
        alerts: alerts.map(chartAlert),
      });
    });
  }

  /**
   * The worker's progress refresh of one couple: its alerts recomputed and, in the same
   * transaction, the therapist notices of new alerts planned (an alert is never stored without its
   * notice). An erased couple leaves nothing to refresh.
   */
  async refreshCouple(clinicId: string, coupleId: string, now: Date): Promise<void> {
    await this.db.withClinic(clinicId, async (tx) => {
      if (!(await loadCouple(tx, clinicId, coupleId))) return;
      await this.refreshAlerts(tx, clinicId, coupleId, now);
      await planAlertNotices(tx, clinicId, coupleId, now);
    });
  }

  /**
   * The scheduled alert check of one clinic: every couple with an occurrence that closed without
   * a check-in since the last passes (ALERT_SWEEP_LOOKBACK_MS), or with a missed streak not yet
   * resolved, is refreshed — so a missed streak opens (and its notice goes out) without waiting
   * for a check-in or a progress read. Each couple in its own transaction: one failure does not
   * stop the others. Answers how many alerts opened.
   */
  async sweepAlerts(clinicId: string, now: Date): Promise<number> {
    const coupleIds = await this.db.withClinic(clinicId, (tx) =>
      progressRepository.couplesToSweep(tx, clinicId, new Date(now.getTime() - ALERT_SWEEP_LOOKBACK_MS), now),
    );
    let opened = 0;
    for (const coupleId of coupleIds) {
      try {
        opened += await this.db.withClinic(clinicId, async (tx) => {
          const count = await this.refreshAlerts(tx, clinicId, coupleId, now);
          await planAlertNotices(tx, clinicId, coupleId, now);
          return count;
        });
      } catch (error) {
        this.logger.error({
          msg: 'alert sweep failed for a couple; the next pass retries',
          clinicId,
          coupleId,
          error: (error instanceof Error ? error.message : String(error)).slice(0, 200),
        });
      }
    }
    return opened;
  }

  /**
   * Brings a couple's alerts in line with the conditions without a reader (after a check-in, and
   * on the worker's schedule, so a missed streak opens even when nothing is submitted): same
   * rules, same store. Runs in the caller's clinic-pinned transaction; answers how many opened.
   */
  async refreshAlerts(tx: EntityManager, clinicId: string, coupleId: string, now: Date): Promise<number> {
    const loaded = await this.load(tx, clinicId, coupleId, now);
    return (await progressRepository.syncAlerts(tx, clinicId, coupleId, loaded.computation.conditions, now)).length;
  }

  async acknowledgeAlert(
    principal: UserPrincipal,
    alertId: string,
    _input: { status: 'acknowledged' },
  ): Promise<AlertView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const alert = await progressRepository.findAlert(tx, principal.clinicId, alertId);
      const couple = alert ? await loadCouple(tx, principal.clinicId, alert.couple_id) : null;
      if (!alert || !couple || !canReach(principal, couple, {})) throw DomainException.notFound('Alert');
      // Acknowledging twice keeps the first acknowledgement (who and when); a resolved alert stays
      // resolved but records that it was seen.
      const row =
        alert.acknowledged_at !== null
          ? alert
          : await progressRepository.acknowledgeAlert(
              tx,
              principal.clinicId,
              alertId,
              principal.userId,
              this.clock.now(),
            );
      await this.audit.record(tx, this.audit.entryFor(principal, 'alert.acknowledge', 'alert', alertId));
      return toAlertView(row);
    });
  }

  private async load(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    now: Date,
    readerId: string | null = null,
  ): Promise<LoadedProgress> {
    // Lay out any occurrence that should exist by now, so a missed one counts even if nothing
    // else has materialised it yet (idempotent; a no-op when the horizon is already ahead).
    await ensureHorizon(tx, clinicId, { coupleId }, now);
    const facts = await progressRepository.facts(tx, clinicId, coupleId, now, readerId);
    const input: ProgressInput = {
      now,
      coupleCreatedAt: facts.createdAt,
      partnerIds: facts.partners.map((p) => p.id),
      sessions: facts.sessions,
      occurrences: facts.occurrences,
      safetyThreshold: clinicSafetySettings(facts.clinicSettings).threshold,
    };
    return {
      input,
      partners: facts.partners,
      computation: computeProgress(input),
      zone: readerZone(facts.readerTimezone, facts.clinicTimezone),
    };
  }
}
