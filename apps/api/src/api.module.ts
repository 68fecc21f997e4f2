import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';

import { AuditModule } from '@mend/audit';
import { AccessGuard, AuthModule } from '@mend/auth';
import { CheckInPageModule } from '@mend/check-in-page';
import { ConfigModule, type AppConfig } from '@mend/config';
import { loggerParams } from '@mend/core';
import { CouplesModule } from '@mend/couples';
import { DatabaseModule } from '@mend/database';
import { ExercisesModule } from '@mend/exercises';
import { HomeworkModule, HomeworkScheduleHooksModule } from '@mend/homework';
import { IdentityModule } from '@mend/identity';
import { IntegrationsModule } from '@mend/integrations';
import { ProgressModule } from '@mend/progress';
import { QueueModule } from '@mend/queue';
import { RemindersModule } from '@mend/reminders';
import { SessionsModule } from '@mend/sessions';

import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { AuditController } from './audit/audit.controller.js';
import { AuthController } from './auth/auth.controller.js';
import { MfaController } from './auth/mfa.controller.js';
import { SecuritySettingsController } from './auth/security-settings.controller.js';
import { CheckInLinksController } from './check-in-page/check-in-links.controller.js';
import { CheckInPageController } from './check-in-page/check-in-page.controller.js';
import { CheckInPageRenderer } from './check-in-page/check-in-page.renderer.js';
import { ClinicController } from './clinic/clinic.controller.js';
import { CouplesController } from './couples/couples.controller.js';
import { ExercisesController } from './exercises/exercises.controller.js';
import { HealthController } from './health/health.controller.js';
import { AssignmentsController } from './homework/assignments.controller.js';
import { CheckInsController } from './homework/check-ins.controller.js';
import { AccessRulesCheck } from './http/access-rules.check.js';
import { CalendarFeedsController } from './integrations/calendar-feeds.controller.js';
import { CalendarSettingsController } from './integrations/calendar-settings.controller.js';
import { ExternalSessionsController } from './integrations/external-sessions.controller.js';
import { InboundEventsController } from './integrations/inbound-events.controller.js';
import { IntegrationsController } from './integrations/integrations.controller.js';
import { WebhookEndpointsController } from './integrations/webhook-endpoints.controller.js';
import { WebhookEventsController } from './integrations/webhook-events.controller.js';
import { CaseloadsController } from './progress/caseloads.controller.js';
import { ProgressController } from './progress/progress.controller.js';
import { SafetySettingsController } from './progress/safety-settings.controller.js';
import { ClinicReminderSettingsController } from './reminders/clinic-reminder-settings.controller.js';
import { CoupleRemindersController } from './reminders/couple-reminders.controller.js';
import { NotificationsController } from './reminders/notifications.controller.js';
import { RepairPlanController } from './repair-plan/repair-plan.controller.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { UsersController } from './users/users.controller.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams({ level: config.log.level, pretty: config.log.pretty, service: 'api' })),
        DatabaseModule,
        QueueModule.forRoot(config),
        AuditModule,
        IdentityModule,
        AuthModule,
        CouplesModule,
        ExercisesModule,
        HomeworkModule,
        HomeworkScheduleHooksModule,
        SessionsModule,
        ProgressModule,
        IntegrationsModule,
        RemindersModule,
        CheckInPageModule,
        TerminusModule,
        DiscoveryModule,
      ],
      controllers: [
        HealthController,
        NotificationsController,
        CoupleRemindersController,
        ClinicReminderSettingsController,
        SafetySettingsController,
        AuthController,
        MfaController,
        SecuritySettingsController,
        ClinicController,
        UsersController,
        ApiKeysController,
        AuditController,
        CouplesController,
        ExercisesController,
        AssignmentsController,
        CheckInsController,
        CheckInLinksController,
        CheckInPageController,
        SessionsController,
        ProgressController,
        CaseloadsController,
        RepairPlanController,
        WebhookEndpointsController,
        WebhookEventsController,
        IntegrationsController,
        InboundEventsController,
        CalendarSettingsController,
        ExternalSessionsController,
        CalendarFeedsController,
      ],
      providers: [{ provide: APP_GUARD, useClass: AccessGuard }, AccessRulesCheck, CheckInPageRenderer],
    };
  }
}
