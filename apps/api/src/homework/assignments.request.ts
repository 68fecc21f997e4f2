import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { ASSIGNMENT_STATUSES, type AssignmentStatus, type ScheduleInput } from '@mend/homework';

import { PageQuery } from '../http/pagination.dto.js';
import { IsOffsetDateTime } from '../http/validators.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Documentation of the one-off shape of `schedule`. */
export class OnceScheduleDto {
  @ApiProperty({ enum: ['once'] }) type: 'once';
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2025-03-07T18:00:00-05:00',
    description: 'The due time as one instant for both partners (with offset). Give either dueAt or localDateTime.',
  })
  dueAt?: Date;
  @ApiPropertyOptional({
    example: '2027-03-10T20:00',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$',
    description:
      "The due time as a local date and time (no offset), applied in each partner's own zone (zone: partner): each partner's occurrence is due at 20:00 where they live. A time skipped by a daylight-saving change moves forward.",
  })
  localDateTime?: string;
  @ApiPropertyOptional({
    enum: ['partner'],
    description: "With localDateTime: whose zone it is read in (each partner's own)",
  })
  zone?: 'partner';
}

/** Documentation of the recurring shape of `schedule`. */
export class RecurringScheduleDto {
  @ApiProperty({ enum: ['recurring'] }) type: 'recurring';
  @ApiProperty({
    example: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0',
    description:
      "RFC 5545 RRULE evaluated in each partner's own time zone (joint exercises: the first partner's zone). FREQ is DAILY or WEEKLY; " +
      'BYHOUR (and BYMINUTE) name the local time, at most 4 times a day; INTERVAL, BYDAY (weekdays, no ordinals), COUNT and WKST are allowed. ' +
      'DTSTART, UNTIL and TZID are not: use startsOn and until. A local time skipped by a daylight-saving change moves forward by the gap ' +
      '(02:30 becomes 03:30); a repeated one is due once, at its first occurrence.',
  })
  rrule: string;
  @ApiProperty({
    example: '2025-03-01',
    description: "First local date (in each partner's zone). Nothing is due before the assignment was made.",
  })
  startsOn: string;
  @ApiPropertyOptional({
    type: String,
    format: 'date',
    example: '2025-05-31',
    nullable: true,
    description: 'Last local date, inclusive; open-ended when left out',
  })
  until?: string | null;
}

export const SCHEDULE_SCHEMA = {
  oneOf: [{ $ref: getSchemaPath(OnceScheduleDto) }, { $ref: getSchemaPath(RecurringScheduleDto) }],
  // Without a mapping, generators take the schema names as the discriminator values.
  discriminator: {
    propertyName: 'type',
    mapping: { once: getSchemaPath(OnceScheduleDto), recurring: getSchemaPath(RecurringScheduleDto) },
  },
};

/**
 * What `schedule` properties are declared as: an interface, so the documented schema is the
 * oneOf above rather than the validation class below.
 */
export interface ScheduleFields {
  type: 'once' | 'recurring';
  dueAt?: Date;
  localDateTime?: string;
  zone?: 'partner';
  rrule?: string;
  startsOn?: string;
  until?: string | null;
}

/** Validation of `schedule`: one class, with the fields each type needs. */
export class ScheduleRequest implements ScheduleFields {
  @IsIn(['once', 'recurring'], { message: 'type must be once or recurring' })
  type: 'once' | 'recurring';

  @ValidateIf((s: ScheduleRequest) => s.type === 'once' && s.localDateTime === undefined)
  @IsOffsetDateTime()
  dueAt?: Date;

  @ValidateIf((s: ScheduleRequest) => s.type === 'once' && s.localDateTime !== undefined)
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, {
    message: 'localDateTime must be a local date and time like 2027-03-10T20:00 (no offset)',
  })
  localDateTime?: string;

  @ValidateIf((s: ScheduleRequest) => s.type === 'once' && s.localDateTime !== undefined)
  @IsIn(['partner'], { message: "zone must be partner (each partner's own time zone)" })
  zone?: 'partner';

  @ValidateIf((s: ScheduleRequest) => s.type === 'recurring')
  @IsString()
  @MaxLength(500)
  rrule?: string;

  @ValidateIf((s: ScheduleRequest) => s.type === 'recurring')
  @Matches(ISO_DATE, { message: 'startsOn must be a date like 2025-03-01' })
  startsOn?: string;

  @ValidateIf((s: ScheduleRequest) => s.type === 'recurring' && s.until !== undefined && s.until !== null)
  @Matches(ISO_DATE, { message: 'until must be a date like 2025-05-31' })
  until?: string | null;
}

export function toScheduleInput(schedule: ScheduleFields): ScheduleInput {
  if (schedule.type === 'once' && schedule.localDateTime !== undefined)
    return { type: 'once', localDateTime: schedule.localDateTime, zone: schedule.zone ?? 'partner' };
  return schedule.type === 'once'
    ? { type: 'once', dueAt: schedule.dueAt! }
    : { type: 'recurring', rrule: schedule.rrule!, startsOn: schedule.startsOn!, until: schedule.until ?? null };
}

export class ReminderSettingsRequest {
  @ApiPropertyOptional({ example: true, description: 'false: no reminders for this assignment' })
  @IsOptional()
  @IsBoolean()
  isEnabled?: boolean;

  @ApiPropertyOptional({
    type: Number,
    example: 30,
    minimum: 0,
    maximum: 1440,
    nullable: true,
    description:
      "Remind this many minutes before the due time (0: at the due time); null: the clinic's lead (default 120)",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1440)
  minutesBefore?: number | null;

  @ApiPropertyOptional({
    type: Number,
    example: 180,
    minimum: 15,
    maximum: 4320,
    nullable: true,
    description: 'One nudge this long after the due time if not done yet; null: clinic default',
  })
  @IsOptional()
  @IsInt()
  @Min(15)
  @Max(4320)
  overdueAfterMinutes?: number | null;
}

@ApiExtraModels(OnceScheduleDto, RecurringScheduleDto)
export class CreateAssignmentRequest {
  @ApiProperty({
    format: 'uuid',
    description: 'A built-in or clinic exercise; the assignment keeps its current version',
  })
  @IsUUID()
  exerciseId: string;

  @ApiProperty({
    ...SCHEDULE_SCHEMA,
    example: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: '2025-03-01' },
  })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ScheduleRequest)
  schedule: ScheduleFields;

  @ApiPropertyOptional({
    example: 'Do this after the kids are in bed, each on your own.',
    maxLength: 5000,
    description: "The therapist's note for this couple",
  })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  instructions?: string;

  @ApiPropertyOptional({ type: ReminderSettingsRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReminderSettingsRequest)
  reminders?: ReminderSettingsRequest;

  @ApiPropertyOptional({
    example: true,
    description:
      "Reveal together: a partner's shared answers reach the other partner only once both have answered that occurrence, or it has closed. " +
      'You always see both; private answers stay private. Individual exercises only (422 for a joint one).',
  })
  @IsOptional()
  @IsBoolean()
  revealTogether?: boolean;

  @ApiPropertyOptional({
    format: 'uuid',
    type: String,
    nullable: true,
    description:
      'Give it to this partner of the couple only (individual exercises; 422 for a joint one). Its occurrences and reminders are that ' +
      "partner's alone, its answers are always private, and the other partner never sees it (not in their homework, notifications or " +
      'calendar; for them it does not exist). Required for the built-in safety check (422 without it). Fixed once given: to give it to the ' +
      'other partner, cancel it and assign it anew. Left out or null: both partners.',
  })
  @IsOptional()
  @IsUUID()
  partnerId?: string | null;
}

@ApiExtraModels(OnceScheduleDto, RecurringScheduleDto)
export class UpdateAssignmentRequest {
  @ApiPropertyOptional({
    enum: ['active', 'paused', 'cancelled'],
    example: 'paused',
    description:
      '`paused` pauses, `active` resumes, `cancelled` ends the assignment for good. Pausing or cancelling drops future occurrences nobody answered.',
  })
  @IsOptional()
  @IsIn(['active', 'paused', 'cancelled'])
  status?: 'active' | 'paused' | 'cancelled';

  @ApiPropertyOptional({
    ...SCHEDULE_SCHEMA,
    example: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=21;BYMINUTE=0', startsOn: '2025-03-10' },
    description:
      'A new schedule: future unanswered occurrences are recomputed from now on; answered and past ones are kept.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleRequest)
  schedule?: ScheduleFields;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 5000, example: 'Try it before dinner instead.' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  instructions?: string | null;

  @ApiPropertyOptional({ type: ReminderSettingsRequest, description: 'Fields given replace the stored ones' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReminderSettingsRequest)
  reminders?: ReminderSettingsRequest;

  @ApiPropertyOptional({
    example: true,
    description:
      "Reveal together: a partner's shared answers reach the other partner only once both have answered that occurrence, or it has closed. " +
      'You always see both; private answers stay private. Individual exercises only (422 for a joint one).',
  })
  @IsOptional()
  @IsBoolean()
  revealTogether?: boolean;
}

export class ListAssignmentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ASSIGNMENT_STATUSES })
  @IsOptional()
  @IsIn(ASSIGNMENT_STATUSES as AssignmentStatus[])
  status?: AssignmentStatus;
}
