import { Module } from '@nestjs/common';
import { CoupleRemindersService } from './couple-reminders.service.js';
import { NotificationsService } from './notifications.service.js';

/** Reminders and notifications, shared by the API (inbox, preferences) and the worker (delivery). */
@Module({ providers: [NotificationsService, CoupleRemindersService], exports: [NotificationsService, CoupleRemindersService] })
export class RemindersModule {}
