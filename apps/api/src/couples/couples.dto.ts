import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';

import { PageQuery } from '../http/pagination.dto.js';
import { IsIanaTimeZone } from '../http/validators.js';

const STATUSES = ['active', 'paused', 'closed'] as const;

export class PartnerRequest {
  @ApiProperty({ example: 'Jordan Rivera' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty({ example: 'jordan@example.com' }) @IsEmail() @MaxLength(254) email: string;
  @ApiProperty({ example: 'America/New_York', description: 'IANA zone; homework is due in this zone' })
  @IsIanaTimeZone()
  timezone: string;
}

export class CreateCoupleRequest {
  @ApiPropertyOptional({ example: 'Rivera–Chen', description: 'A label for the caseload (avoid clinical detail)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  label?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for admins; therapists always create for themselves' })
  @IsOptional()
  @IsUUID()
  therapistId?: string;

  @ApiProperty({ type: [PartnerRequest], minItems: 1, maxItems: 2 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => PartnerRequest)
  partners: PartnerRequest[];
}

export class UpdateCoupleRequest {
  @ApiPropertyOptional({ example: 'Rivera–Chen', nullable: true }) @IsOptional() @IsString() @Length(0, 200) label?:
    string | null;
  @ApiPropertyOptional({
    enum: STATUSES,
    description: 'A paused or closed couple gets no new occurrences or reminders',
  })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];
  @ApiPropertyOptional({ format: 'uuid', description: 'Admins only: move the couple to another therapist (audited)' })
  @IsOptional()
  @IsUUID()
  therapistId?: string;
}

export class ListCouplesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: (typeof STATUSES)[number];
  @ApiPropertyOptional({ format: 'uuid', description: "Admins: one therapist's caseload" })
  @IsOptional()
  @IsUUID()
  therapistId?: string;
}

export class PartnerResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Jordan Rivera' }) name: string;
  @ApiProperty({ example: 'jordan@example.com' }) email: string;
  @ApiProperty({ example: 'America/New_York' }) timezone: string;
  @ApiProperty({ enum: ['invited', 'active', 'disabled'] }) status: string;
}

export class CreatedPartnerResponse extends PartnerResponse {
  @ApiProperty({ description: 'Single-use link for this partner to set a password (7 days)' }) invitationUrl: string;
}

export class CoupleResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({ nullable: true, example: 'Rivera–Chen' }) label: string | null;
  @ApiProperty({ format: 'uuid' }) therapistId: string;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty({ type: [PartnerResponse] }) partners: PartnerResponse[];
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt: Date;
}

export class CreatedCoupleResponse extends CoupleResponse {
  @ApiProperty({ type: [CreatedPartnerResponse] }) declare partners: CreatedPartnerResponse[];
}

export class CouplePageResponse {
  @ApiProperty({ type: [CoupleResponse] }) data: CoupleResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class CoupleExportResponse {
  @ApiProperty({ format: 'date-time' }) exportedAt: Date;
  @ApiProperty({ type: Object }) couple: Record<string, unknown>;
  @ApiProperty({ type: [Object] }) partners: Record<string, unknown>[];
  @ApiProperty({ type: [Object] }) assignments: Record<string, unknown>[];
  @ApiProperty({ type: [Object] }) occurrences: Record<string, unknown>[];
  @ApiProperty({ type: [Object], description: 'Every check-in with its answers, private ones included' })
  checkIns: Record<string, unknown>[];
  @ApiProperty({ type: [Object], description: 'Sessions with therapist notes' }) sessions: Record<string, unknown>[];
  @ApiProperty({ type: [Object] }) alerts: Record<string, unknown>[];
}
