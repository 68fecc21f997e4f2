/**
 * One spec file's whole product on private servers: embedded PostgreSQL provisioned and migrated
 * the way `npm start` does it, a redis-server, an in-test SMTP server, the API as a child
 * process, and workers started (and killed) on demand. Everything is torn down by close(), and
 * children are SIGKILLed if the test process exits first.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import pg from 'pg';
import request from 'supertest';

import { provisionDatabase, runMigrations } from '@mend/database';
import type { ApiTarget } from '@mend/testing';

import { startSmtpCatcher, type SmtpCatcher } from '../../support/smtp-catcher.js';
import { ApiClient } from './api-client.js';
import { AppProcess } from './app-process.js';
import { freePort, keepLogs, makeScratch, PrivatePostgres, PrivateRedis, removeScratch, sleep } from './services.js';

export interface FaultStack {
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  smtp: SmtpCatcher;
  /** Environment given to the API and the workers (already validated by their config loader). */
  env: Record<string, string>;
  api: AppProcess;
  http: ApiClient;
  /** The same API for the @mend/testing factories. */
  target: ApiTarget;
  /** The table owner (BYPASSRLS), to count outcomes across the clinic's rows. */
  owner: pg.Pool;
  startWorker(): Promise<AppProcess>;
  /** Crashes (unexpected exits) of any app process started so far. */
  crashes(): string[];
  close(): Promise<void>;
}

export async function startFaultStack(label: string, overrides: Record<string, string> = {}): Promise<FaultStack> {
  const scratch = makeScratch(label);
  const started: {
    postgres?: PrivatePostgres;
    redis?: PrivateRedis;
    smtp?: SmtpCatcher;
    owner?: pg.Pool;
    apps: AppProcess[];
  } = { apps: [] };
  const close = async () => {
    await Promise.all(started.apps.map((app) => app.kill('SIGKILL')));
    await started.owner?.end().catch(() => undefined);
    await started.smtp?.close();
    await started.redis?.stop('lose').catch(() => started.redis?.killNow());
    await started.postgres?.stop().catch(() => undefined);
    keepLogs(scratch, label);
    removeScratch(scratch);
  };
  const onExit = () => started.redis?.killNow();
  process.once('exit', onExit);
  try {
    started.postgres = await PrivatePostgres.start(scratch);
    started.redis = await PrivateRedis.start(scratch);
    started.smtp = await startSmtpCatcher();
    const urls = await provisionDatabase({
      adminUrl: started.postgres.adminUrl,
      database: 'mend',
      ownerPassword: randomBytes(16).toString('hex'),
      appPassword: randomBytes(16).toString('hex'),
    });
    await runMigrations(urls.ownerUrl);
    const owner = new pg.Pool({ connectionString: urls.ownerUrl, max: 3, connectionTimeoutMillis: 2_000 });
    // Idle connections die with a PostgreSQL restart; the pool replaces them.
    owner.on('error', () => undefined);
    started.owner = owner;

    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: urls.appUrl,
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: started.redis.url,
      QUEUE_BACKEND: 'redis',
      QUEUE_PREFIX: '{faults}',
      JWT_SECRET: randomBytes(32).toString('hex'),
      SMTP_URL: `smtp://127.0.0.1:${started.smtp.port}`,
      MAIL_FROM: 'Mend <no-reply@mend.test>',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_LOGIN_PER_IP: '1000000',
      RATE_LIMIT_SIGNUP_PER_IP: '1000000',
      RATE_LIMIT_CHECK_IN_LINK_PER_IP: '1000000',
      RATE_LIMIT_API_PER_USER: '100000000',
      RATE_LIMIT_API_PER_API_KEY: '100000000',
      RATE_LIMIT_PUBLIC_PER_IP: '100000000',
      OUTBOX_RELAY_INTERVAL_MS: '100',
      // A killed worker's claimed-but-unconfirmed email may be claimed again after this long (default 2 min).
      REMINDER_CLAIM_LEASE_MS: '2000',
      // The factories read invitation links from the API's answer (the development behaviour); the
      // fault suites are not about separation of duties (test/separation-of-duties.e2e-spec.ts is).
      INVITATION_LINKS_IN_RESPONSES: 'true',
      ...overrides,
    };
    const api = await AppProcess.start('api', 'api', env, path.join(scratch, 'api.log'));
    started.apps.push(api);
    let workers = 0;
    return {
      postgres: started.postgres,
      redis: started.redis,
      smtp: started.smtp,
      env,
      api,
      http: new ApiClient(`http://127.0.0.1:${port}`),
      target: { http: () => request(`http://127.0.0.1:${port}`) },
      owner,
      async startWorker() {
        workers++;
        const worker = await AppProcess.start(
          'worker',
          `worker #${workers}`,
          env,
          path.join(scratch, `worker-${workers}.log`),
        );
        started.apps.push(worker);
        return worker;
      },
      crashes: () => started.apps.map((app) => app.crash).filter((crash): crash is string => crash !== undefined),
      async close() {
        process.off('exit', onExit);
        await close();
      },
    };
  } catch (error) {
    process.off('exit', onExit);
    await close();
    throw error;
  }
}

/** Polls until `probe` answers a value, or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
