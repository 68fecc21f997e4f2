import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

import { PageQuery } from '../http/pagination.dto.js';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Only unread notifications' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  unread?: boolean;
}

export class UpdateNotificationRequest {
  @ApiProperty({
    example: true,
    description: 'true marks the notification read (keeping the first read time), false marks it unread',
  })
  @IsBoolean()
  read: boolean;
}

export class UpdateNotificationPreferencesRequest {
  @ApiPropertyOptional({ example: true, description: 'Reminders by email' })
  @IsOptional()
  @IsBoolean()
  email?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Reminders in the app (GET /v1/me/notifications)' })
  @IsOptional()
  @IsBoolean()
  inApp?: boolean;

  @ApiPropertyOptional({
    example: true,
    description:
      "Discreet reminder emails: neutral words, no exercise, therapist or product name. The clinic's discreet mode, when on, applies whatever you choose.",
  })
  @IsOptional()
  @IsBoolean()
  discreet?: boolean;
}
