import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { SafetyService } from '@mend/progress';

import { ClinicSafetySettingsResponse, UpdateClinicSafetySettingsRequest } from './safety-settings.dto.js';

@ApiTags('progress')
@ApiBearerAuth()
@Controller('clinic/safety-settings')
export class SafetySettingsController {
  constructor(private readonly safety: SafetyService) {}

  @Get()
  @Roles('admin', 'therapist')
  @ApiOperation({
    summary: "The clinic's safety threshold and the crisis resources shown to a partner who feels unsafe",
  })
  @ApiOkResponse({ type: ClinicSafetySettingsResponse })
  get(@CurrentUser() principal: UserPrincipal): Promise<ClinicSafetySettingsResponse> {
    return this.safety.get(principal);
  }

  @Patch()
  @Roles('admin')
  @ApiOperation({ summary: "Change the clinic's safety threshold or crisis resources" })
  @ApiOkResponse({ type: ClinicSafetySettingsResponse })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: UpdateClinicSafetySettingsRequest,
  ): Promise<ClinicSafetySettingsResponse> {
    return this.safety.update(principal, body);
  }
}
