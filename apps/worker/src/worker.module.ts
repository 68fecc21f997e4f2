import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import { AuditModule } from '@mend/audit';
import { CheckInLinkReminderIssuer, ExpiredRowsPurge } from '@mend/check-in-page';
import { ConfigModule, readProcessConfig, type AppConfig } from '@mend/config';
import { loggerParams } from '@mend/core';
import { DatabaseModule } from '@mend/database';
import { HomeworkScheduleHooksModule } from '@mend/homework';
import { InvitationEmailHandler } from '@mend/identity';
import { IntegrationsModule, PeriodicSweeps } from '@mend/integrations';
import { MailModule } from '@mend/mail';
import { ProgressModule } from '@mend/progress';
import { OutboxRelay, QueueModule } from '@mend/queue';
import { ReminderLinkIssuer, ReminderSender, RemindersReconciler } from '@mend/reminders';

import { AccountEmailHandler } from './processors/account-email.handler.js';
import { IntegrationsProcessor } from './processors/integrations.processor.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { NotificationsProcessor } from './processors/notifications.processor.js';
import { WebhooksProcessor } from './processors/webhooks.processor.js';
import { WorkerRunner } from './worker.runner.js';

/** The worker process: no HTTP, the outbox relay and one BullMQ worker per queue. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig = readProcessConfig()): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams({ level: config.log.level, pretty: config.log.pretty, service: 'worker' })),
        DatabaseModule,
        QueueModule.forRoot(config),
        MailModule,
        AuditModule,
        HomeworkScheduleHooksModule,
        ProgressModule,
        IntegrationsModule,
      ],
      providers: [
        OutboxRelay,
        ReminderSender,
        RemindersReconciler,
        ExpiredRowsPurge,
        { provide: ReminderLinkIssuer, useClass: CheckInLinkReminderIssuer },
        InvitationEmailHandler,
        AccountEmailHandler,
        NotificationsProcessor,
        MaintenanceProcessor,
        WebhooksProcessor,
        IntegrationsProcessor,
        PeriodicSweeps,
        WorkerRunner,
      ],
    };
  }
}
