import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { AGREEMENT_FREQUENCIES, LOW_KEPT_RATING, MAX_AGREEMENTS, type AgreementFrequency } from '@mend/progress';

import { PageQuery } from '../http/pagination.dto.js';

const FREQUENCY_DESCRIPTION =
  'How often it is kept: daily, several_times_a_week, weekly, each_session (around each session) or when_it_comes_up (each time the situation arises)';

export class AgreementRequest {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'An agreement of the current plan to keep (changed if its fields differ); leave out to add a new one',
  })
  @IsOptional()
  @IsUUID()
  id?: string;

  @ApiProperty({
    example: 'Tell each other about any spending over 100 EUR the same day.',
    minLength: 1,
    maxLength: 500,
    description: 'What was agreed, in the words the couple and therapist chose',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The partner who keeps it; null: both partners keep it',
  })
  @ValidateIf((a: AgreementRequest) => a.partnerId !== null)
  @IsUUID()
  partnerId: string | null;

  @ApiProperty({ enum: AGREEMENT_FREQUENCIES, example: 'weekly', description: FREQUENCY_DESCRIPTION })
  @IsIn(AGREEMENT_FREQUENCIES as readonly string[])
  frequency: AgreementFrequency;
}

export class UpdateRepairPlanRequest {
  @ApiProperty({
    example: 3,
    minimum: 0,
    description: 'The version you edited (0 for a first plan); if the plan changed since, the answer is 409',
  })
  @IsInt()
  @Min(0)
  baseVersion: number;

  @ApiProperty({
    type: [AgreementRequest],
    maxItems: MAX_AGREEMENTS,
    description: 'The whole plan in reading order: agreements left out are removed (their ratings stay readable)',
  })
  @IsArray()
  @ArrayMaxSize(MAX_AGREEMENTS)
  @ValidateNested({ each: true })
  @Type(() => AgreementRequest)
  agreements: AgreementRequest[];
}

export class AgreementResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Tell each other about any spending over 100 EUR the same day.' }) text: string;
  @ApiProperty({
    enum: ['both', 'partner'],
    description: 'both: both partners keep it; partner: the one named by partnerId',
  })
  keptBy: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) partnerId: string | null;
  @ApiProperty({ enum: AGREEMENT_FREQUENCIES, description: FREQUENCY_DESCRIPTION }) frequency: string;
  @ApiProperty({ example: 1, description: 'The plan version that added it' }) addedInVersion: number;
  @ApiProperty({ example: 2, description: 'The plan version that last changed it' }) changedInVersion: number;
}

export class RepairPlanResponse {
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ example: 2, description: '0 while there is no plan yet' }) version: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) changedAt: Date | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The therapist who wrote this version' })
  changedBy: string | null;
  @ApiProperty({ type: [AgreementResponse] }) agreements: AgreementResponse[];
}

export class PlanChangeResponse {
  @ApiProperty({ format: 'uuid' }) agreementId: string;
  @ApiProperty({ enum: ['added', 'changed', 'removed'] }) change: string;
}

export class RepairPlanVersionResponse extends RepairPlanResponse {
  @ApiProperty({ type: [PlanChangeResponse], description: 'What this version changed (empty: only the order)' })
  changes: PlanChangeResponse[];
}

export class RepairPlanVersionListResponse {
  @ApiProperty({ type: [RepairPlanVersionResponse], description: 'Newest first (at most 200)' })
  data: RepairPlanVersionResponse[];
}

export class AgreementRatingRequest {
  @ApiProperty({ format: 'uuid', description: 'An agreement of the current plan' })
  @IsUUID()
  agreementId: string;

  @ApiProperty({ example: 7, minimum: 0, maximum: 10, description: 'How well it was kept: 0 not at all, 10 fully' })
  @IsInt()
  @Min(0)
  @Max(10)
  kept: number;

  @ApiProperty({ example: true, description: 'Whether the agreement still fits' })
  @IsBoolean()
  stillFits: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 2000,
    example: 'It helped, but the amount feels too low now.',
    description: 'Your own words; your therapist reads them, your partner does not',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string | null;
}

export class RateAgreementsRequest {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Rate at a completed session of your couple; leave out to rate your current week (Monday to Sunday, your zone)',
  })
  @IsOptional()
  @IsUUID()
  sessionId?: string;

  @ApiProperty({ type: [AgreementRatingRequest], minItems: 1, maxItems: MAX_AGREEMENTS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_AGREEMENTS)
  @ValidateNested({ each: true })
  @Type(() => AgreementRatingRequest)
  ratings: AgreementRatingRequest[];
}

export class WeekPeriodResponse {
  @ApiProperty({ enum: ['week'] }) kind: 'week';
  @ApiProperty({ format: 'date', example: '2026-03-09', description: "Monday of the partner's local week" })
  weekStart: string;
}

export class SessionPeriodResponse {
  @ApiProperty({ enum: ['session'] }) kind: 'session';
  @ApiProperty({ format: 'uuid' }) sessionId: string;
}

@ApiExtraModels(WeekPeriodResponse, SessionPeriodResponse)
export class AgreementRatingResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) agreementId: string;
  @ApiProperty({ format: 'uuid', description: 'The partner who rated' }) partnerId: string;
  @ApiProperty({ example: 2, description: 'The plan version current when it was rated' }) planVersion: number;
  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(WeekPeriodResponse) }, { $ref: getSchemaPath(SessionPeriodResponse) }],
    discriminator: {
      propertyName: 'kind',
      mapping: { week: getSchemaPath(WeekPeriodResponse), session: getSchemaPath(SessionPeriodResponse) },
    },
    description: 'Rated for a week of the partner, or at a completed session; rating the same period again replaces it',
  })
  period: WeekPeriodResponse | SessionPeriodResponse;
  @ApiProperty({ example: 7, minimum: 0, maximum: 10 }) kept: number;
  @ApiProperty({ example: true }) stillFits: boolean;
  @ApiProperty({ type: String, nullable: true, description: "The partner's own words (therapist and author only)" })
  note: string | null;
  @ApiProperty({ format: 'date-time' }) ratedAt: Date;
}

export class AgreementRatingListResponse {
  @ApiProperty({ type: [AgreementRatingResponse] }) data: AgreementRatingResponse[];
}

export class AgreementRatingPageResponse {
  @ApiProperty({ type: [AgreementRatingResponse] }) data: AgreementRatingResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ListAgreementRatingsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only ratings of this agreement' })
  @IsOptional()
  @IsUUID()
  agreementId?: string;
}

export class PartnerRatingSeriesResponse {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ type: [AgreementRatingResponse], description: 'Oldest first' }) ratings: AgreementRatingResponse[];
  @ApiProperty({ type: AgreementRatingResponse, nullable: true }) latest: AgreementRatingResponse | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 3,
    description: 'Latest minus first kept rating; null with fewer than two ratings',
  })
  change: number | null;
  @ApiProperty({
    type: String,
    enum: ['improving', 'steady', 'declining'],
    nullable: true,
    description: 'improving / declining: the change is 2 points or more up / down; null with fewer than two ratings',
  })
  trend: string | null;
}

export class AgreementProgressResponse {
  @ApiProperty({ type: AgreementResponse, description: 'As the latest version holding it wrote it' })
  agreement: AgreementResponse;
  @ApiProperty({ example: false, description: 'Removed from the plan' }) isRetired: boolean;
  @ApiProperty({
    example: false,
    description: `Either partner's latest rating is ${LOW_KEPT_RATING} or lower (agreements still in the plan)`,
  })
  isLow: boolean;
  @ApiProperty({ example: false, description: "Either partner's latest rating says it no longer fits" })
  needsReview: boolean;
  @ApiProperty({ type: [PartnerRatingSeriesResponse] }) partners: PartnerRatingSeriesResponse[];
}

export class RepairPlanProgressResponse {
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ example: 2 }) version: number;
  @ApiProperty({ example: LOW_KEPT_RATING, description: 'A latest rating at or below this flags the agreement' })
  lowThreshold: number;
  @ApiProperty({ type: [AgreementProgressResponse], description: 'Agreements in plan order, then removed ones' })
  agreements: AgreementProgressResponse[];
}
