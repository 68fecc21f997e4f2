import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { ClinicReminderSettingsService } from '@mend/reminders';

import { ClinicReminderSettingsResponse, UpdateClinicReminderSettingsRequest } from './clinic-reminder-settings.dto.js';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('clinic/reminder-settings')
export class ClinicReminderSettingsController {
  constructor(private readonly settings: ClinicReminderSettingsService) {}

  @Get()
  @Roles('admin', 'therapist')
  @ApiOperation({
    summary: "The clinic's reminder defaults: quiet hours, daily cap, discreet mode, overdue and session lead times",
  })
  @ApiOkResponse({ type: ClinicReminderSettingsResponse })
  get(@CurrentUser() principal: UserPrincipal): Promise<ClinicReminderSettingsResponse> {
    return this.settings.get(principal);
  }

  @Patch()
  @Roles('admin')
  @ApiOperation({ summary: "Change the clinic's reminder defaults; planned reminders are planned again by the worker" })
  @ApiOkResponse({ type: ClinicReminderSettingsResponse })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: UpdateClinicReminderSettingsRequest,
  ): Promise<ClinicReminderSettingsResponse> {
    return this.settings.update(principal, body);
  }
}
