import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { PageQuery } from '../http/pagination.dto.js';

const COUPLE_STATUSES = ['active', 'paused', 'closed'] as const;

export class CaseloadQuery extends PageQuery {
  @ApiPropertyOptional({ enum: COUPLE_STATUSES, description: 'Default: active and paused couples' })
  @IsOptional()
  @IsIn(COUPLE_STATUSES)
  status?: (typeof COUPLE_STATUSES)[number];
}

export class OpenAlertsBySeverityResponse {
  @ApiProperty({ example: 0, description: 'Safety concerns' }) high: number;
  @ApiProperty({ example: 1 }) normal: number;
}

export class NextSessionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time', example: '2026-03-09T22:00:00.000Z' }) startsAt: Date;
  @ApiProperty({ format: 'date-time', example: '2026-03-09T22:50:00.000Z' }) endsAt: Date;
}

export class RecentCompletionResponse {
  @ApiProperty({ example: 14 }) days: number;
  @ApiProperty({
    example: 20,
    description:
      'Occurrences due in the last `days` days that are closed or checked in, and those checked in ahead of their due time',
  })
  expected: number;
  @ApiProperty({ example: 17 }) completed: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.85,
    description: 'completed / expected (0–1); null when nothing was expected',
  })
  completionRate: number | null;
}

export class CaseloadPartnerResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Jordan Rivera' }) name: string;
  @ApiProperty({
    type: RecentCompletionResponse,
    description: "This partner's own homework of the last 14 days (joint homework counts in the couple's figure only)",
  })
  recentCompletion: RecentCompletionResponse;
}

export class CaseloadReliableChangeResponse {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ enum: ['csi4'], example: 'csi4' }) measure: string;
  @ApiProperty({
    enum: ['recovered', 'improved', 'unchanged', 'deteriorated'],
    example: 'improved',
    description:
      'Jacobson & Truax (1991) from the first to the latest CSI-4 score, published norms (Funk & Rogge, 2007); recovered: reliably improved and from below 13.5 to at or above it',
  })
  classification: string;
  @ApiProperty({ example: 2.57, description: 'Reliable change index; beyond ±1.96 is reliable' }) rci: number;
}

export class CaseloadCoupleResponse {
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ type: String, nullable: true, example: 'Rivera–Chen' }) label: string | null;
  @ApiProperty({ enum: COUPLE_STATUSES, example: 'active' }) status: string;
  @ApiProperty({ type: [CaseloadPartnerResponse] }) partners: CaseloadPartnerResponse[];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-03-08T01:12:00.000Z',
    description: 'When either partner last checked in',
  })
  lastCheckInAt: Date | null;
  @ApiProperty({ type: NextSessionResponse, nullable: true, description: 'The next scheduled session, if any' })
  nextSession: NextSessionResponse | null;
  @ApiProperty({ example: 2 }) activeAssignments: number;
  @ApiProperty({ type: RecentCompletionResponse }) recentCompletion: RecentCompletionResponse;
  @ApiProperty({ example: 1 }) openAlerts: number;
  @ApiProperty({ type: OpenAlertsBySeverityResponse }) openAlertsBySeverity: OpenAlertsBySeverityResponse;
  @ApiProperty({
    example: 1,
    description:
      'Agreements of the repair plan either partner rated 4 or less (of 10) in their latest rating; see GET /v1/couples/{id}/repair-plan/progress',
  })
  lowRatedAgreements: number;
  @ApiProperty({
    type: [CaseloadReliableChangeResponse],
    description:
      "Each partner's latest CSI-4 reliable-change class (partners with fewer than two scores are not listed)",
  })
  reliableChange: CaseloadReliableChangeResponse[];
}

export class CaseloadPageResponse {
  @ApiProperty({ type: [CaseloadCoupleResponse] }) data: CaseloadCoupleResponse[];
  @ApiProperty({ nullable: true, type: String, example: null }) nextCursor: string | null;
}

export class TherapistCaseloadResponse {
  @ApiProperty({ format: 'uuid' }) therapistId: string;
  @ApiProperty({ example: 'Theo Therapist' }) name: string;
  @ApiProperty({ example: false }) isDisabled: boolean;
  @ApiProperty({ example: 18 }) activeCouples: number;
  @ApiProperty({ example: 2 }) pausedCouples: number;
  @ApiProperty({
    example: 9,
    description:
      "Occurrences of active couples without a check-in whose grace ended in the last 14 days — missed (closed) or still open. The grace (each occurrence's lateAfter) runs to the end of the partner's local day of the due time; before it ends an occurrence is not overdue.",
  })
  overdueOccurrences: number;
  @ApiProperty({ example: 6, description: 'Of the overdue occurrences, those already closed' })
  missedOccurrences: number;
  @ApiProperty({ example: 3, description: 'Open (unacknowledged) alerts of active and paused couples' })
  openAlerts: number;
  @ApiProperty({ example: 2, description: 'Couples with at least one open alert (couples at risk)' })
  couplesWithOpenAlerts: number;
}

export class TherapistCaseloadPageResponse {
  @ApiProperty({ type: [TherapistCaseloadResponse] }) data: TherapistCaseloadResponse[];
  @ApiProperty({ nullable: true, type: String, example: null }) nextCursor: string | null;
}
