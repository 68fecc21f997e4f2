/**
 * Reminders survive a queue backend that lost its data: jobs published to the queue are wiped
 * (a real FLUSHALL on a redis-server — or on every master of a Redis Cluster — of this file's
 * own, so parallel files are untouched, or every job removed from the PostgreSQL backend's
 * queue), then the reconciler re-adds every due, unsent reminder from PostgreSQL: 0 lost,
 * 0 duplicated.
 */
import 'reflect-metadata';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { INestApplicationContext } from '@nestjs/common';

import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { JobProducer, OutboxRelay, QueueConnections, QueueName } from '@mend/queue';
import { RemindersReconciler } from '@mend/reminders';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { PrivateRedis } from './support/private-redis.js';
import { queueBackendsUnderTest, type QueueBackendUnderTest } from './support/queue-backends.js';
import { PrivateRedisCluster } from './support/redis-cluster.js';
import { newReminderScene } from './support/reminder-scene.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const backends = queueBackendsUnderTest();
const auth = { type: 'bearer' } as const;
const SESSIONS = 34; // × (2 partners + therapist) × (email + in-app) = 204 reminders

/** A Redis of this file's own (one server, or a three-master cluster) that the test may flush. */
interface PrivateQueueRedis {
  env: Record<string, string | undefined>;
  flushAll(): Promise<void>;
  remove(): Promise<void>;
}

async function privateRedis(kind: Exclude<QueueBackendUnderTest, 'postgres'>): Promise<PrivateQueueRedis> {
  if (kind === 'redis-cluster') {
    const cluster = await PrivateRedisCluster.start();
    return {
      env: { QUEUE_BACKEND: 'redis', REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seedNodes },
      flushAll: () => cluster.flushAll(),
      remove: () => cluster.stop(),
    };
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'mend-recovery-'));
  const redis = await PrivateRedis.start(scratch);
  return {
    env: { QUEUE_BACKEND: 'redis', REDIS_URL: redis.url },
    flushAll: () =>
      redis.withClient(async (client) => {
        expect(await client.flushall()).toBe('OK');
        expect(await client.dbsize()).toBe(0);
      }),
    remove: async () => {
      await redis.stop('lose');
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe.each(backends)('reminder recovery on the %s queue backend', (backend) => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let redis: PrivateQueueRedis | undefined;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    if (backend !== 'postgres') redis = await privateRedis(backend);
    t = await createTestApp({
      env: {
        QUEUE_BACKEND: 'postgres',
        ...redis?.env,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WORKER_CONCURRENCY: '20',
      },
    });
  });

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
    await redis?.remove();
  });

  it('re-adds every due reminder after the queue lost its jobs: 0 lost, 0 duplicated', async () => {
    const { clinic, sql, bookSessionsRemindedAt } = await newReminderScene(t, { dailyCap: 100 });
    const db = t.app.get(TenantDatabase);
    const dueAt = Date.now() + 3_000;
    await bookSessionsRemindedAt(dueAt, SESSIONS);
    const count = async (state: string) =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND state = $2`,
          [clinic.clinicId, state],
        )
      )[0].n;
    expect(await count('scheduled')).toBe(SESSIONS * 6);

    // Once due, the relay publishes the jobs (no worker is consuming yet)…
    await sleep(dueAt - Date.now() + 500);
    const relay = new OutboxRelay(db, t.app.get(JobProducer), t.config, t.app.get(Clock));
    while ((await relay.relayOnce()) > 0);
    const connections = t.app.get(QueueConnections);
    const queue = connections.queue(QueueName.Notifications);
    // (Published ahead of their instant as delayed jobs, they may still count as delayed here.)
    expect(await queue.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBeGreaterThanOrEqual(SESSIONS * 6);

    // …and the queue backend loses them.
    if (redis) {
      await redis.flushAll();
    } else {
      // The app role may not obliterate (the owner installed the schema); removing every job is the same loss.
      for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1)) await job.remove();
    }
    expect(await queue.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(0);

    worker = await createWorkerApp(t.config);
    await sleep(500);
    expect(await count('sent')).toBe(0);
    // The scheduled run every minute does this; here it is called at once with no grace period.
    const result = await worker.get(RemindersReconciler).reconcileAll(new Date(), 0);
    expect(result.requeued).toBe(SESSIONS * 6);

    const deadline = Date.now() + 20_000;
    while ((await count('sent')) < SESSIONS * 6 && Date.now() < deadline) await sleep(100);
    expect(await count('sent')).toBe(SESSIONS * 6);
    // A second pass finds nothing to re-add, and every recipient got each email exactly once.
    expect((await worker.get(RemindersReconciler).reconcileAll(new Date(), 0)).requeued).toBe(0);
    await sleep(300);
    const reminderMails = smtp.mails.filter((m) => m.body.includes('Subject: Upcoming appointment'));
    expect(reminderMails).toHaveLength(SESSIONS * 3);
    const perRecipient = new Map<string, number>();
    for (const mail of reminderMails) perRecipient.set(mail.to[0], (perRecipient.get(mail.to[0]) ?? 0) + 1);
    expect([...perRecipient.values()]).toEqual([SESSIONS, SESSIONS, SESSIONS]);
  }, 60_000);
});

/**
 * Redis flushed while the worker runs: the flush also takes the reconciler's job scheduler and
 * any retry waiting out its backoff. The worker puts the scheduler back and the reconciler
 * re-adds the lost retry: delivered once, nothing else touched.
 */
describe.each(backends.filter((backend) => backend !== 'postgres') as Array<'redis' | 'redis-cluster'>)(
  'a Redis flushed under a running worker (%s)',
  (backend) => {
    let t: TestApp;
    let smtp: SmtpCatcher;
    let redis: PrivateQueueRedis;
    let worker: INestApplicationContext;

    beforeAll(async () => {
      smtp = await startSmtpCatcher();
      redis = await privateRedis(backend);
      t = await createTestApp({
        env: {
          ...redis.env,
          SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
          OUTBOX_RELAY_INTERVAL_MS: '50',
          REMINDERS_RECONCILE_INTERVAL_MS: '1000',
          // A grace of 5 s, not 0: between the failed attempt's commit (claim released) and BullMQ moving
          // the job to its backoff, the job is 'active', which the reconciler does not count as live; with
          // no grace a pass landing in that moment re-adds it and a second attempt runs at once.
          REMINDERS_RECONCILE_GRACE_MS: '5000',
        },
      });
      worker = await createWorkerApp(t.config);
    });

    afterAll(async () => {
      await worker?.close();
      await t?.close();
      await smtp?.close();
      await redis?.remove();
    });

    it('re-creates the reconciler schedule and re-adds a retry the flush lost: delivered once', async () => {
      const { clinic, couple, sql, bookSessionsRemindedAt } = await newReminderScene(t);
      const partner = couple.partners[0];
      smtp.deferredRecipients.add(partner.email);
      await bookSessionsRemindedAt(Date.now() + 1_000, 1);
      const emailRow = async () =>
        (
          await sql<{ state: string; attempts: number; last_error: string | null }>(
            `SELECT state, attempts, last_error FROM notification WHERE clinic_id = $1 AND recipient_id = $2 AND channel = 'email' AND kind = 'session_reminder'`,
            [clinic.clinicId, partner.id],
          )
        )[0];

      // The first attempt meets a "try later" and the job waits out a 15 s backoff in Redis…
      const deadline = Date.now() + 10_000;
      while ((await emailRow()).last_error === null && Date.now() < deadline) await sleep(50);
      expect(await emailRow()).toMatchObject({
        state: 'scheduled',
        attempts: 1,
        last_error: 'Mail was not accepted (SMTP 451)',
      });
      const maintenance = t.app.get(QueueConnections).queue(QueueName.Maintenance);
      expect(await maintenance.getJobScheduler('reminders-reconcile')).toBeDefined();

      // …when Redis loses everything, the scheduler included (the server would take the email now).
      smtp.deferredRecipients.delete(partner.email);
      await redis.flushAll();
      // The scheduled pass fans out: this clinic is reconciled by a job of its own.
      const outcome = async () => ({
        row: await emailRow(),
        hasSchedule: (await maintenance.getJobScheduler('reminders-reconcile')) !== undefined,
        reconciledThisClinic: (await maintenance.getJobs(['completed'], 0, -1)).some((job) =>
          job.id?.startsWith(`reminders-reconcile.${clinic.clinicId}.pass-`),
        ),
        mails: smtp.mails.filter(
          (m) => m.to.includes(partner.email) && m.body.includes('Subject: Upcoming appointment'),
        ).length,
      });
      const expected = {
        row: expect.objectContaining({ state: 'sent', attempts: 2 }),
        hasSchedule: true,
        reconciledThisClinic: true,
        mails: 1,
      };
      const recovered = Date.now() + 20_000;
      const isSettled = (o: Awaited<ReturnType<typeof outcome>>) =>
        o.row.state === 'sent' && o.hasSchedule && o.reconciledThisClinic;
      while (!isSettled(await outcome()) && Date.now() < recovered) await sleep(100);
      expect(await outcome()).toEqual(expected);
    }, 30_000);
  },
);
