/**
 * Reminders published ahead of their instant: a burst due a few seconds from now is already in
 * the queue as delayed jobs before it is due (the relay publishes reminder sends within
 * REMINDERS_PUBLISH_AHEAD_MS), so the instant itself costs no outbox scan; every reminder is then
 * delivered once, none before its send time.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';

import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { JobProducer, OutboxRelay, QueueConnections, QueueName } from '@mend/queue';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { queueBackendsUnderTest, startQueueBackend, type StartedQueueBackend } from './support/queue-backends.js';
import { newReminderScene } from './support/reminder-scene.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SESSIONS = 10; // × (2 partners + therapist) × (email + in-app) = 60 reminders
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe.each(queueBackendsUnderTest())('reminders published ahead of time on the %s queue backend', (backend) => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let queueBackend: StartedQueueBackend | undefined;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    queueBackend = await startQueueBackend(backend);
    t = await createTestApp({
      env: {
        ...queueBackend.env,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OUTBOX_RELAY_INTERVAL_MS: '50',
        REMINDERS_PUBLISH_AHEAD_MS: '60000',
      },
    });
  }, 30_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
    await queueBackend?.stop();
  });

  it('holds the burst as delayed jobs before its instant and delivers each once, none early', async () => {
    const { clinic, sql, bookSessionsRemindedAt } = await newReminderScene(t, { dailyCap: 100 });
    const dueAt = Date.now() + 8_000;
    await bookSessionsRemindedAt(dueAt, SESSIONS);
    const total = SESSIONS * 6;

    // Before the instant, with no worker running: one relay pass puts every send in the queue, delayed.
    const relay = new OutboxRelay(t.app.get(TenantDatabase), t.app.get(JobProducer), t.config, t.app.get(Clock));
    while ((await relay.relayOnce()) > 0);
    const queue = t.app.get(QueueConnections).queue(QueueName.Notifications);
    expect(Date.now()).toBeLessThan(dueAt);
    expect(await queue.getJobCountByTypes('delayed')).toBe(total);
    const unpublished = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE clinic_id = $1 AND published_at IS NULL`,
      [clinic.clinicId],
    );
    expect(unpublished[0].n).toBe(0);

    worker = await createWorkerApp(t.config);
    const count = async (state: string) =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND state = $2`,
          [clinic.clinicId, state],
        )
      )[0].n;
    const deadline = dueAt + 30_000;
    while ((await count('sent')) < total && Date.now() < deadline) await sleep(100);
    expect(await count('sent')).toBe(total);
    const early = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND sent_at < send_at`,
      [clinic.clinicId],
    );
    expect(early[0].n).toBe(0);
    const mails = smtp.mails.filter((m) => m.body.includes('Subject: Upcoming appointment'));
    expect(mails).toHaveLength(SESSIONS * 3);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(SESSIONS * 3);
  }, 90_000);
});
