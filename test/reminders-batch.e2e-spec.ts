/**
 * The sender's batches (issue 17): reminder jobs of one clinic that are active in a worker at the
 * same time share one tenant transaction, which locks their rows, decides each one and writes
 * every `sent` state and `reminder.sent` event with one statement each; the emails it claimed go
 * to SMTP after that commit and are recorded sent in one more transaction. Each reminder still
 * settles exactly once: a notification twice in a batch, or sent again later, changes nothing.
 */
import 'reflect-metadata';

import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { MailerService } from '@mend/mail';
import { ReminderLinkIssuer, ReminderSender } from '@mend/reminders';

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
});
