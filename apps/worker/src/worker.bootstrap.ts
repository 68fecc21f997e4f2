import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';

import type { AppConfig } from '@mend/config';

import { WorkerModule } from './worker.module.js';
import { WorkerRunner } from './worker.runner.js';

/**
 * Creates and starts the worker (no HTTP). SIGTERM/SIGINT run Nest's shutdown hooks: the relay
 * stops, workers finish or release their active jobs, then connections close.
 */
export async function createWorkerApp(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  try {
    await app.get(WorkerRunner).start();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
