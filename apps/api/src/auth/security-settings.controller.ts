import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

import { CurrentUser, IDLE_TIMEOUT_MINUTES, RecentAuth, Roles, SecuritySettingsService } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';

import { IsOmittable } from '../http/validators.js';

export class ClinicSecuritySettingsResponse {
  @ApiProperty({
    example: IDLE_TIMEOUT_MINUTES.default,
    minimum: IDLE_TIMEOUT_MINUTES.min,
    maximum: IDLE_TIMEOUT_MINUTES.max,
    description: 'The web app signs a user out after this many minutes without activity, with a warning first',
  })
  idleTimeoutMinutes: number;

  @ApiProperty({
    description:
      'Admins and therapists must sign in with a second factor (TOTP); one without it is sent to enrol at sign-in',
  })
  requireMfaForStaff: boolean;
}

export class UpdateClinicSecuritySettingsRequest {
  @ApiPropertyOptional({ minimum: IDLE_TIMEOUT_MINUTES.min, maximum: IDLE_TIMEOUT_MINUTES.max, example: 15 })
  @IsOmittable()
  @IsInt()
  @Min(IDLE_TIMEOUT_MINUTES.min)
  @Max(IDLE_TIMEOUT_MINUTES.max)
  idleTimeoutMinutes?: number;

  @ApiPropertyOptional({ description: 'Require a second factor of admins and therapists' })
  @IsOmittable()
  @IsBoolean()
  requireMfaForStaff?: boolean;
}

@ApiTags('auth')
@ApiBearerAuth()
@Controller('clinic/security-settings')
export class SecuritySettingsController {
  constructor(private readonly settings: SecuritySettingsService) {}

  @Get()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: "The clinic's security settings every signed-in user needs (idle sign-out time)" })
  @ApiOkResponse({ type: ClinicSecuritySettingsResponse })
  get(@CurrentUser() principal: UserPrincipal): Promise<ClinicSecuritySettingsResponse> {
    return this.settings.get(principal);
  }

  @Patch()
  @Roles('admin')
  @RecentAuth()
  @ApiOperation({ summary: "Change the clinic's security settings (admins)" })
  @ApiOkResponse({ type: ClinicSecuritySettingsResponse })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: UpdateClinicSecuritySettingsRequest,
  ): Promise<ClinicSecuritySettingsResponse> {
    return this.settings.update(principal, body);
  }
}
