/**
 * A worker process SIGKILLed in the middle of a batch of 200+ due reminders loses none and
 * doubles none: rows it had not delivered are still scheduled in PostgreSQL, a new worker and
 * the reconciler deliver them, and each in-app reminder is delivered exactly once (its delivery
 * is one conditional state change). Emails are switched off here: an email killed between the
 * SMTP server's acceptance and the commit is the one window that can repeat (see
 * REMINDER_CLAIM_LEASE_MS), which a test cannot make deterministic.
 */
import 'reflect-metadata';
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplicationContext } from '@nestjs/common';
import { readTestSettings } from '@mend/config';
import { TenantDatabase } from '@mend/database';
import { type TestApp, createTestApp, newClinic, newCouple, newStaff, testEnv } from '@mend/testing';
import { RemindersReconciler } from '../apps/worker/src/processors/reminders.reconciler.js';
import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';

const settings = readTestSettings();
const backends: Array<'postgres' | 'redis'> = settings.redisUrl ? ['postgres', 'redis'] : ['postgres'];
const auth = { type: 'bearer' } as const;
const SESSIONS = 34; // × (2 partners + therapist) in-app = 102 deliveries, plus 102 emails switched off: 204 reminders
const here = path.dirname(fileURLToPath(import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe.each(backends)('a worker killed mid-batch on the %s queue backend', (backend) => {
  let t: TestApp;
  let child: ChildProcess | undefined;
  let worker: INestApplicationContext | undefined;
  const env = { QUEUE_BACKEND: backend, OUTBOX_RELAY_INTERVAL_MS: '50', WORKER_CONCURRENCY: '1' };

  beforeAll(async () => {
    t = await createTestApp({ env });
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await worker?.close();
    await t?.close();
  });

  it('leaves 0 lost and 0 duplicated after a restart', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const db = t.app.get(TenantDatabase);
    const sql = (query: string, params: unknown[] = []) => db.withClinic(clinic.clinicId, (tx) => tx.query(query, params));
    await sql(`UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', '{"quietHours": {"start": "00:00", "end": "00:00"}, "dailyCap": 100}') WHERE id = $1`, [
      clinic.clinicId,
    ]);
    await sql(`UPDATE "user" SET notification_preferences = '{"email": false}' WHERE clinic_id = $1`, [clinic.clinicId]);

    child = fork(path.join(here, 'support/worker-child.ts'), [], {
      execArgv: ['--import', path.join(here, 'support/ts-register.mjs')],
      env: { ...process.env, MEND_TEST_ENV: JSON.stringify(testEnv(t.db, { ...env, LOG_LEVEL: 'silent' })) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.once('message', () => resolve());
      child!.once('exit', (code) => reject(new Error(`worker child exited with ${code}`)));
    });

    const dueAt = Date.now() + 6_000;
    for (let i = 0; i < SESSIONS; i++) {
      const startsAt = new Date(dueAt + 24 * 3600_000 + i * 10);
      await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({ startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3600_000).toISOString() })
        .expect(201);
    }
    const count = async (channel: string, state: string): Promise<number> =>
      (
        await sql(`SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = $2 AND state = $3`, [
          clinic.clinicId,
          channel,
          state,
        ])
      )[0].n;
    const total = SESSIONS * 3;
    expect(await count('in_app', 'scheduled')).toBe(total);
    await sleep(dueAt - Date.now());

    // Kill the worker once it has delivered some of the batch but not all of it.
    const killBy = Date.now() + 15_000;
    let deliveredBeforeKill = 0;
    while (Date.now() < killBy) {
      deliveredBeforeKill = await count('in_app', 'sent');
      if (deliveredBeforeKill >= 5) break;
      await sleep(5);
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    deliveredBeforeKill = await count('in_app', 'sent');
    expect(deliveredBeforeKill).toBeGreaterThan(0);
    expect(deliveredBeforeKill).toBeLessThan(total);

    // Restart: the relay has nothing left to publish; queued jobs resume, the reconciler adds the rest.
    worker = await createWorkerApp(t.config);
    await worker.get(RemindersReconciler).reconcileAll(new Date(), 0);
    const deadline = Date.now() + 20_000;
    while ((await count('in_app', 'sent')) < total && Date.now() < deadline) await sleep(100);

    expect(await count('in_app', 'sent')).toBe(total);
    expect(await count('email', 'skipped')).toBe(total);
    // Exactly once per recipient and session: every inbox holds SESSIONS reminders.
    for (const user of [therapist, ...couple.partners]) {
      const inbox = (await t.http().get('/v1/me/notifications?limit=200').auth(user.accessToken, auth).expect(200)).body;
      const sessions = (inbox.data as Array<{ kind: string; sessionId: string }>).filter((n) => n.kind === 'session_reminder').map((n) => n.sessionId);
      expect(sessions).toHaveLength(SESSIONS);
      expect(new Set(sessions).size).toBe(SESSIONS);
    }
  }, 60_000);
});
