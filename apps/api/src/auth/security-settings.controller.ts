import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

import { CurrentUser, IDLE_TIMEOUT_MINUTES, Roles, SecuritySettingsService } from '@mend/auth';
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
}

export class UpdateClinicSecuritySettingsRequest {
  @ApiPropertyOptional({ minimum: IDLE_TIMEOUT_MINUTES.min, maximum: IDLE_TIMEOUT_MINUTES.max, example: 15 })
  @IsOmittable()
  @IsInt()
  @Min(IDLE_TIMEOUT_MINUTES.min)
  @Max(IDLE_TIMEOUT_MINUTES.max)
  idleTimeoutMinutes?: number;
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
  @ApiOperation({ summary: "Change the clinic's security settings (admins)" })
  @ApiOkResponse({ type: ClinicSecuritySettingsResponse })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: UpdateClinicSecuritySettingsRequest,
  ): Promise<ClinicSecuritySettingsResponse> {
    return this.settings.update(principal, body);
  }
}
