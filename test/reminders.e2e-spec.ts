/**
 * Reminders end to end: the real API plans them, the real worker (createWorkerApp: outbox relay,
 * BullMQ workers, reminder sender) delivers them to a real SMTP server in this process, on each
 * queue backend the suite has (BullMQ's PostgreSQL backend always, Redis when available).
 * All scenarios are laid out first and share one wait, so the file stays fast.
 */
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';

import { readTestSettings } from '@mend/config';
import { TenantDatabase } from '@mend/database';
import {
  bookSession,
  builtinExerciseId,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { queueBackendsUnderTest, startQueueBackend, type StartedQueueBackend } from './support/queue-backends.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const settings = readTestSettings();
const backends = queueBackendsUnderTest();
const auth = { type: 'bearer' } as const;
/**
 * How late a reminder may arrive and still count as sent with its due instant (a delayed job
 * coming due), not by a later pass of the reconciler (every 60 s). A functional bound, not the
 * speed figure: lateness p50/p99 (about 2 s was the acceptance figure) is measured by
 * `npm run bench:reminders`, because a timed assertion here fails whenever another test file
 * shares the two cores.
 */
const MAX_LATENESS_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)('reminders through the worker on the %s queue backend', (backend) => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let smtp: SmtpCatcher;
  let receiver: WebhookReceiver;
  let queueBackend: StartedQueueBackend | undefined;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let pulseId: string;

  // Invitations to the partners go through the same SMTP server; only reminders count here.
  const mailsTo = (email: string) =>
    smtp.mails.filter((m) => m.to.includes(email) && !m.body.includes("Subject: You're invited"));

  async function sql<T = unknown>(query: string, params: unknown[] = []): Promise<T[]> {
    return t.app.get(TenantDatabase).withClinic(clinic.clinicId, (tx) => tx.query(query, params));
  }

  async function assignDueAt(couple: CoupleContext, dueAt: Date): Promise<string> {
    const res = await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: dueAt.toISOString() },
    });
    return res.id;
  }

  async function remindersOf(couple: CoupleContext): Promise<
    Array<{
      recipientId: string;
      kind: string;
      channel: string;
      state: string;
      skipReason: string | null;
      sendAt: string;
    }>
  > {
    return (
      await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/reminders?limit=200`)
        .auth(therapist.accessToken, auth)
        .expect(200)
    ).body.data;
  }

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    receiver = await startWebhookReceiver();
    queueBackend = await startQueueBackend(backend);
    t = await createTestApp({
      env: {
        WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`,
        ...queueBackend.env,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Mend <no-reply@mend.test>',
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WORKER_CONCURRENCY: '10',
      },
    });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    // No clinic-wide quiet hours, so reminders due now go out now (one scenario sets a user's own);
    // no lead either (the default is 2 h before the due time), so a send is due at the due time.
    await sql(
      `UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', '{"quietHours": {"start": "00:00", "end": "00:00"}, "homeworkLeadMinutes": 0}') WHERE id = $1`,
      [clinic.clinicId],
    );
    pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    // An integration listening for reminder.sent.
    await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(clinic.admin.accessToken, auth)
      .send({ url: receiver.url('/reminders'), events: ['reminder.sent'] })
      .expect(201);
  });

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
    await receiver?.close();
    await queueBackend?.stop();
  });

  describe('scenarios due a few seconds from now', () => {
    let onTime: CoupleContext;
    let checkedIn: CoupleContext;
    let paused: CoupleContext;
    let cancelled: CoupleContext;
    let quiet: CoupleContext;
    let badAddress: CoupleContext;
    let moved: CoupleContext;
    let dueAt: Date;
    let quietEnd: DateTime;

    beforeAll(async () => {
      [onTime, checkedIn, paused, cancelled, quiet, badAddress, moved] = await Promise.all(
        [1, 2, 3, 4, 5, 6, 7].map(() => newCouple(t, therapist)),
      );
      smtp.rejectedRecipients.add(badAddress.partners[0].email);
      // The quiet partner's own quiet hours cover now (in their zone) and end in a few minutes.
      const local = DateTime.now().setZone(quiet.partners[0].timezone);
      quietEnd = local.plus({ minutes: 3 }).startOf('minute');
      await sql(`UPDATE "user" SET quiet_hours_start = $2, quiet_hours_end = $3 WHERE clinic_id = $1 AND id = $4`, [
        clinic.clinicId,
        local.minus({ minutes: 1 }).toFormat('HH:mm'),
        quietEnd.toFormat('HH:mm'),
        quiet.partners[0].id,
      ]);

      dueAt = new Date(suiteClock.nowMs() + 5_000);
      await assignDueAt(onTime, dueAt);
      await assignDueAt(quiet, dueAt);
      await assignDueAt(badAddress, dueAt);
      const toCheckIn = await assignDueAt(checkedIn, dueAt);
      const toPause = await assignDueAt(paused, dueAt);
      // Due an hour later; the therapist then asks for reminders an hour early, i.e. at dueAt.
      const toMove = await assignDueAt(moved, new Date(dueAt.getTime() + 60 * 60_000));
      const sessionId = await bookSession(t, therapist, cancelled, new Date(dueAt.getTime() + 24 * 3600_000));

      // Before the due time: one partner checks in, an assignment is paused, a session cancelled.
      await t
        .http()
        .post(`/v1/assignments/${toCheckIn}/check-ins`)
        .auth(checkedIn.partners[0].accessToken, auth)
        .send({ occurrenceAt: dueAt.toISOString(), answers: { trust: 7, safety: 6 }, visibility: 'private' })
        .expect(201);
      await t
        .http()
        .patch(`/v1/assignments/${toPause}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'paused' })
        .expect(200);
      await t
        .http()
        .patch(`/v1/assignments/${toMove}`)
        .auth(therapist.accessToken, auth)
        .send({ reminders: { minutesBefore: 60 } })
        .expect(200);
      await t
        .http()
        .patch(`/v1/sessions/${sessionId}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'cancelled' })
        .expect(200);
      expect(suiteClock.nowMs()).toBeLessThan(dueAt.getTime());

      await sleep(dueAt.getTime() + MAX_LATENESS_MS + 500 - suiteClock.nowMs());
    }, 30_000);

    it('delivers a due reminder by email and in-app with its due instant (within seconds, not at a reconciler pass), never before, exactly once', async () => {
      for (const partner of onTime.partners) {
        const mails = mailsTo(partner.email);
        expect(mails).toHaveLength(1);
        expect(mails[0].receivedAt).toBeGreaterThanOrEqual(dueAt.getTime());
        expect(mails[0].receivedAt - dueAt.getTime()).toBeLessThanOrEqual(MAX_LATENESS_MS);
        expect(mails[0].body).toContain('Subject: A check-in is ready for you');
        expect(mails[0].body).not.toMatch(/^Subject: .*(trust|pulse)/im);
        expect(mails[0].body).toContain('text/plain');
        expect(mails[0].body).toContain('text/html');
        expect(mails[0].body).toContain('http://mend.test/');
        const inbox = (await t.http().get('/v1/me/notifications').auth(partner.accessToken, auth).expect(200)).body;
        expect(inbox.unreadCount).toBe(1);
        expect(inbox.data[0]).toMatchObject({ kind: 'homework_due' });
      }
      const rows = await remindersOf(onTime);
      expect(rows.filter((r) => r.kind === 'homework_due').map((r) => r.state)).toEqual([
        'sent',
        'sent',
        'sent',
        'sent',
      ]);
    });

    it('announces each sent reminder to integrations as a thin reminder.sent webhook', async () => {
      const partnerIds = onTime.partners.map((p) => p.id);
      const mine = (hooks: Array<{ body: string }>) =>
        hooks.map((h) => JSON.parse(h.body)).filter((e) => partnerIds.includes(e.data.recipientId));
      const hooks = await receiver.waitFor(
        (all) => mine(all.filter((h) => h.path === '/reminders')).length >= 4,
        10_000,
      );
      const events = mine(hooks.filter((h) => h.path === '/reminders'));
      expect(events.every((e) => e.type === 'reminder.sent' && typeof e.data.notificationId === 'string')).toBe(true);
      expect(new Set(events.map((e) => e.data.notificationId)).size).toBe(events.length);
      expect(JSON.stringify(events)).not.toMatch(/trust|pulse|Subject/i);
    });

    it('sends at the time of the reminder settings changed after planning, once, and not at the old time', async () => {
      for (const partner of moved.partners) {
        const mails = mailsTo(partner.email);
        expect(mails).toHaveLength(1);
        expect(mails[0].receivedAt).toBeGreaterThanOrEqual(dueAt.getTime());
        expect(mails[0].receivedAt - dueAt.getTime()).toBeLessThanOrEqual(MAX_LATENESS_MS);
      }
      const due = (await remindersOf(moved)).filter((r) => r.kind === 'homework_due');
      expect(due).toHaveLength(4);
      expect(due.every((r) => r.state === 'sent' && new Date(r.sendAt).getTime() === dueAt.getTime())).toBe(true);
    });

    it('suppresses the reminder of a partner who checked in before it was due', async () => {
      expect(mailsTo(checkedIn.partners[0].email)).toHaveLength(0);
      expect(mailsTo(checkedIn.partners[1].email)).toHaveLength(1);
      const rows = (await remindersOf(checkedIn)).filter((r) => r.recipientId === checkedIn.partners[0].id);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.state === 'skipped' && r.skipReason === 'already_done')).toBe(true);
    });

    it('suppresses the reminders of a paused assignment', async () => {
      for (const partner of paused.partners) expect(mailsTo(partner.email)).toHaveLength(0);
      expect((await remindersOf(paused)).filter((r) => r.state === 'sent')).toHaveLength(0);
    });

    it('suppresses the reminders of a cancelled session, for partners and therapist', async () => {
      for (const partner of cancelled.partners) expect(mailsTo(partner.email)).toHaveLength(0);
      expect(smtp.mails.filter((m) => m.body.includes('Upcoming appointment'))).toHaveLength(0);
      const rows = (await remindersOf(cancelled)).filter((r) => r.kind === 'session_reminder');
      expect(rows).toHaveLength(6);
      expect(rows.every((r) => r.state === 'skipped' && r.skipReason === 'cancelled')).toBe(true);
    });

    it('defers a reminder that falls inside quiet hours to their end', async () => {
      const [inQuiet, awake] = quiet.partners;
      expect(mailsTo(inQuiet.email)).toHaveLength(0);
      expect(mailsTo(awake.email)).toHaveLength(1);
      const rows = (await remindersOf(quiet)).filter((r) => r.recipientId === inQuiet.id && r.kind === 'homework_due');
      expect(rows).toHaveLength(2);
      // On a fall-back night a repeated end resolves to its last pass (reminder-time.ts): quiet
      // hours cover both passes of the repeated hour.
      const repeated = quietEnd.plus({ hours: 1 });
      const end = repeated.toFormat('HH:mm') === quietEnd.toFormat('HH:mm') ? repeated : quietEnd;
      for (const row of rows) {
        expect(row.state).toBe('deferred');
        expect(new Date(row.sendAt).getTime()).toBe(end.toMillis());
      }
    });

    it('records a permanently refused email as failed at once, with an error code and no address', async () => {
      const [refused, fine] = badAddress.partners;
      expect(mailsTo(fine.email)).toHaveLength(1);
      const rows = (await remindersOf(badAddress)).filter(
        (r) => r.recipientId === refused.id && r.kind === 'homework_due',
      );
      const email = rows.find((r) => r.channel === 'email') as unknown as {
        state: string;
        attempts: number;
        lastError: string;
      };
      expect(email).toMatchObject({ state: 'failed', attempts: 1 });
      expect(email.lastError).toMatch(/SMTP 550/);
      expect(email.lastError).not.toContain(refused.email);
      // The in-app channel is independent of the refused address.
      expect(rows.find((r) => r.channel === 'in_app')!.state).toBe('sent');
    });
  });

  it("re-plans the sends already planned when an assignment's reminder settings change", async () => {
    const couple = await newCouple(t, therapist);
    const dueAt = new Date(suiteClock.nowMs() + 2 * 24 * 3600_000);
    const assignmentId = await assignDueAt(couple, dueAt);
    const homework = async () => (await remindersOf(couple)).filter((r) => r.kind === 'homework_due');
    expect((await homework()).map((r) => [r.state, r.sendAt])).toEqual(
      Array(4).fill(['scheduled', dueAt.toISOString()]),
    );

    const patch = (reminders: object) =>
      t
        .http()
        .patch(`/v1/assignments/${assignmentId}`)
        .auth(therapist.accessToken, auth)
        .send({ reminders })
        .expect(200);
    await patch({ minutesBefore: 90 });
    const earlier = new Date(dueAt.getTime() - 90 * 60_000).toISOString();
    expect((await homework()).map((r) => [r.state, r.sendAt])).toEqual(Array(4).fill(['scheduled', earlier]));

    await patch({ isEnabled: false });
    const off = await remindersOf(couple);
    expect(off.length).toBeGreaterThanOrEqual(4);
    expect(
      off
        .filter((r) => r.kind === 'homework_due' || r.kind === 'overdue_nudge')
        .every((r) => r.state === 'skipped' && r.skipReason === 'reminders_off'),
    ).toBe(true);

    await patch({ isEnabled: true, minutesBefore: 0 });
    expect((await homework()).map((r) => [r.state, r.skipReason, r.sendAt])).toEqual(
      Array(4).fill(['scheduled', null, dueAt.toISOString()]),
    );
    // One row per send throughout: the changes moved rows, they never added any.
    expect(await remindersOf(couple)).toHaveLength(off.length);
  });

  it("re-plans a user's planned reminders when their quiet hours change, and only theirs", async () => {
    const couple = await newCouple(t, therapist);
    const remindAt = new Date(suiteClock.nowMs() + 24 * 3600_000);
    const startsAt = new Date(remindAt.getTime() + 24 * 3600_000);
    await bookSession(t, therapist, couple, startsAt);
    const [partner, other] = couple.partners;
    const sessionRows = async () => (await remindersOf(couple)).filter((r) => r.kind === 'session_reminder');
    const of = (rows: Awaited<ReturnType<typeof sessionRows>>, id: string) =>
      rows.filter((r) => r.recipientId === id).map((r) => [r.state, r.sendAt]);
    expect(of(await sessionRows(), partner.id)).toEqual(Array(2).fill(['scheduled', remindAt.toISOString()]));

    // The partner's new quiet hours cover the planned time: both channels move to their end.
    const local = DateTime.fromJSDate(remindAt).setZone(partner.timezone);
    const quietEnd = local.plus({ hours: 1 }).startOf('minute');
    const me = (quietHours: object | null) =>
      t.http().patch('/v1/me').auth(partner.accessToken, auth).send({ quietHours }).expect(200);
    await me({ start: local.minus({ hours: 1 }).toFormat('HH:mm'), end: quietEnd.toFormat('HH:mm') });
    const moved = await sessionRows();
    expect(of(moved, partner.id)).toEqual(Array(2).fill(['deferred', quietEnd.toJSDate().toISOString()]));
    expect(of(moved, other.id)).toEqual(Array(2).fill(['scheduled', remindAt.toISOString()]));

    // Back to the clinic's (no quiet hours here): back to the planned time.
    await me(null);
    expect(of(await sessionRows(), partner.id)).toEqual(Array(2).fill(['scheduled', remindAt.toISOString()]));
  });

  it('merges reminders over the daily cap into one digest instead of dropping them', async () => {
    const capped = await newClinic(t);
    const cappedTherapist = await newStaff(t, capped);
    const couple = await newCouple(t, cappedTherapist);
    const db = t.app.get(TenantDatabase);
    await db.withClinic(capped.clinicId, (tx) =>
      tx.query(
        `UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', '{"quietHours": {"start": "00:00", "end": "00:00"}, "dailyCap": 1, "homeworkLeadMinutes": 0}') WHERE id = $1`,
        [capped.clinicId],
      ),
    );
    const pulseId = await builtinExerciseId(t, cappedTherapist.accessToken, 'trust_pulse');
    const dueAt = new Date(suiteClock.nowMs() + 3_000);
    for (let i = 0; i < 3; i++) {
      await newAssignment(t, cappedTherapist, couple, pulseId, {
        schedule: { type: 'once', dueAt: dueAt.toISOString() },
      });
    }
    await sleep(dueAt.getTime() + MAX_LATENESS_MS + 500 - suiteClock.nowMs());
    const partner = couple.partners[0];
    expect(mailsTo(partner.email)).toHaveLength(1);
    const rows: Array<{ kind: string; state: string; skip_reason: string | null; digest_id: string | null }> =
      await db.withClinic(capped.clinicId, (tx) =>
        tx.query(
          `SELECT kind, state, skip_reason, digest_id FROM notification WHERE clinic_id = $1 AND recipient_id = $2 AND channel = 'email' AND kind IN ('homework_due', 'digest')`,
          [capped.clinicId, partner.id],
        ),
      );
    const digests = rows.filter((r) => r.kind === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0].state).toBe('scheduled');
    expect(rows.filter((r) => r.kind === 'homework_due' && r.state === 'sent')).toHaveLength(1);
    const merged = rows.filter((r) => r.kind === 'homework_due' && r.state === 'skipped');
    expect(merged).toHaveLength(2);
    expect(merged.every((r) => r.skip_reason === 'merged' && r.digest_id !== null)).toBe(true);
  }, 20_000);
});
