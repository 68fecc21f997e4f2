/**
 * A real API process for the fault suite (the same module and HTTP pipeline as main.ts); its
 * environment comes as JSON in MEND_TEST_ENV, and it reports 'ready' once it listens.
 */
import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { loadConfig } from '@mend/config';

import { ApiModule } from '../../../apps/api/src/api.module.js';
import { configureApp, createFastifyAdapter } from '../../../apps/api/src/app.setup.js';

const config = loadConfig(JSON.parse(process.env.MEND_TEST_ENV ?? '{}') as Record<string, string | undefined>);
const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), createFastifyAdapter(config), {
  bufferLogs: true,
});
await configureApp(app, config);
await app.listen({ port: config.http.port, host: config.http.host });
process.send?.('ready');
