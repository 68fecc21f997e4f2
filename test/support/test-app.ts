import 'reflect-metadata';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import pg from 'pg';
import request from 'supertest';

import { loadConfig, readTestSettings, type AppConfig } from '@mend/config';
import { Clock } from '@mend/core';
import { createTestDatabase, suiteClock, type TestDatabase } from '@mend/testing';

import { ApiModule } from '../../apps/api/src/api.module.js';
import { configureApp, createFastifyAdapter } from '../../apps/api/src/app.setup.js';
import { ResponseValidator } from './response-validator.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/** Environment for a test app; every value goes through the real config loader. */
export function testEnv(
  db: TestDatabase,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const settings = readTestSettings();
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_URL: 'http://mend.test',
    QUEUE_BACKEND: 'postgres',
    REDIS_URL: settings.redisUrl,
    QUEUE_PREFIX: `{t${db.name.slice(-10)}}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_LOGIN_PER_IP: '100000',
    RATE_LIMIT_SIGNUP_PER_IP: '100000',
    RATE_LIMIT_CHECK_IN_LINK_PER_IP: '100000',
    RATE_LIMIT_PASSWORD_RESET_PER_IP: '100000',
    RATE_LIMIT_API_PER_USER: '1000000',
    RATE_LIMIT_API_PER_API_KEY: '1000000',
    RATE_LIMIT_PUBLIC_PER_IP: '1000000',
    // Failed logins answer at once in tests; the suite that measures their timing sets the floor back.
    LOGIN_FAILURE_MIN_MS: '0',
    // The development behaviour (the inviter receives the invitation link) for the suites that are not
    // about it; test/separation-of-duties.e2e-spec.ts runs with it off and reads links from the mailbox.
    INVITATION_LINKS_IN_RESPONSES: 'true',
    DATABASE_POOL_SIZE: '5',
    // A worker in another process runs on the suite's clock too (pinned instants).
    CLOCK_OFFSET_MS: String(Math.round(suiteClock.offset)),
    ...overrides,
  };
}

/** The real API (same module and configureApp as main.ts) on a fresh clone of the migrated database. */
export async function createTestApp(
  options: {
    env?: Record<string, string | undefined>;
    db?: TestDatabase;
    /** Replace providers before compiling (e.g. the log destination); the pipeline stays the real one. */
    override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
    /** Check every answer against the OpenAPI document (on unless a suite tests the document's absence). */
    validateResponses?: boolean;
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig(testEnv(db, options.env));
  // The API runs on the suite's clock, which a test may pin and move (suiteClock.advance).
  const builder = Test.createTestingModule({ imports: [ApiModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(suiteClock);
  const moduleRef = await (options.override ? options.override(builder) : builder).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), { logger: false });
  await configureApp(app, config);
  const validator = options.validateResponses === false ? undefined : new ResponseValidator();
  try {
    validator?.register(app.getHttpAdapter().getInstance());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    validator?.load((await request(app.getHttpServer()).get('/docs-json')).body);
  } catch (error) {
    // A refused boot (e.g. the tenancy check) must still release its pools and connections.
    await app.close().catch(() => undefined);
    if (!options.db) await db.drop();
    throw error;
  }
  return {
    app,
    config,
    db,
    http: () => request(app.getHttpServer()),
    async close() {
      await app.close();
      if (!options.db) await db.drop();
      validator?.assertClean();
    },
  };
}

/**
 * Runs statements as the app role inside the clinic's transaction (row-level security applies),
 * with the suite's clock bound as the app binds it, so SQL's mend_now() agrees with the test.
 */
export async function asClinic<T>(t: TestApp, clinicId: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: t.db.appUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.clinic_id', $1, true), set_config('mend.now', $2, true)`, [
      clinicId,
      suiteClock.now().toISOString(),
    ]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}
