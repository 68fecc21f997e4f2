import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { CalendarFeedsService } from '@mend/integrations';

import { CalendarSettingsResponse, UpdateCalendarSettingsRequest } from './calendar-feeds.dto.js';

@ApiTags('calendar')
@ApiBearerAuth()
@Controller('clinic/calendar-settings')
export class CalendarSettingsController {
  constructor(private readonly feeds: CalendarFeedsService) {}

  @Get()
  @Roles('admin', 'therapist')
  @ApiOperation({
    summary: "What therapists' calendar feeds call a session in this clinic",
    description: 'By default a neutral title: a feed syncs into calendars other people may see.',
  })
  @ApiOkResponse({ type: CalendarSettingsResponse })
  get(@CurrentUser() principal: UserPrincipal) {
    return this.feeds.settings(principal);
  }

  @Patch()
  @Roles('admin')
  @ApiOperation({
    summary:
      "Choose what therapists' calendar feeds call a session (neutral, the partners' initials, or the couple's label)",
    description: 'Feeds show the new title at their next poll. Audited.',
  })
  @ApiOkResponse({ type: CalendarSettingsResponse })
  update(@CurrentUser() principal: UserPrincipal, @Body() body: UpdateCalendarSettingsRequest) {
    return this.feeds.updateSettings(principal, body);
  }
}
