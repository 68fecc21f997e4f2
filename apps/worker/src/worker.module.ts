import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, readProcessConfig } from '@mend/config';
import { loggerParams } from '@mend/core';
import { DatabaseModule } from '@mend/database';
import { MailModule } from '@mend/mail';
import { AuditModule } from '@mend/audit';
import { ProgressModule } from '@mend/progress';
import { OutboxRelay, QueueModule } from '@mend/queue';
import { InvitationEmailHandler } from './processors/invitation-email.handler.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { NotificationsProcessor } from './processors/notifications.processor.js';
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
        ProgressModule,
      ],
      providers: [OutboxRelay, InvitationEmailHandler, NotificationsProcessor, MaintenanceProcessor, WorkerRunner],
    };
  }
}
