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
import {
  alertsFollow,
  combineAllEvidence,
  computeProgress,
  conditionsFrom,
  cutWindows,
  windowsFromTotals,
  windowTotals,
  type AlertCondition,
  type ProgressComputation,
  type ProgressInput,
  type ProgressWindow,
  type SessionFact,
  type WindowProgress,
  type WindowTotals,
} from './progress.compute.js';
import { progressRepository, type AlertRow } from './progress.repository.js';
import { dailySeries, readerZone, type DailySeries } from './progress.series.js';
import {
  CHART_DAYS,
  DEFAULT_REPORT_WINDOWS,
  toAlertView,
  toWindowView,
  type AlertView,
  type ProgressReportView,
} from './progress.views.js';
import { reliableChanges, type ReliableChange } from './reliable-change.js';
import { clinicSafetySettings } from './safety-settings.js';

/**
 * A progress read bounded by the windows it shows: kept tallies for closed, settled windows
 * (progress_window), occurrences only for the rest and for the chart's days.
 */
interface BoundedProgress {
  partners: Array<{ id: string; name: string }>;
  windows: WindowProgress[];
  conditions: AlertCondition[];
  reliableChange: ReliableChange[];
  chart: DailySeries;
  /** Windows read from kept tallies, and occurrences read (for the logs of a benchmark). */
  keptWindows: number;
  occurrencesRead: number;
}

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
  async report(
    principal: UserPrincipal,
    coupleId: string,
    page: { windows?: number; before?: number } = {},
  ): Promise<ProgressReportView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId);
      const now = this.clock.now();
      const loaded = await this.loadBounded(tx, principal.clinicId, coupleId, now, principal.userId);
      let alerts = await progressRepository.alertsOfCouple(tx, principal.clinicId, coupleId);
      if (!alertsFollow(loaded.conditions, alerts)) {
        await progressRepository.syncAlerts(tx, principal.clinicId, coupleId, loaded.conditions, now);
        alerts = await progressRepository.alertsOfCouple(tx, principal.clinicId, coupleId);
      }
      await this.audit.record(tx, this.audit.entryFor(principal, 'progress.read', 'couple', coupleId));
      // The latest windows before `before` (all of them are computed: the alerts and the reliable
      // change read across windows; only the page is mapped and serialised).
      const end = Math.min(page.before ?? loaded.windows.length, loaded.windows.length);
      const first = Math.max(0, end - (page.windows ?? DEFAULT_REPORT_WINDOWS));
      return {
        coupleId,
        generatedAt: now,
        partners: loaded.partners,
        windows: loaded.windows.slice(first, end).map(toWindowView),
        earlierWindows: first,
        alerts: alerts.map(toAlertView),
        reliableChange: loaded.reliableChange,
        chart: loaded.chart,
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
    const loaded = await this.loadBounded(tx, clinicId, coupleId, now);
    return (await progressRepository.syncAlerts(tx, clinicId, coupleId, loaded.conditions, now)).length;
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

  /**
   * The progress of a couple with work proportional to its windows, not to its check-ins: the
   * same figures as computeProgress over every occurrence (progress.bounded.e2e-spec compares
   * them), from (1) one statement for the couple, its sessions, the kept tallies of closed
   * windows whose occurrences had all settled, and the couple's generation; (2) the occurrences
   * due after the last kept window still cut the same way, or after the chart's first day if
   * that is earlier. Windows are re-cut from the sessions on every read; a kept window counts
   * only if it is cut exactly as now (index, start, end, closing session, partners), so a
   * session completed, cancelled or moved needs no invalidation, and a check-in or occurrence
   * written in a kept window's range deletes it in the writer's transaction (migration
   * AddProgressWindowTotals). Windows that became closed and settled are kept on the way.
   */
  private async loadBounded(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    now: Date,
    readerId: string | null = null,
  ): Promise<BoundedProgress> {
    // Lay out any occurrence that should exist by now (as load() does), asked in the head's own
    // statement: the steady read finds the horizon ahead and saves ensureHorizon's round trip.
    const nowMs = now.getTime();
    // The earliest the occurrences after the kept windows can start once windows are kept: the
    // chart's first day, less the two days below.
    const recentAfter = new Date(nowMs - (CHART_DAYS + 1) * DAY_MS);
    let head = await progressRepository.head(tx, clinicId, coupleId, now, readerId, recentAfter);
    if (head.isHorizonDue && (await ensureHorizon(tx, clinicId, { coupleId }, now)) > 0)
      head = await progressRepository.head(tx, clinicId, coupleId, now, readerId, recentAfter);
    const partnerIds = head.partners.map((p) => p.id);
    const start =
      head.firstDueAt !== null && head.firstDueAt.getTime() < head.createdAt.getTime()
        ? head.firstDueAt
        : head.createdAt;
    const windows = cutWindows({ now, coupleCreatedAt: start, sessions: head.sessions, occurrences: [] });

    const keptByEnd = new Map(head.kept.map((k) => [k.endMs, k]));
    const samePartners = (ids: string[]) =>
      ids.length === partnerIds.length && ids.every((id, i) => id === partnerIds[i]);
    const keptTotals: WindowTotals[] = [];
    for (const w of windows.slice(0, -1)) {
      const k = keptByEnd.get(w.end.getTime());
      const matches =
        k !== undefined &&
        k.index === w.index &&
        k.startMs === w.start.getTime() &&
        k.closedBySessionId === w.closedBySessionId &&
        samePartners(k.partnerIds) &&
        (k.settledAtMs === null || k.settledAtMs <= nowMs);
      if (!matches) break;
      keptTotals.push(k.totals);
    }
    const kept = keptTotals.length;

    const chartFrom = new Date(Math.max(windows[0].start.getTime(), nowMs - (CHART_DAYS - 1) * DAY_MS));
    // The chart's first local day starts up to a day before chartFrom in the reader's zone.
    const after =
      kept === 0 ? null : new Date(Math.min(windows[kept - 1].end.getTime(), chartFrom.getTime() - 2 * DAY_MS));
    const occurrences =
      after !== null && after.getTime() >= recentAfter.getTime()
        ? head.recent.filter((o) => o.dueAt.getTime() > after.getTime())
        : await progressRepository.occurrencesAfter(tx, clinicId, coupleId, now, after);
    const input: ProgressInput = {
      now,
      coupleCreatedAt: start,
      partnerIds,
      sessions: head.sessions,
      occurrences,
      safetyThreshold: clinicSafetySettings(head.clinicSettings).threshold,
    };
    const fresh = windowTotals(input, windows, kept);
    const totals = [...keptTotals, ...fresh];
    const progress = windowsFromTotals(windows, totals);

    // Closed windows whose closing session has ended and whose occurrences have all settled
    // no longer change with time: keep their tallies for the next read.
    const sessionEnds = new Map(head.sessions.map((s) => [s.id, s.endsAt.getTime()]));
    const toKeep: Array<{
      window: ProgressWindow;
      partnerIds: string[];
      settledAtMs: number | null;
      totals: WindowTotals;
    }> = [];
    for (let i = kept; i < windows.length - 1; i++) {
      const endsAt = sessionEnds.get(windows[i].closedBySessionId ?? '');
      if (totals[i].unsettled > 0 || endsAt === undefined || endsAt > nowMs) continue;
      toKeep.push({ window: windows[i], partnerIds, settledAtMs: totals[i].lastUnansweredCloseMs, totals: totals[i] });
    }
    if (toKeep.length > 0)
      await progressRepository.keepWindows(
        tx,
        clinicId,
        coupleId,
        head.generation,
        toKeep,
        windows.slice(0, -1).map((w) => w.end),
      );

    return {
      partners: head.partners,
      windows: progress,
      conditions: conditionsFrom(input, progress, combineAllEvidence(totals.map((t) => t.evidence))),
      reliableChange: reliableChanges(
        partnerIds,
        progress,
        Object.fromEntries(totals[0].partners.map((p) => [p.partnerId, p.trust])),
      ),
      chart: dailySeries(input, readerZone(head.readerTimezone, head.clinicTimezone), chartFrom, now),
      keptWindows: kept,
      occurrencesRead: occurrences.length,
    };
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
