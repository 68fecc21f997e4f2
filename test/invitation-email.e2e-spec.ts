/**
 * The real worker (createWorkerApp: outbox relay + BullMQ worker) sends invitation emails to a
 * real SMTP server running in this process, on each queue backend the suite has.
 */
import 'reflect-metadata';

import { createHash, randomBytes } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';

import { loadConfig, readTestSettings, type AppConfig } from '@mend/config';
import { newId } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { InvitationEmailHandler } from '@mend/identity';
import {
  installQueueSchema,
  JobName,
  outboxJobId,
  OutboxWriter,
  QueueConnections,
  QueueName,
  type MendQueue,
} from '@mend/queue';
import { createTestDatabase, type TestDatabase } from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';

const settings = readTestSettings();
const backends: Array<'postgres' | 'redis'> = settings.redisUrl ? ['postgres', 'redis'] : ['postgres'];

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(backends)('invitation email through the worker on the %s queue backend', (backend) => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let config: AppConfig;
  let worker: INestApplicationContext;
  let tenants: TenantDatabase;
  let outbox: OutboxWriter;
  let queue: MendQueue;

  beforeAll(async () => {
    db = await createTestDatabase();
    await installQueueSchema(db.ownerUrl, 'bullmq');
    smtp = await startSmtpCatcher();
    config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.appUrl,
      DATABASE_POOL_SIZE: '5',
      JWT_SECRET: 'invitation-email-test-secret-0123456789abcdef',
      PUBLIC_URL: 'http://mend.test',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'Mend <no-reply@mend.test>',
      QUEUE_BACKEND: backend,
      REDIS_URL: backend === 'redis' ? settings.redisUrl : undefined,
      QUEUE_PREFIX: `{t-invite-${settings.runId}}`,
      OUTBOX_RELAY_INTERVAL_MS: '50',
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'silent',
    });
    worker = await createWorkerApp(config);
    tenants = worker.get(TenantDatabase);
    outbox = worker.get(OutboxWriter);
    queue = worker.get(QueueConnections).queue(QueueName.Notifications);
  });

  afterAll(async () => {
    if (backend === 'redis' && queue) await queue.obliterate({ force: true });
    await worker?.close();
    await smtp?.close();
    await db?.drop();
  });

  /** A clinic with one invited (not yet joined) therapist; the invitation is announced in the outbox. */
  async function invite(options: { isRevoked?: boolean } = {}) {
    const clinicId = newId();
    const userId = newId();
    const invitationId = newId();
    const email = `invitee-${randomBytes(4).toString('hex')}@example.test`;
    const expiresAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    const outboxId = await tenants.withClinic(clinicId, async (tx) => {
      await tx.query(
        `INSERT INTO clinic (id, name, slug, timezone) VALUES ($1, 'Harbour Couples Practice', $2, 'Europe/London')`,
        [clinicId, `harbour-${clinicId.slice(-12)}`],
      );
      await tx.query(
        `INSERT INTO "user" (clinic_id, id, email, name, role, timezone) VALUES ($1, $2, $3, 'Robin Reyes', 'therapist', 'Europe/London')`,
        [clinicId, userId, email],
      );
      await tx.query(
        `INSERT INTO invitation (clinic_id, id, user_id, token_hash, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          clinicId,
          invitationId,
          userId,
          createHash('sha256').update(randomBytes(16)).digest('hex'),
          expiresAt,
          options.isRevoked ? new Date() : null,
        ],
      );
      const { id } = await outbox.enqueue(tx, clinicId, {
        name: JobName.InvitationEmail,
        data: { clinicId, invitationId },
      });
      return id;
    });
    return { clinicId, userId, invitationId, email, expiresAt, jobId: outboxJobId(clinicId, outboxId) };
  }

  it('emails a working single-use link once', async () => {
    const invited = await invite();
    const mail = await waitFor('the invitation email', () => smtp.mails.find((m) => m.to.includes(invited.email)));

    expect(mail.body).toContain("Subject: You're invited to Harbour Couples Practice on Mend");
    expect(mail.body).toContain('Content-Type: text/html');
    const token = /http:\/\/mend\.test\/invitations\/(inv_[0-9a-f]{32}_[A-Za-z0-9_-]{43})/.exec(mail.body)?.[1];
    expect(token).toBeDefined();
    expect(token!.startsWith(`inv_${invited.clinicId.replace(/-/g, '')}_`)).toBe(true);

    // The link is a new invitation row for the same person and expiry, stored as a hash only. The
    // handler's transaction commits once the SMTP server has accepted the message, so the row can
    // become visible a moment after the email arrives.
    const rows = await waitFor('the emailed invitation row', async () => {
      const found: Array<{ user_id: string; expires_at: Date; accepted_at: Date | null }> = await tenants.withClinic(
        invited.clinicId,
        (tx) =>
          tx.query(`SELECT user_id, expires_at, accepted_at FROM invitation WHERE clinic_id = $1 AND token_hash = $2`, [
            invited.clinicId,
            createHash('sha256').update(token!).digest('hex'),
          ]),
      );
      return found.length > 0 ? found : undefined;
    });
    expect(rows).toEqual([{ user_id: invited.userId, expires_at: invited.expiresAt, accepted_at: null }]);

    // The job completed; a second delivery of it (at-least-once) sends nothing.
    await waitFor('the job to complete', async () =>
      (await queue.getJob(invited.jobId))?.finishedOn ? true : undefined,
    );
    await expect(
      worker.get(InvitationEmailHandler).handle({ clinicId: invited.clinicId, invitationId: invited.invitationId }),
    ).resolves.toBe('already_sent');
    expect(smtp.mails.filter((m) => m.to.includes(invited.email))).toHaveLength(1);
  });

  it('skips a revoked invitation', async () => {
    const invited = await invite({ isRevoked: true });
    const job = await waitFor('the job to complete', async () => {
      const found = await queue.getJob(invited.jobId);
      return found?.finishedOn ? found : undefined;
    });
    expect(job.failedReason).toBeFalsy();
    expect(smtp.mails.filter((m) => m.to.includes(invited.email))).toHaveLength(0);
  });
});
