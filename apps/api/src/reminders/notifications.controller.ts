import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { NotificationsService } from '@mend/reminders';

import { ResourceIdPipe } from '../http/id.pipe.js';
import {
  ListNotificationsQuery,
  UpdateNotificationPreferencesRequest,
  UpdateNotificationRequest,
} from './notifications.request.js';
import {
  NotificationPageResponse,
  NotificationPreferencesResponse,
  NotificationResponse,
} from './notifications.response.js';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('me')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get('notifications')
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Your in-app notifications, newest first, cursor-paginated, with your unread count' })
  @ApiOkResponse({ type: NotificationPageResponse })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: ListNotificationsQuery) {
    return this.notifications.listMine(principal, {
      limit: query.limit,
      cursor: query.cursor,
      isUnreadOnly: query.unread,
    });
  }

  @Patch('notifications/:notificationId')
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Mark one of your notifications read or unread' })
  @ApiOkResponse({ type: NotificationResponse })
  @ApiNotFoundResponse({ description: 'Not one of your notifications' })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('notificationId', new ResourceIdPipe('Notification')) id: string,
    @Body() body: UpdateNotificationRequest,
  ) {
    return this.notifications.markMine(principal, id, body);
  }

  @Get('notification-preferences')
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Your reminder channels and discreet emails (quiet hours are part of PATCH /v1/me)' })
  @ApiOkResponse({ type: NotificationPreferencesResponse })
  preferences(@CurrentUser() principal: UserPrincipal) {
    return this.notifications.preferences(principal);
  }

  @Patch('notification-preferences')
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Turn reminders by email or in the app on or off, or choose discreet emails' })
  @ApiOkResponse({ type: NotificationPreferencesResponse })
  updatePreferences(@CurrentUser() principal: UserPrincipal, @Body() body: UpdateNotificationPreferencesRequest) {
    return this.notifications.updatePreferences(principal, body);
  }
}
