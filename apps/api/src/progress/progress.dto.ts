import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

import { DEFAULT_REPORT_WINDOWS, MAX_REPORT_WINDOWS } from '@mend/progress';

const ALERT_KINDS = [
  'trust_drop',
  'missed_streak',
  'partners_diverging',
  'measure_below_cutoff',
  'safety_concern',
] as const;

export class AcknowledgeAlertRequest {
  @ApiProperty({
    enum: ['acknowledged'],
    example: 'acknowledged',
    description: 'Alerts move from open to acknowledged, once',
  })
  @IsIn(['acknowledged'])
  status: 'acknowledged';
}

export class ProgressQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_REPORT_WINDOWS,
    default: DEFAULT_REPORT_WINDOWS,
    description: 'How many windows to answer: the latest ones (before `before`, if given)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_REPORT_WINDOWS)
  windows: number = DEFAULT_REPORT_WINDOWS;

  @ApiPropertyOptional({
    minimum: 0,
    example: 88,
    description:
      "Only windows with an index below this: an earlier page ends where the previous answer's first window starts (its index)",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  before?: number;
}

export class CompletionResponse {
  @ApiProperty({
    example: 7,
    description:
      'Occurrences of the window due by now (still open or closed) or already checked in: completion reads from the first due occurrence on',
  })
  expected: number;
  @ApiProperty({ example: 5, description: 'Of those, checked in' }) completed: number;
  @ApiProperty({ example: 1, description: 'Closed without a check-in' }) missed: number;
  @ApiProperty({ example: 1, description: 'Due, still open and not checked in yet' }) pending: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.71,
    description: 'completed / expected (0–1, two decimals); null when nothing was expected',
  })
  completionRate: number | null;
}

export class MeasureScoreResponse {
  @ApiProperty({ format: 'uuid' }) occurrenceId: string;
  @ApiProperty({ example: 'csi4' }) kind: string;
  @ApiProperty({ example: 12, description: 'CSI-4: total 0–21' }) value: number;
  @ApiProperty({ type: Number, nullable: true, example: 13.5 }) cutoff: number | null;
  @ApiProperty({ example: true, description: 'Below the cut-off (CSI-4: indicates relationship distress)' })
  isBelowCutoff: boolean;
  @ApiProperty({ format: 'date-time' }) dueAt: Date;
}

export class PartnerWindowResponse extends CompletionResponse {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ example: 6, description: 'Trust pulse readings in the window' }) trustReadings: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 6.5,
    description: 'Mean trust pulse (0–10); null without readings',
  })
  trustMean: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: -1.5,
    description: "Change from the previous window's mean; null unless both exist",
  })
  trustChange: number | null;
  @ApiProperty({ type: [MeasureScoreResponse] }) measures: MeasureScoreResponse[];
}

export class ProgressWindowResponse {
  @ApiProperty({ example: 0, description: 'Windows are in time order, oldest first' }) index: number;
  @ApiProperty({ format: 'date-time', description: 'Exclusive, except for the first window' }) start: Date;
  @ApiProperty({
    format: 'date-time',
    description: 'Inclusive: the end of the completed session that closed the window, or now',
  })
  end: Date;
  @ApiProperty({ example: false, description: 'The window since the last completed session, still running' })
  isCurrent: boolean;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The completed session that closed this window',
  })
  closedBySessionId: string | null;
  @ApiProperty({ type: [PartnerWindowResponse], description: 'One entry per partner, in partner order' })
  partners: PartnerWindowResponse[];
  @ApiProperty({ type: CompletionResponse, description: 'Joint occurrences (one check-in for the couple)' })
  joint: CompletionResponse;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 1.5,
    description: "Absolute difference between the partners' trust means",
  })
  trustGap: number | null;
}

export class AlertResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'null for couple-level alerts (partners diverging, joint streaks)',
  })
  partnerId: string | null;
  @ApiProperty({
    enum: ALERT_KINDS,
    example: 'trust_drop',
    description:
      "trust_drop: a partner's trust mean fell ≥ 2 points from the previous window; missed_streak: ≥ 3 missed occurrences in a row; partners_diverging: the partners' trust means ≥ 3 apart; measure_below_cutoff: a scored measure (CSI-4) below its cut-off; safety_concern (high severity): a partner's latest safety answer at or below the clinic's threshold",
  })
  kind: string;
  @ApiProperty({ format: 'date-time', description: 'Start of the window in which the alert opened' }) windowStart: Date;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { previousMean: 7.5, mean: 5, drop: 2.5 },
    description: 'Figures behind the alert (scores and counts, never answers)',
  })
  detail: Record<string, unknown>;
  @ApiProperty({ enum: ['normal', 'high'], example: 'normal', description: 'high: a safety concern' })
  severity: string;
  @ApiProperty({
    enum: ['open', 'acknowledged', 'resolved'],
    example: 'open',
    description:
      'open: the condition holds and no one has looked; acknowledged: a therapist saw it, the condition may still hold; ' +
      'resolved: the condition no longer holds (see resolvedReason). One alert per condition is ever not resolved.',
  })
  status: string;
  @ApiProperty({ format: 'date-time' }) openedAt: Date;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) acknowledgedAt: Date | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) acknowledgedBy: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) resolvedAt: Date | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: "In the current window the partners' trust means are 0 apart (below 3)",
    description: 'Why the condition no longer holds',
  })
  resolvedReason: string | null;
}

export class ProgressPartnerResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Jordan Rivera' }) name: string;
}

export class ReliableChangeBandResponse {
  @ApiProperty({ example: 6.94 }) low: number;
  @ApiProperty({ example: 13.06 }) high: number;
}

export class ReliableChangeResponse {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ enum: ['csi4', 'trust_pulse'], example: 'csi4' }) measure: string;
  @ApiProperty({
    enum: ['published_norms', 'self_referenced'],
    example: 'published_norms',
    description:
      "published_norms: the CSI-4's reliability (.94) and cut-off (13.5) as cited from Funk & Rogge (2007), with an assumed SD of 4.5 points (basis says so); self_referenced: the trust pulse's band comes from the partner's own first window",
  })
  reference: string;
  @ApiProperty({
    example:
      'Published norms: reliability 0.94 and cut-off 13.5 as cited from Funk & Rogge (2007); SD 4.5 assumed (not from a source); recovered = reliably improved and at or above 13.5',
    description: 'What the band is built from, in words',
  })
  basis: string;
  @ApiProperty({ example: 10, description: 'CSI-4: the first score; trust pulse: the first window mean' })
  baseline: number;
  @ApiProperty({ format: 'date-time' }) baselineAt: Date;
  @ApiProperty({ type: Number, nullable: true, example: 15, description: 'The latest score (or later window mean)' })
  latest: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) latestAt: Date | null;
  @ApiProperty({ type: Number, nullable: true, example: 5 }) change: number | null;
  @ApiProperty({ example: 1.56, description: 'Standard error of a difference: √2 · SE' }) sDiff: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 3.21,
    description: 'Reliable change index (Jacobson & Truax, 1991): change / sDiff; beyond ±1.96 is reliable',
  })
  rci: number | null;
  @ApiProperty({
    type: ReliableChangeBandResponse,
    description: 'Latest scores inside the band are no reliable change',
  })
  band: ReliableChangeBandResponse;
  @ApiProperty({ type: Number, nullable: true, example: 13.5, description: 'CSI-4 distress cut-off; null for trust' })
  cutoff: number | null;
  @ApiProperty({
    type: String,
    enum: ['recovered', 'improved', 'unchanged', 'deteriorated'],
    nullable: true,
    example: 'recovered',
    description:
      'recovered: reliably improved and moved from below the cut-off to at or above it; null until there is a later score',
  })
  classification: string | null;
}

export class DailyValuesResponse {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'number', nullable: true },
    example: [7, null, 6.5],
    description: 'One per day of `days`; null: no reading that day (drawn as a gap)',
  })
  values: Array<number | null>;
}

export class ProgressChartResponse {
  @ApiProperty({
    example: 'America/New_York',
    description: "The days are in this zone: the reader's, else the clinic's",
  })
  timezone: string;
  @ApiProperty({
    type: [String],
    format: 'date',
    example: ['2026-12-04', '2026-12-05', '2026-12-06'],
    description: 'Consecutive local dates, oldest first, each once (at most the last 42)',
  })
  days: string[];
  @ApiProperty({ type: [DailyValuesResponse], description: "Trust pulse (0–10): the mean of each day's readings" })
  trust: DailyValuesResponse[];
  @ApiProperty({ type: [DailyValuesResponse], description: "CSI-4 (0–21): each day's latest score" })
  csi4: DailyValuesResponse[];
}

export class ProgressReportResponse {
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ format: 'date-time' }) generatedAt: Date;
  @ApiProperty({ type: [ProgressPartnerResponse] }) partners: ProgressPartnerResponse[];
  @ApiProperty({
    type: [ProgressWindowResponse],
    description:
      'Time cut into windows by completed sessions: the latest `windows` of them (before `before`), oldest first',
  })
  windows: ProgressWindowResponse[];
  @ApiProperty({
    example: 83,
    description:
      'How many windows come before the first one answered (0: the answer reaches the first window); ask for them with `before` set to the first answered index',
  })
  earlierWindows: number;
  @ApiProperty({ type: [AlertResponse], description: "All of the couple's stored alerts, newest window first" })
  alerts: AlertResponse[];
  @ApiProperty({
    type: [ReliableChangeResponse],
    description: 'Per partner and measure (CSI-4, trust pulse): reliable change from the baseline',
  })
  reliableChange: ReliableChangeResponse[];
  @ApiProperty({ type: ProgressChartResponse, description: "Daily readings for the chart, in the reader's zone" })
  chart: ProgressChartResponse;
}
