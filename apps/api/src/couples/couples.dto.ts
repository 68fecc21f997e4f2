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
  @ApiPropertyOptional({ type: String, example: 'Rivera–Chen', nullable: true, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  label?: string | null;
  @ApiPropertyOptional({
    enum: STATUSES,
    description: 'A paused or closed couple gets no new occurrences or reminders',
  })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Admins only: move the couple to another therapist (audited; needs reassignmentReason)',
  })
  @IsOptional()
  @IsUUID()
  therapistId?: string;
  @ApiPropertyOptional({
    example: 'Theo is on leave until March',
    description:
      "Required when therapistId moves the couple: kept in the couple's reassignment history, which the previous " +
      'therapist can read (GET /v1/couples/{id}/reassignments)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reassignmentReason?: string;
}

export class ReassignmentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) fromTherapistId: string;
  @ApiProperty({ format: 'uuid' }) toTherapistId: string;
  @ApiProperty({ example: 'Theo is on leave until March' }) reason: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The admin who moved the couple' })
  byUserId: string | null;
  @ApiProperty({ description: 'The new therapist had joined the clinic less than 7 days before' })
  isNewStaff: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
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
  @ApiPropertyOptional({
    description:
      'Single-use link for this partner to set a password (7 days). Development only (INVITATION_LINKS_IN_RESPONSES): ' +
      "in production the link goes only to the partner's email. Shown once: an Idempotency-Key replay answers without it.",
  })
  invitationUrl?: string;
}

export class CoupleResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, example: 'Rivera–Chen' }) label: string | null;
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

class ExportCoupleRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) label: string | null;
  @ApiProperty({ format: 'uuid' }) therapistId: string;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt: Date;
}

class ExportPartnerRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() email: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone: string;
  @ApiProperty({ example: 'en' }) locale: string;
  @ApiProperty({ type: String, nullable: true, example: '21:00:00' }) quietHoursStart: string | null;
  @ApiProperty({ type: String, nullable: true, example: '08:00:00' }) quietHoursEnd: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt: Date | null;
}

class ExportAssignmentRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) exerciseId: string;
  @ApiProperty({ type: 'integer' }) exerciseVersion: number;
  @ApiProperty() title: string;
  @ApiProperty({ type: String, nullable: true }) instructions: string | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      "The one partner a single-partner assignment (the safety check) is for, or null for both. Its occurrences and check-ins are that partner's alone: leave them out of what the other partner receives.",
  })
  partnerId: string | null;
  @ApiProperty({ enum: ['once', 'recurring'] }) scheduleType: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) dueAt: Date | null;
  @ApiProperty({ type: String, nullable: true }) rrule: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2025-03-01' }) startsOn: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2025-05-31' }) until: string | null;
  @ApiProperty() status: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Reminder settings as set' })
  reminders: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
}

class ExportOccurrenceRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) assignmentId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for a joint occurrence' })
  partnerId: string | null;
  @ApiProperty({ format: 'date-time' }) dueAt: Date;
  @ApiProperty({ format: 'date-time' }) closesAt: Date;
}

class ExportCheckInRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) occurrenceId: string;
  @ApiProperty({ format: 'uuid' }) assignmentId: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Answers keyed by form field id' })
  answers: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Score of a measure' })
  score: Record<string, unknown> | null;
  @ApiProperty({ enum: ['private', 'shared'] }) visibility: string;
  @ApiProperty() isLate: boolean;
  @ApiProperty({ format: 'date-time' }) submittedAt: Date;
}

class ExportSessionRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) therapistId: string;
  @ApiProperty({ format: 'date-time' }) startsAt: Date;
  @ApiProperty({ format: 'date-time' }) endsAt: Date;
  @ApiProperty() status: string;
  @ApiProperty({ type: String, nullable: true, description: 'Therapist notes' }) notes: string | null;
  @ApiProperty({ type: String, nullable: true }) source: string | null;
  @ApiProperty({ type: String, nullable: true }) externalId: string | null;
}

class ExportAlertRecord {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) partnerId: string | null;
  @ApiProperty() kind: string;
  @ApiProperty({ format: 'date-time' }) windowStart: Date;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The figures that opened the alert' })
  detail: Record<string, unknown>;
  @ApiProperty() status: string;
  @ApiProperty({ format: 'date-time' }) openedAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acknowledgedAt: Date | null;
}

export class CoupleExportResponse {
  @ApiProperty({ format: 'date-time' }) exportedAt: Date;
  @ApiProperty({ type: ExportCoupleRecord }) couple: Record<string, unknown>;
  @ApiProperty({ type: [ExportPartnerRecord] }) partners: Record<string, unknown>[];
  @ApiProperty({ type: [ExportAssignmentRecord] }) assignments: Record<string, unknown>[];
  @ApiProperty({ type: [ExportOccurrenceRecord] }) occurrences: Record<string, unknown>[];
  @ApiProperty({ type: [ExportCheckInRecord], description: 'Every check-in with its answers, private ones included' })
  checkIns: Record<string, unknown>[];
  @ApiProperty({ type: [ExportSessionRecord], description: 'Sessions with therapist notes' })
  sessions: Record<string, unknown>[];
  @ApiProperty({ type: [ExportAlertRecord] }) alerts: Record<string, unknown>[];
}
