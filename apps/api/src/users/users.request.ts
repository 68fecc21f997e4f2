import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { PageQuery } from '../http/pagination.dto.js';
import { CLOCK_TIME, IsIanaTimeZone, IsOmittable } from '../http/validators.js';

export class InviteUserRequest {
  @ApiProperty({ example: 'Theo Therapist' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: 'theo@clinic.example' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ enum: ['admin', 'therapist'] })
  @IsIn(['admin', 'therapist'])
  role: 'admin' | 'therapist';
}

export class UpdateUserRequest {
  @ApiPropertyOptional({ description: 'true disables the user (their tokens stop working at once)' })
  @IsOmittable()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ enum: ['admin', 'therapist'] })
  @IsOmittable()
  @IsIn(['admin', 'therapist'])
  role?: 'admin' | 'therapist';
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['admin', 'therapist', 'client'] })
  @IsOptional()
  @IsIn(['admin', 'therapist', 'client'])
  role?: 'admin' | 'therapist' | 'client';
}

export class QuietHoursRequest {
  @ApiProperty({ example: '21:00' })
  @Matches(CLOCK_TIME, { message: 'start must be a time like 21:00' })
  start: string;

  @ApiProperty({ example: '08:00' })
  @Matches(CLOCK_TIME, { message: 'end must be a time like 08:00' })
  end: string;
}

export class UpdateMeRequest {
  @ApiPropertyOptional({ example: 'Avery' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOmittable()
  @IsIanaTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ example: 'en', enum: ['en'] })
  @IsOmittable()
  @IsIn(['en'])
  locale?: string;

  @ApiPropertyOptional({ type: QuietHoursRequest, nullable: true, description: 'null returns to the clinic default' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursRequest)
  quietHours?: QuietHoursRequest | null;
}
