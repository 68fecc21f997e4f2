import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule } from '@mend/config';
import { loggerParams } from '@mend/core';
import { DatabaseModule } from '@mend/database';
import { AuditModule } from '@mend/audit';
import { AccessGuard, AuthModule } from '@mend/auth';
import { IdentityModule } from '@mend/identity';
import { CouplesModule } from '@mend/couples';
import { QueueModule } from '@mend/queue';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { AuditController } from './audit/audit.controller.js';
import { AuthController } from './auth/auth.controller.js';
import { CouplesController } from './couples/couples.controller.js';
import { HealthController } from './health/health.controller.js';
import { AccessRulesCheck } from './http/access-rules.check.js';
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
        TerminusModule,
        DiscoveryModule,
      ],
      controllers: [HealthController, AuthController, UsersController, ApiKeysController, AuditController, CouplesController],
      providers: [{ provide: APP_GUARD, useClass: AccessGuard }, AccessRulesCheck],
    };
  }
}
