import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { APP_CONFIG, type AppConfig } from '@mend/config';

import { dataSourceOptions } from './data-source-options.js';
import { IdempotencyService } from './idempotency.service.js';
import { TenancyCheckService } from './tenancy-check.service.js';
import { TenantDatabase } from './tenant-database.service.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database.url, config),
        autoLoadEntities: true,
      }),
    }),
  ],
  providers: [TenantDatabase, TenancyCheckService, IdempotencyService],
  exports: [TenantDatabase, IdempotencyService],
})
export class DatabaseModule {}
