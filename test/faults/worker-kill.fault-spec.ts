/**
 * A worker SIGKILLed three times in the middle of a batch of 504 due reminders (in-app and email,
 * BullMQ on Redis), restarted after each kill: once the killed workers' jobs are recovered
 * (BullMQ's stalled-job check, then the reconciler), every reminder has gone out and none twice.
 *
 * In-app delivery is one conditional state change, so each row is delivered exactly once: every
 * inbox holds each session's reminder once. An email killed between the SMTP server's 250 and the
 * commit is sent again once its claim lease (REMINDER_CLAIM_LEASE_MS, 2 s here) has passed, with
 * the same Message-ID; so email is judged by distinct Message-IDs (what a mailbox shows), and the
 * raw repeats on the wire are reported and bounded by kills × worker concurrency.
 */
import 'reflect-metadata';

import { bookSession, newClinic, newCouple, newStaff, type CoupleContext, type StaffContext } from '@mend/testing';

import { sendRemindersImmediately } from './support/api-client.js';
import type { AppProcess } from './support/app-process.js';
import { startFaultStack, waitFor, type FaultStack } from './support/fault-stack.js';
import { auditReminders, mailedRowIds, reminderRows, sentCount, type Recipient } from './support/reminder-audit.js';
import { print, recordScenario, table } from './support/report.js';
import { sleep } from './support/services.js';

const COUPLES = 2;
const SESSIONS_PER_COUPLE = 42;
/** Each session reminds both partners and the therapist, in the app and by email. */
const TOTAL = COUPLES * SESSIONS_PER_COUPLE * 3 * 2;
const KILLS = 3;
const CONCURRENCY = 10;
/** Share of the batch delivered before each kill: all three land while the batch is being sent. */
const KILL_AT = [0.15, 0.4, 0.65];

describe('worker SIGKILLed three times during a batch of 500 reminders', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack('worker-kill', {
      WORKER_CONCURRENCY: String(CONCURRENCY),
      // Reminder sends run on the notifications queue: its concurrency bounds the emails in flight at a kill.
      NOTIFICATIONS_WORKER_CONCURRENCY: String(CONCURRENCY),
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('loses none and doubles none, in the app and by email', async () => {
    const { http, target, owner, smtp } = stack;
    let worker: AppProcess = await stack.startWorker();

    const clinic = await newClinic(target);
    await sendRemindersImmediately(http, clinic);
    const therapist: StaffContext = await newStaff(target, clinic);
    const couples: CoupleContext[] = [];
    for (let i = 0; i < COUPLES; i++) couples.push(await newCouple(target, therapist));

    // All due at one instant, far enough ahead for the sessions to be created first.
    const dueAt = Date.now() + 25_000;
    const recipients: Recipient[] = [{ member: therapist, sessions: [] }];
    for (const couple of couples) {
      const ids: string[] = [];
      for (let i = 0; i < SESSIONS_PER_COUPLE; i++)
        ids.push(await bookSession(target, therapist, couple, new Date(dueAt + 24 * 3600_000 + i * 10)));
      recipients[0].sessions.push(...ids);
      recipients.push(...couple.partners.map((member) => ({ member, sessions: ids })));
    }
    const sessionIds = recipients[0].sessions;
    const planned = await reminderRows(owner, clinic.clinicId, sessionIds);
    expect(planned).toHaveLength(TOTAL);
    expect(planned.every((r) => r.state === 'scheduled')).toBe(true);
    if (Date.now() > dueAt - 1_000)
      throw new Error('setup took longer than the lead time: the batch was already due before it was complete');
    await sleep(dueAt - Date.now());

    const sent = () => sentCount(owner, clinic.clinicId, sessionIds);
    const kills: Array<{ deliveredAtKill: number; replacementBootMs: number }> = [];
    let lastKillAt = 0;
    for (const share of KILL_AT) {
      const threshold = Math.round(share * TOTAL);
      await waitFor(
        `${threshold} of ${TOTAL} reminders delivered`,
        async () => ((await sent()) >= threshold ? true : undefined),
        90_000,
        5,
      );
      await worker.kill('SIGKILL');
      lastKillAt = Date.now();
      const deliveredAtKill = await sent();
      worker = await stack.startWorker();
      kills.push({ deliveredAtKill, replacementBootMs: Date.now() - lastKillAt });
    }

    // Recovered when every row is settled and every email row has reached the SMTP server.
    const emailRows = planned.filter((r) => r.channel === 'email').length;
    await waitFor(
      'every reminder to be delivered after the kills',
      async () => ((await sent()) === TOTAL && mailedRowIds(smtp, planned).size === emailRows ? true : undefined),
      240_000,
      250,
    );
    const recoveryMs = Date.now() - lastKillAt;
    // A repeat of an email still in flight lands within this settle time and is counted.
    await sleep(3_000);

    const audit = await auditReminders(http, smtp, await reminderRows(owner, clinic.clinicId, sessionIds), recipients);
    const figures = {
      reminders: TOTAL,
      kills: kills.map((k, i) => ({ kill: i + 1, ...k })),
      workerConcurrency: CONCURRENCY,
      claimLeaseMs: Number(stack.env.REMINDER_CLAIM_LEASE_MS),
      recoveryMsAfterLastKill: recoveryMs,
      ...audit,
      rawWireRepeatsBound: KILLS * CONCURRENCY,
    };
    print(
      table(
        `worker SIGKILL ×${KILLS} during ${TOTAL} reminders (BullMQ on Redis, concurrency ${CONCURRENCY}, claim lease ${figures.claimLeaseMs} ms)`,
        ['channel', 'rows', 'delivered', 'lost', 'duplicated', 'raw wire repeats'],
        [
          ['in-app', audit.inApp.rows, audit.inApp.delivered, audit.inApp.lost, audit.inApp.duplicated, '-'],
          [
            'email',
            audit.email.rows,
            audit.email.delivered,
            audit.email.lost,
            audit.email.duplicated,
            `${audit.email.rawWireRepeats} (bound ${KILLS * CONCURRENCY})`,
          ],
        ],
        [
          ...kills.map(
            (k, i) =>
              `kill #${i + 1} at ${k.deliveredAtKill}/${TOTAL} delivered; replacement worker ready ${k.replacementBootMs} ms after the kill`,
          ),
          `all delivered ${(recoveryMs / 1000).toFixed(1)} s after the last kill; ${audit.email.mailsOnTheWire} reminder mails on the wire for ${audit.email.rows} email rows`,
        ],
      ),
    );
    recordScenario('workerKill', figures);

    for (const k of kills) {
      expect(k.deliveredAtKill).toBeGreaterThan(0);
      expect(k.deliveredAtKill).toBeLessThan(TOTAL);
    }
    expect(audit.inApp).toEqual({ rows: TOTAL / 2, delivered: TOTAL / 2, lost: 0, duplicated: 0 });
    expect(audit.email).toMatchObject({
      rows: TOTAL / 2,
      delivered: TOTAL / 2,
      lost: 0,
      duplicated: 0,
      unattributed: 0,
      misaddressed: 0,
    });
    expect(audit.email.rawWireRepeats).toBeLessThanOrEqual(KILLS * CONCURRENCY);
    expect(stack.crashes()).toEqual([]);
  });
});
