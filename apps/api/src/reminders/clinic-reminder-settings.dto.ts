import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, Matches, Max, Min, ValidateNested } from 'class-validator';

import {
  MAX_DAILY_CAP,
  MAX_HOMEWORK_LEAD_MINUTES,
  MAX_OVERDUE_AFTER_MINUTES,
  MAX_SESSION_REMINDER_HOURS,
} from '@mend/reminders';

import { IsOmittable } from '../http/validators.js';
import { QuietHoursRequest } from '../users/users.request.js';

export class QuietHoursResponse {
  @ApiProperty({ example: '21:00' }) start: string;
  @ApiProperty({ example: '08:00' }) end: string;
}

export class ClinicReminderSettingsResponse {
  @ApiProperty({
    type: QuietHoursResponse,
    description: "Default quiet hours, in each user's own zone, for users who set none; start = end means none",
  })
  quietHours: QuietHoursResponse;
  @ApiProperty({
    example: 10,
    description: 'Individual reminders per person per local day; the rest are merged into one digest',
  })
  dailyCap: number;
  @ApiProperty({ example: false, description: 'When true, no reminder names the exercise' }) isDiscreet: boolean;
  @ApiProperty({ example: 720, description: 'Overdue nudge delay after the due time, for assignments that set none' })
  overdueAfterMinutes: number;
  @ApiProperty({ example: 24, description: 'How long before a session its reminder goes out' })
  sessionReminderHours: number;
  @ApiProperty({
    example: 120,
    description:
      'How long before a homework due time its reminder goes out, for assignments that set none (default 120: reminded people are not late)',
  })
  homeworkLeadMinutes: number;
  @ApiProperty({
    example: true,
    description:
      "Whether a high-severity alert's notice (a partner's safety concern) reaches the therapist at once, even in their quiet hours and over the daily cap",
  })
  urgentAlertsBreakQuietHours: boolean;
  @ApiProperty({
    example: 7,
    minimum: 1,
    maximum: 7,
    description:
      "The day each partner is reminded to rate the couple's repair plan for the week, in the partner's zone: 1 Monday … 7 Sunday",
  })
  planRatingWeekday: number;
  @ApiProperty({ example: '18:00', description: 'The local time of that reminder (HH:MM, the partner’s zone)' })
  planRatingTime: string;
}

export class UpdateClinicReminderSettingsRequest {
  @ApiPropertyOptional({ type: QuietHoursRequest })
  @IsOmittable()
  @ValidateNested()
  @Type(() => QuietHoursRequest)
  quietHours?: QuietHoursRequest;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_DAILY_CAP, example: 10 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_DAILY_CAP)
  dailyCap?: number;

  @ApiPropertyOptional({ example: true })
  @IsOmittable()
  @IsBoolean()
  isDiscreet?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_OVERDUE_AFTER_MINUTES, example: 720 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_OVERDUE_AFTER_MINUTES)
  overdueAfterMinutes?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SESSION_REMINDER_HOURS, example: 24 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSION_REMINDER_HOURS)
  sessionReminderHours?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_HOMEWORK_LEAD_MINUTES, example: 120 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_HOMEWORK_LEAD_MINUTES)
  homeworkLeadMinutes?: number;

  @ApiPropertyOptional({ example: true })
  @IsOmittable()
  @IsBoolean()
  urgentAlertsBreakQuietHours?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 7, example: 7 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(7)
  planRatingWeekday?: number;

  @ApiPropertyOptional({ example: '18:00', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })
  @IsOmittable()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'planRatingTime must be a clock time like 18:00' })
  planRatingTime?: string;
}
