/**
 * The sender's batches (issue 17): reminder jobs of one clinic that are active in a worker at the
 * same time share one tenant transaction, which locks their rows, decides each one and writes
 * every `sent` state and `reminder.sent` event with one statement each; the emails it claimed go
 * to SMTP after that commit and are recorded sent in one more transaction. Each reminder still
 * settles exactly once: a notification twice in a batch, or sent again later, changes nothing.
 */
import 'reflect-metadata';

import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { MailerService } from '@mend/mail';
import {
  JOB_POLICIES,
  JobName,
  JobProducer,
  outboxDedupeId,
  outboxJobId,
  QueueConnections,
  QueueName,
} from '@mend/queue';
import { OccurrenceHorizon, ReminderLinkIssuer, ReminderSender, RemindersReconciler } from '@mend/reminders';

import { newReminderScene } from './support/reminder-scene.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const auth = { type: 'bearer' } as const;
const SESSIONS = 10; // × (2 partners + therapist) × (email + in-app) = 60 reminders

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

class NoCheckInLinks extends ReminderLinkIssuer {
  async linkFor(): Promise<string | null> {
    return null;
  }
}

describe('reminder sends of one clinic active together', () => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let receiver: WebhookReceiver;
  let mailer: MailerService;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    receiver = await startWebhookReceiver();
    t = await createTestApp({
      env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` },
    });
    mailer = new MailerService(t.config);
  });

  afterAll(async () => {
    await mailer?.onModuleDestroy();
    await t?.close();
    await smtp?.close();
    await receiver?.close();
  });

  it('share one transaction to decide and one to record the emails, and each goes exactly once', async () => {
    const { clinic, sql, bookSessionsRemindedAt } = await newReminderScene(t, { dailyCap: 100 });
    await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(clinic.admin.accessToken, auth)
      .send({ url: receiver.url('/reminders'), events: ['reminder.sent'] })
      .expect(201);
    const dueAt = Date.now() + 1_000;
    await bookSessionsRemindedAt(dueAt, SESSIONS);
    await sleep(dueAt - Date.now() + 50);
    const ids = (
      await sql<{ id: string }>(
        `SELECT id FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND state = 'scheduled'`,
        [clinic.clinicId],
      )
    ).map((r) => r.id);
    expect(ids).toHaveLength(SESSIONS * 6);

    // The real TenantDatabase, counting the tenant transactions the sender opens.
    const db = t.app.get(TenantDatabase);
    let transactions = 0;
    const counting = Object.create(db) as TenantDatabase;
    counting.withClinic = (clinicId, work) => {
      transactions += 1;
      return db.withClinic(clinicId, work);
    };
    const sender = new ReminderSender(counting, mailer, t.config, t.app.get(Clock), new NoCheckInLinks());
    const attempt = { isFinalAttempt: false };

    // As a worker's concurrent jobs do: submitted together (five of them twice, as a re-added job would be).
    await Promise.all([...ids, ...ids.slice(0, 5)].map((id) => sender.send(clinic.clinicId, id, attempt)));
    expect(transactions).toBe(2);

    const rows = await sql<{ channel: string; state: string; attempts: number }>(
      `SELECT channel, state, attempts FROM notification WHERE clinic_id = $1 AND id = ANY($2::uuid[])`,
      [clinic.clinicId, ids],
    );
    expect(rows.filter((r) => r.state === 'sent' && r.attempts === 1)).toHaveLength(SESSIONS * 6);
    const events = await sql<{ notification_id: string }>(
      `SELECT data->>'notificationId' AS notification_id FROM webhook_event WHERE clinic_id = $1 AND type = 'reminder.sent'`,
      [clinic.clinicId],
    );
    expect(events.map((e) => e.notification_id).sort()).toEqual([...ids].sort());
    const fanouts = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE clinic_id = $1 AND job_name = 'webhook.fanout'`,
      [clinic.clinicId],
    );
    expect(fanouts[0].n).toBe(SESSIONS * 6);
    const mails = () => smtp.mails.filter((m) => m.body.includes('Subject: Upcoming appointment'));
    expect(mails()).toHaveLength(SESSIONS * 3);
    expect(new Set(mails().map((m) => m.messageId)).size).toBe(SESSIONS * 3);

    // Sent again (a job that ran twice): one transaction finds every row settled and writes nothing.
    await Promise.all(ids.map((id) => sender.send(clinic.clinicId, id, attempt)));
    expect(transactions).toBe(3);
    await sleep(200);
    expect(mails()).toHaveLength(SESSIONS * 3);
    expect(
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_event WHERE clinic_id = $1 AND type = 'reminder.sent'`,
          [clinic.clinicId],
        )
      )[0].n,
    ).toBe(SESSIONS * 6);
  }, 60_000);

  it("the reconciler leaves a reminder whose attempt just failed to that job's backoff", async () => {
    const scene = await newReminderScene(t, { dailyCap: 100 });
    const clinicId = scene.clinic.clinicId;
    const dueAt = Date.now() + 1_000;
    await scene.bookSessionsRemindedAt(dueAt, 1);
    await sleep(dueAt - Date.now() + 50);
    const due = await scene.sql<{ id: string; channel: string; send_at: Date }>(
      `SELECT id, channel, send_at FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' ORDER BY id`,
      [clinicId],
    );
    expect(due).toHaveLength(6);
    const failed = due.find((r) => r.channel === 'email')!;
    // Their jobs were lost (announced, then gone from the queue)…
    await scene.sql(`UPDATE outbox SET published_at = mend_now() WHERE clinic_id = $1 AND published_at IS NULL`, [
      clinicId,
    ]);
    const connections = t.app.get(QueueConnections);
    const queue = connections.queue(QueueName.Notifications);
    const ids = new Set(due.map((r) => r.id));
    for (const job of await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1))
      if (ids.has((job.data as { notificationId?: string }).notificationId ?? '')) await job.remove();
    // …except an email's, whose attempt is running: it fails and records it, and its job has not
    // moved to the backoff yet.
    const announced = outboxJobId(
      clinicId,
      outboxDedupeId(clinicId, JobName.ReminderSend, `${failed.id}.${failed.send_at.getTime()}`),
    );
    await queue.add(
      JobName.ReminderSend,
      { clinicId, notificationId: failed.id },
      { ...JOB_POLICIES[JobName.ReminderSend].options, jobId: announced },
    );
    let attemptRecorded!: () => void;
    const recorded = new Promise<void>((resolve) => (attemptRecorded = resolve));
    let finishAttempt!: () => void;
    const finish = new Promise<void>((resolve) => (finishAttempt = resolve));
    const worker = connections.createWorker(
      QueueName.Notifications,
      async (job) => {
        if (job.id !== announced) return;
        await scene.sql(
          `UPDATE notification SET last_error = 'SMTP unavailable', updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
          [clinicId, failed.id],
        );
        attemptRecorded();
        await finish;
        throw new Error('SMTP unavailable');
      },
      { concurrency: 1 },
    );
    try {
      await recorded;
      expect(await (await queue.getJob(announced))!.getState()).toBe('active');
      const reconciler = new RemindersReconciler(
        t.app.get(TenantDatabase),
        t.app.get(JobProducer),
        connections,
        t.config,
        t.app.get(OccurrenceHorizon),
      );
      const now = new Date();
      const readded = async () =>
        (
          await Promise.all(
            due.map(async (r) =>
              (await queue.getJob(`reminder-reconcile.${clinicId}.${r.id}.${Math.floor(now.getTime() / 60_000)}`))
                ? r.id
                : null,
            ),
          )
        ).filter((id) => id !== null);
      expect(await reconciler.reconcileClinic(clinicId, now, 0)).toBe(5);
      expect(await readded()).toEqual(due.filter((r) => r !== failed).map((r) => r.id));
      finishAttempt();
      // The retry keeps its backoff.
      for (let state = ''; state !== 'delayed'; await sleep(50))
        state = await (await queue.getJob(announced))!.getState();
    } finally {
      finishAttempt();
      await connections.closeWorker(worker, 5_000);
    }
  }, 60_000);

  describe('two workers sending to the same recipients at once', () => {
    /** A worker's sender of its own (two worker processes each have one). */
    const newSender = () =>
      new ReminderSender(t.app.get(TenantDatabase), mailer, t.config, t.app.get(Clock), new NoCheckInLinks());
    const attempt = { isFinalAttempt: false };

    /** Reminders due now of the scene's sessions, oldest first. */
    async function dueSessionReminders(scene: Awaited<ReturnType<typeof newReminderScene>>, sessions: number) {
      const dueAt = Date.now() + 1_000;
      await scene.bookSessionsRemindedAt(dueAt, sessions);
      await sleep(dueAt - Date.now() + 50);
      return scene.sql<{ id: string; recipient_id: string; channel: string }>(
        `SELECT id, recipient_id, channel FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND state = 'scheduled' ORDER BY send_at, id`,
        [scene.clinic.clinicId],
      );
    }

    /**
     * Another worker's batch in flight on a recipient's channel, as far as the daily cap is
     * concerned: a transaction holding that channel's cap lock shared (ReminderSender's key).
     */
    async function holdCapLockShared(clinicId: string, recipientId: string, channel: string) {
      const runner = t.app.get<DataSource>(getDataSourceToken()).createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      await runner.query(`SELECT pg_advisory_xact_lock_shared(hashtext($1))`, [
        `mend.reminder-cap.${clinicId}.${recipientId}.${channel}`,
      ]);
      return async () => {
        await runner.rollbackTransaction();
        await runner.release();
      };
    }

    /** Resolves once some session of this database waits for an advisory lock. */
    async function someoneWaitsForTheCapLock(): Promise<'waited'> {
      for (;;) {
        const waiting = await t.app
          .get<DataSource>(getDataSourceToken())
          .query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
        if (waiting.length > 0) return 'waited';
        await sleep(25);
      }
    }

    it('never take a recipient past the daily cap: the reminders over it go to one digest', async () => {
      const scene = await newReminderScene(t, { dailyCap: 3 });
      const due = await dueSessionReminders(scene, 5); // 5 per recipient and channel
      const [a, b] = [newSender(), newSender()];
      // Each worker got every other job of each recipient's channel, and both run them at the same moment.
      const seen = new Map<string, number>();
      const worker = (r: (typeof due)[number]) => {
        const k = (seen.get(`${r.recipient_id}.${r.channel}`) ?? 0) + 1;
        seen.set(`${r.recipient_id}.${r.channel}`, k);
        return k % 2 === 0 ? a : b;
      };
      await Promise.all(due.map((r) => worker(r).send(scene.clinic.clinicId, r.id, attempt)));
      const rows = await scene.sql<{ recipient_id: string; channel: string; state: string; n: number }>(
        `SELECT recipient_id, channel, state, count(*)::int AS n FROM notification
          WHERE clinic_id = $1 AND kind = 'session_reminder' GROUP BY 1, 2, 3`,
        [scene.clinic.clinicId],
      );
      const pairs = new Set(due.map((r) => `${r.recipient_id}.${r.channel}`));
      expect(pairs.size).toBe(6);
      for (const pair of pairs) {
        const of = (state: string) =>
          rows.find((r) => `${r.recipient_id}.${r.channel}` === pair && r.state === state)?.n ?? 0;
        expect({ pair, sent: of('sent'), merged: of('skipped') }).toEqual({ pair, sent: 3, merged: 2 });
      }
      const digests = await scene.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'digest'`,
        [scene.clinic.clinicId],
      );
      expect(digests[0].n).toBe(6);
    }, 60_000);

    it("far from the cap, one worker's batch does not wait for the other's on the same recipients", async () => {
      const scene = await newReminderScene(t, { dailyCap: 100 });
      const due = await dueSessionReminders(scene, 2);
      const release = await holdCapLockShared(scene.clinic.clinicId, due[0].recipient_id, due[0].channel);
      try {
        const sending = Promise.all(due.map((r) => newSender().send(scene.clinic.clinicId, r.id, attempt)));
        expect(await Promise.race([sending.then(() => 'sent'), someoneWaitsForTheCapLock()])).toBe('sent');
      } finally {
        await release();
      }
      const sent = await scene.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND state = 'sent'`,
        [scene.clinic.clinicId, due.map((r) => r.id)],
      );
      expect(sent[0].n).toBe(due.length);
    }, 60_000);

    it("near the cap, a worker's batch waits for the other's on that recipient, then keeps to the cap", async () => {
      const scene = await newReminderScene(t, { dailyCap: 1 });
      const due = await dueSessionReminders(scene, 2);
      const mine = due.filter((r) => r.recipient_id === due[0].recipient_id && r.channel === due[0].channel);
      expect(mine).toHaveLength(2);
      const release = await holdCapLockShared(scene.clinic.clinicId, due[0].recipient_id, due[0].channel);
      const sending = Promise.all(mine.map((r) => newSender().send(scene.clinic.clinicId, r.id, attempt)));
      try {
        expect(await Promise.race([sending.then(() => 'sent'), someoneWaitsForTheCapLock()])).toBe('waited');
      } finally {
        await release();
      }
      await sending;
      const states = await scene.sql<{ state: string; skip_reason: string | null }>(
        `SELECT state, skip_reason FROM notification WHERE clinic_id = $1 AND id = ANY($2::uuid[]) ORDER BY state`,
        [scene.clinic.clinicId, mine.map((r) => r.id)],
      );
      expect(states).toEqual([
        { state: 'sent', skip_reason: null },
        { state: 'skipped', skip_reason: 'merged' },
      ]);
    }, 60_000);
  });
});
