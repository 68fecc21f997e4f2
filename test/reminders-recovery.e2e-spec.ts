/**
 * Reminders survive a queue backend that lost its data: jobs published to the queue are wiped
 * (every key under this file's Redis prefix deleted — FLUSHALL scoped to our own keys, so
 * parallel files are untouched — or the PostgreSQL backend's queue obliterated), then the
 * reconciler re-adds every due, unsent reminder from PostgreSQL: 0 lost, 0 duplicated.
 */
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { readTestSettings } from '@mend/config';
import { TenantDatabase } from '@mend/database';
import { JobProducer, OutboxRelay, QueueConnections, QueueName } from '@mend/queue';
import { type TestApp, createTestApp, newClinic, newCouple, newStaff } from '@mend/testing';
import { RemindersReconciler } from '../apps/worker/src/processors/reminders.reconciler.js';
import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { type SmtpCatcher, startSmtpCatcher } from './support/smtp-catcher.js';

const settings = readTestSettings();
const backends: Array<'postgres' | 'redis'> = settings.redisUrl ? ['postgres', 'redis'] : ['postgres'];
const auth = { type: 'bearer' } as const;
const SESSIONS = 34; // × (2 partners + therapist) × (email + in-app) = 204 reminders

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe.each(backends)('reminder recovery on the %s queue backend', (backend) => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp({ env: { QUEUE_BACKEND: backend, SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, OUTBOX_RELAY_INTERVAL_MS: '50', WORKER_CONCURRENCY: '20' } });
  });

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
  });

  it('re-adds every due reminder after the queue lost its jobs: 0 lost, 0 duplicated', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const db = t.app.get(TenantDatabase);
    await db.withClinic(clinic.clinicId, (tx) =>
      tx.query(`UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', '{"quietHours": {"start": "00:00", "end": "00:00"}, "dailyCap": 100}') WHERE id = $1`, [
        clinic.clinicId,
      ]),
    );
    const dueAt = Date.now() + 3_000;
    for (let i = 0; i < SESSIONS; i++) {
      const startsAt = new Date(dueAt + 24 * 3600_000 + i * 10);
      await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({ startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3600_000).toISOString() })
        .expect(201);
    }
    const count = async (state: string) =>
      (
        await db.withClinic(clinic.clinicId, (tx) =>
          tx.query(`SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND state = $2`, [clinic.clinicId, state]),
        )
      )[0].n as number;
    expect(await count('scheduled')).toBe(SESSIONS * 6);

    // Once due, the relay publishes the jobs (no worker is consuming yet)…
    await sleep(dueAt - Date.now() + 500);
    const relay = new OutboxRelay(db, t.app.get(JobProducer), t.config);
    while ((await relay.relayOnce()) > 0);
    const connections = t.app.get(QueueConnections);
    const queue = connections.queue(QueueName.Notifications);
    expect(await queue.getJobCountByTypes('waiting', 'prioritized')).toBeGreaterThanOrEqual(SESSIONS * 6);

    // …and the queue backend loses them.
    if (backend === 'redis') {
      const redis = new Redis(settings.redisUrl!);
      try {
        const keys = await redis.keys(`${t.config.redis.prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
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
