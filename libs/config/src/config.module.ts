import { Module, type DynamicModule } from '@nestjs/common';

import { Clock } from '@mend/core';

import { loadConfig, type AppConfig } from './app-config.js';

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** The one place in the product that reads process.env. */
export function readProcessConfig(): AppConfig {
  return loadConfig(process.env);
}

/** Environment as seen by the one-command launcher, which may start embedded services. */
export interface LauncherSettings {
  databaseUrl: string | undefined;
  databaseOwnerUrl: string | undefined;
  redisUrl: string | undefined;
  jwtSecret: string | undefined;
  port: number;
  dataDir: string;
  embeddedPostgresPort: number;
  /** DEMO_SEED: seed the demo clinic through the API after start; unset lets the launcher decide. */
  seedDemo: boolean | undefined;
  /** Queue backend as the apps will resolve it (QUEUE_BACKEND, else redis when REDIS_URL or REDIS_CLUSTER_NODES is set). */
  queueBackend: 'redis' | 'postgres';
  queuePostgresSchema: string;
  env: Record<string, string | undefined>;
}

export function readLauncherSettings(): LauncherSettings {
  const env = process.env;
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const flag = (v: string | undefined) => {
    const value = blank(v)?.toLowerCase();
    if (value === undefined) return undefined;
    return ['true', '1', 'yes'].includes(value);
  };
  const queueBackend = blank(env.QUEUE_BACKEND);
  return {
    databaseUrl: blank(env.DATABASE_URL),
    databaseOwnerUrl: blank(env.DATABASE_OWNER_URL),
    redisUrl: blank(env.REDIS_URL),
    jwtSecret: blank(env.JWT_SECRET),
    port: Number(blank(env.PORT) ?? 3000),
    dataDir: blank(env.MEND_DATA_DIR) ?? '.data',
    embeddedPostgresPort: Number(blank(env.EMBEDDED_POSTGRES_PORT) ?? 54329),
    seedDemo: flag(env.DEMO_SEED),
    queueBackend:
      queueBackend === 'redis' || queueBackend === 'postgres'
        ? queueBackend
        : blank(env.REDIS_URL) || blank(env.REDIS_CLUSTER_NODES)
          ? 'redis'
          : 'postgres',
    queuePostgresSchema: blank(env.QUEUE_POSTGRES_SCHEMA) ?? 'bullmq',
    env: { ...env },
  };
}

@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig = readProcessConfig()): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // The one clock of the process (a test app replaces it with the suite's movable clock).
        { provide: Clock, useValue: new Clock(config.clock.offsetMs) },
      ],
      exports: [APP_CONFIG, Clock],
    };
  }
}

/** What the test global setup found: the suite's PostgreSQL and (if reachable) Redis. */
export interface TestSettings {
  adminDatabaseUrl: string;
  redisUrl: string | undefined;
  runId: string;
}

export function readTestSettings(): TestSettings {
  const env = process.env;
  if (!env.MEND_TEST_ADMIN_URL || !env.MEND_TEST_RUN_ID) {
    throw new Error('Test settings missing: run the suite through jest (test/global-setup.ts sets them)');
  }
  return {
    adminDatabaseUrl: env.MEND_TEST_ADMIN_URL,
    redisUrl: env.MEND_TEST_REDIS_URL && env.MEND_TEST_REDIS_URL !== 'none' ? env.MEND_TEST_REDIS_URL : undefined,
    runId: env.MEND_TEST_RUN_ID,
  };
}

/**
 * What a developer may set for one test run, both optional: MEND_PINNED_AT pins a suite's clock
 * to an instant (the jest projects `pinned …` set it as a global instead), PROPERTY_RUNS makes the
 * property-based specs search harder. Unlike readTestSettings this needs no global setup, so the
 * unit project can read it too.
 */
export interface TestRunOptions {
  pinnedAt: string | undefined;
  propertyRuns: number | undefined;
}

export function readTestRunOptions(): TestRunOptions {
  const env = process.env;
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const pinnedAt = blank(env.MEND_PINNED_AT);
  if (pinnedAt !== undefined && Number.isNaN(Date.parse(pinnedAt)))
    throw new Error(`MEND_PINNED_AT is not an instant: ${pinnedAt}`);
  const runs = blank(env.PROPERTY_RUNS);
  if (runs !== undefined && !(Number.isInteger(Number(runs)) && Number(runs) > 0))
    throw new Error(`PROPERTY_RUNS must be a whole number above 0 (got "${runs}")`);
  return { pinnedAt, propertyRuns: runs === undefined ? undefined : Number(runs) };
}

/** What `npm run bench` needs from the environment; the figures themselves come from CLI flags. */
export interface BenchSettings {
  /** A superuser connection to the local PostgreSQL the benchmark database is created on. */
  adminDatabaseUrl: string;
  /** Redis for the API's queues (the API runs with its production config), if reachable. */
  redisUrl: string;
  /** The environment handed to the API and baseline child processes (PATH and the like). */
  env: Record<string, string | undefined>;
}

export function readBenchSettings(): BenchSettings {
  const env = process.env;
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  return {
    adminDatabaseUrl:
      blank(env.BENCH_DATABASE_ADMIN_URL) ??
      blank(env.TEST_DATABASE_ADMIN_URL) ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: blank(env.REDIS_URL) ?? 'redis://127.0.0.1:6379',
    env: { ...env },
  };
}
