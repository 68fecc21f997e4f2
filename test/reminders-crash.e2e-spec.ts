/**
 * A worker process SIGKILLed in the middle of a batch of 200+ due reminders loses none and
 * doubles none: rows it had not delivered are still scheduled in PostgreSQL, a new worker and
 * the reconciler deliver them. An in-app reminder is delivered exactly once (its delivery is one
 * conditional state change). An email is claimed in PostgreSQL before the SMTP hand-off; one
 * killed between the server's acceptance and the commit is sent again once its claim lapses,
 * with the same Message-ID, so a mailbox shows it once: the suite counts distinct Message-IDs
 * as deliveries and allows at most one wire-level repeat per kill.
 */
import 'reflect-metadata';

import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { INestApplicationContext } from '@nestjs/common';

import { RemindersReconciler } from '@mend/reminders';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { queueBackendsUnderTest, startQueueBackend, type StartedQueueBackend } from './support/queue-backends.js';
import { newReminderScene } from './support/reminder-scene.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, testEnv, type TestApp } from './support/test-app.js';

const backends = queueBackendsUnderTest();
const auth = { type: 'bearer' } as const;
const SESSIONS = 34; // × (2 partners + therapist) × (email + in-app) = 204 reminders
const here = path.dirname(fileURLToPath(import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe.each(backends)('a worker killed mid-batch on the %s queue backend', (backend) => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let child: ChildProcess | undefined;
  let worker: INestApplicationContext | undefined;
  let env: Record<string, string | undefined>;
  let queueBackend: StartedQueueBackend | undefined;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    queueBackend = await startQueueBackend(backend);
    env = {
      ...queueBackend.env,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      OUTBOX_RELAY_INTERVAL_MS: '50',
      WORKER_CONCURRENCY: '1',
      // One reminder job at a time: at most one email in flight when the worker is killed.
      NOTIFICATIONS_WORKER_CONCURRENCY: '1',
      // A claim the killed worker left lapses in 2 s and the reconciler looks every second.
      REMINDER_CLAIM_LEASE_MS: '2000',
      REMINDERS_RECONCILE_INTERVAL_MS: '1000',
      REMINDERS_RECONCILE_GRACE_MS: '0',
    };
    t = await createTestApp({ env });
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await worker?.close();
    await t?.close();
    await smtp?.close();
    await queueBackend?.stop();
  });

  it('leaves 0 lost and 0 duplicated after a restart', async () => {
    const { clinic, therapist, couple, sql, bookSessionsRemindedAt } = await newReminderScene(t, { dailyCap: 100 });

    child = fork(path.join(here, 'support/worker-child.ts'), [], {
      execArgv: ['--import', path.join(here, 'support/ts-register.mjs')],
      env: { ...process.env, MEND_TEST_ENV: JSON.stringify(testEnv(t.db, { ...env, LOG_LEVEL: 'silent' })) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.once('message', () => resolve());
      child!.once('exit', (code) => reject(new Error(`worker child exited with ${code}`)));
    });

    // Far enough ahead that booking 34 sessions on a loaded machine ends before any is due.
    const dueAt = Date.now() + 15_000;
    await bookSessionsRemindedAt(dueAt, SESSIONS);
    const count = async (channel: string, state: string): Promise<number> =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = $2 AND state = $3`,
          [clinic.clinicId, channel, state],
        )
      )[0].n;
    const delivered = async () => (await count('in_app', 'sent')) + (await count('email', 'sent'));
    const perChannel = SESSIONS * 3;
    expect(await count('in_app', 'scheduled')).toBe(perChannel);
    expect(await count('email', 'scheduled')).toBe(perChannel);
    await sleep(dueAt - Date.now());

    // Kill the worker once it has delivered some of the batch but not all of it.
    const killBy = Date.now() + 15_000;
    while (Date.now() < killBy && (await delivered()) < 10) await sleep(5);
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    const deliveredBeforeKill = await delivered();
    expect(deliveredBeforeKill).toBeGreaterThan(0);
    expect(deliveredBeforeKill).toBeLessThan(2 * perChannel);

    // Restart: queued jobs resume; the reconciler re-adds what the dead worker held, claims included once they lapse.
    worker = await createWorkerApp(t.config);
    // A generous bound: the loop ends as soon as every reminder is delivered (a few seconds on an
    // idle machine); one job at a time on a machine loaded by other suites took over 30 s.
    const deadline = Date.now() + 90_000;
    while ((await delivered()) < 2 * perChannel && Date.now() < deadline) await sleep(100);

    expect(await count('in_app', 'sent')).toBe(perChannel);
    expect(await count('email', 'sent')).toBe(perChannel);
    // Exactly once per recipient and session in every inbox…
    for (const user of [therapist, ...couple.partners]) {
      const inbox = (await t.http().get('/v1/me/notifications?limit=200').auth(user.accessToken, auth).expect(200))
        .body;
      const sessions = (inbox.data as Array<{ kind: string; sessionId: string }>)
        .filter((n) => n.kind === 'session_reminder')
        .map((n) => n.sessionId);
      expect(sessions).toHaveLength(SESSIONS);
      expect(new Set(sessions).size).toBe(SESSIONS);
    }
    // …and in every mailbox: one Message-ID per email notification, none missing, none extra.
    const emailIds = await sql<{ id: string }>(
      `SELECT id FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = 'email'`,
      [clinic.clinicId],
    );
    const mails = smtp.mails.filter((m) => m.body.includes('Subject: Upcoming appointment'));
    const messageIds = new Set(mails.map((m) => m.messageId));
    expect([...messageIds].sort()).toEqual(emailIds.map((r) => `reminder.${r.id}@mend.test`).sort());
    const wireRepeats = mails.length - messageIds.size;
    process.stdout.write(
      `worker killed after ${deliveredBeforeKill} of ${2 * perChannel} deliveries; emails on the wire ${mails.length}, distinct ${messageIds.size}, repeats ${wireRepeats}\n`,
    );
    expect(wireRepeats).toBeLessThanOrEqual(1);
  }, 180_000);
});
