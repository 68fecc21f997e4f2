import {
  round2,
  type AlertKind,
  type AlertSeverity,
  type CompletionStats,
  type MeasureScore,
  type PartnerWindowProgress,
  type WindowProgress,
} from './progress.compute.js';
import type { AlertRow, AlertStatus } from './progress.repository.js';
import type { DailySeries } from './progress.series.js';
import type { ReliableChange } from './reliable-change.js';

export interface CompletionView {
  expected: number;
  completed: number;
  missed: number;
  /** Due, still open, not checked in yet. */
  pending: number;
  /** 0–1, two decimals; null when nothing was expected. */
  completionRate: number | null;
}

export interface MeasureView {
  occurrenceId: string;
  kind: string;
  value: number;
  cutoff: number | null;
  isBelowCutoff: boolean;
  dueAt: Date;
}

export interface PartnerWindowView extends CompletionView {
  partnerId: string;
  trustReadings: number;
  trustMean: number | null;
  trustChange: number | null;
  measures: MeasureView[];
}

export interface WindowView {
  index: number;
  start: Date;
  end: Date;
  isCurrent: boolean;
  closedBySessionId: string | null;
  partners: PartnerWindowView[];
  joint: CompletionView;
  trustGap: number | null;
}

export interface AlertView {
  id: string;
  coupleId: string;
  partnerId: string | null;
  kind: AlertKind;
  windowStart: Date;
  detail: Record<string, unknown>;
  severity: AlertSeverity;
  status: AlertStatus;
  openedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  /** Why the condition no longer holds (null unless resolved). */
  resolvedReason: string | null;
}

export interface ProgressPartnerView {
  id: string;
  name: string;
}

export interface ProgressReportView {
  coupleId: string;
  generatedAt: Date;
  partners: ProgressPartnerView[];
  /** The page of windows asked for (the latest by default), oldest first. */
  windows: WindowView[];
  /** How many windows come before the first one in `windows` (0: the page reaches the first). */
  earlierWindows: number;
  alerts: AlertView[];
  /** Per partner and measure: reliable change from the baseline (see reliable-change.ts). */
  reliableChange: ReliableChangeView[];
  /** The last CHART_DAYS local days in the reader's zone, as the web chart draws them. */
  chart: DailySeries;
}

export type ReliableChangeView = ReliableChange;

/**
 * How many windows a progress report shows unless asked for more (about three months of weekly
 * sessions), and at most: a two-year couple has ~100, and serialising them all was most of the
 * answer's 64 KB and of the API's work per read. Earlier ones are paged with `before`.
 */
export const DEFAULT_REPORT_WINDOWS = 12;
export const MAX_REPORT_WINDOWS = 200;

/** How many local days the progress report's chart series covers (the web chart's range). */
export const CHART_DAYS = 42;

const roundOrNull = (value: number | null) => (value === null ? null : round2(value));

function toCompletionView(stats: CompletionStats): CompletionView {
  return {
    expected: stats.expected,
    completed: stats.completed,
    missed: stats.missed,
    pending: stats.pending,
    completionRate: roundOrNull(stats.completionRate),
  };
}

function toMeasureView(m: MeasureScore): MeasureView {
  return {
    occurrenceId: m.occurrenceId,
    kind: m.kind,
    value: m.value,
    cutoff: m.cutoff,
    isBelowCutoff: m.isBelowCutoff,
    dueAt: m.dueAt,
  };
}

function toPartnerWindowView(p: PartnerWindowProgress): PartnerWindowView {
  return {
    partnerId: p.partnerId,
    ...toCompletionView(p),
    trustReadings: p.trustReadings,
    trustMean: roundOrNull(p.trustMean),
    trustChange: roundOrNull(p.trustChange),
    measures: p.measures.map(toMeasureView),
  };
}

export function toWindowView(w: WindowProgress): WindowView {
  return {
    index: w.index,
    start: w.start,
    end: w.end,
    isCurrent: w.isCurrent,
    closedBySessionId: w.closedBySessionId,
    partners: w.partners.map(toPartnerWindowView),
    joint: toCompletionView(w.joint),
    trustGap: roundOrNull(w.trustGap),
  };
}

export function toAlertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    coupleId: row.couple_id,
    partnerId: row.partner_id,
    kind: row.kind,
    windowStart: row.window_start,
    detail: row.detail,
    severity: row.severity,
    status: row.status,
    openedAt: row.opened_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedReason: row.resolved_reason,
  };
}
