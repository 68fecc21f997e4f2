import { Module } from '@nestjs/common';

import { ClinicReminderSettingsService } from './clinic-reminder-settings.service.js';
import { CoupleRemindersService } from './couple-reminders.service.js';
import { NotificationsService } from './notifications.service.js';

/** Reminders and notifications, shared by the API (inbox, preferences) and the worker (delivery). */
@Module({
  providers: [NotificationsService, CoupleRemindersService, ClinicReminderSettingsService],
  exports: [NotificationsService, CoupleRemindersService, ClinicReminderSettingsService],
})
export class RemindersModule {}
