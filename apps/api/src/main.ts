import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { readProcessConfig } from '@mend/config';

import { ApiModule } from './api.module.js';
import { configureApp, createFastifyAdapter } from './app.setup.js';

async function bootstrap(): Promise<void> {
  const config = readProcessConfig();
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config),
    createFastifyAdapter(config),
    {
      bufferLogs: true,
    },
  );
  await configureApp(app, config);
  await app.listen({ port: config.http.port, host: config.http.host });
}

bootstrap().catch((error: unknown) => {
  // Config and tenancy-check errors are written for operators; print them without a stack.
  const message =
    error instanceof Error && /Invalid configuration|Refusing to start/.test(error.message) ? error.message : error;
  console.error(message);
  process.exit(1);
});
