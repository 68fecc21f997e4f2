/**
 * Repair-plan rating reminders end to end: the real API writes the plan (which plans this week's
 * reminders), the real worker (createWorkerApp: outbox relay, BullMQ, reminder sender) delivers
 * them to a real SMTP server in this process and to the in-app inbox. The clinic's weekly
 * reminder day and time are set to "now" in the partners' zone (chosen so the local time is in
 * the middle of a day, at every pinned instant), so the week's reminder is due at once.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';

import { readTestSettings } from '@mend/config';
import { TenantDatabase } from '@mend/database';
import { RemindersReconciler } from '@mend/reminders';
import {
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
  type PartnerContext,
  type StaffContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { startQueueBackend, type StartedQueueBackend } from './support/queue-backends.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
/** What the therapist and couple agreed; never in a reminder. */
const MARKER = `spending-over-${Math.floor(Math.random() * 1e9)}`;
/** Sends are due at once; this is how long the worker has to deliver them (functional, not a speed figure). */
const DELIVERY_BOUND_MS = 20_000;

/** A zone where it is now between 06:00 and 20:00: the week's reminder time "now" is then mid-day, far from a week's end or a clock change. */
function middayZone(): string {
  const zones = ['UTC', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Los_Angeles', 'Asia/Tokyo'];
  const zone = zones.find((z) => {
    const hour = DateTime.now().setZone(z).hour;
    return hour >= 6 && hour < 20;
  });
  if (!zone) throw new Error('no zone of the list is mid-day now');
  return zone;
}

async function until<T>(read: () => Promise<T>, isDone: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + DELIVERY_BOUND_MS;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('repair-plan rating reminders through the worker', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let smtp: SmtpCatcher;
  let queueBackend: StartedQueueBackend;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let zone: string;
  let reminded: CoupleContext;
  let rated: CoupleContext;
  let quiet: CoupleContext;
  let quietEnd: DateTime;

  const mailsTo = (email: string) =>
    smtp.mails.filter((m) => m.to.includes(email) && !m.body.includes("Subject: You're invited"));

  async function sql<T = unknown>(query: string, params: unknown[] = []): Promise<T[]> {
    return t.app.get(TenantDatabase).withClinic(clinic.clinicId, (tx) => tx.query(query, params));
  }

  const rowsOf = (partner: PartnerContext) =>
    sql<{ channel: string; state: string; skip_reason: string | null; send_at: Date; couple_id: string }>(
      `SELECT channel, state, skip_reason, send_at, couple_id FROM notification
        WHERE clinic_id = $1 AND recipient_id = $2 AND kind = 'plan_rating_due' ORDER BY channel`,
      [clinic.clinicId, partner.id],
    );

  async function writePlan(couple: CoupleContext, baseVersion = 0): Promise<Array<{ id: string }>> {
    const res = await t
      .http()
      .put(`/v1/couples/${couple.coupleId}/repair-plan`)
      .auth(therapist.accessToken, auth)
      .send({
        baseVersion,
        agreements: [
          {
            text: `Tell each other about ${MARKER} the same day.`,
            partnerId: couple.partners[0].id,
            frequency: 'weekly',
          },
          { text: `A walk together on Sundays (${MARKER}).`, partnerId: null, frequency: 'weekly' },
        ],
      })
      .expect(200);
    return res.body.agreements;
  }

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    queueBackend = await startQueueBackend(readTestSettings().redisUrl !== undefined ? 'redis' : 'postgres');
    t = await createTestApp({
      env: {
        ...queueBackend.env,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Mend <no-reply@mend.test>',
        OUTBOX_RELAY_INTERVAL_MS: '50',
      },
    });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    zone = middayZone();
    // The week's reminder falls on today, a minute ago, in the partners' zone; no clinic-wide quiet hours.
    const local = DateTime.now().setZone(zone).minus({ minutes: 1 });
    await t
      .http()
      .patch('/v1/clinic/reminder-settings')
      .auth(clinic.admin.accessToken, auth)
      .send({
        quietHours: { start: '00:00', end: '00:00' },
        planRatingWeekday: local.weekday,
        planRatingTime: local.toFormat('HH:mm'),
      })
      .expect(200);
    const partners = [
      { name: 'Alex Morgan', timezone: zone },
      { name: 'Blake Morgan', timezone: zone },
    ];
    [reminded, rated, quiet] = await Promise.all([1, 2, 3].map(() => newCouple(t, therapist, partners)));

    // Quiet hours of one partner's own cover now and end in two hours: that reminder waits.
    const now = DateTime.now().setZone(zone);
    quietEnd = now.plus({ hours: 2 }).startOf('minute');
    await sql(`UPDATE "user" SET quiet_hours_start = $2, quiet_hours_end = $3 WHERE clinic_id = $1 AND id = $4`, [
      clinic.clinicId,
      now.minus({ minutes: 1 }).toFormat('HH:mm'),
      quietEnd.toFormat('HH:mm'),
      quiet.partners[0].id,
    ]);

    // A couple whose first partner rates before any reminder: paused while the plan is written
    // (a paused couple is not reminded), the partner rates, the couple resumes, and the
    // reconciler's pass plans the week's reminders.
    await t
      .http()
      .patch(`/v1/couples/${rated.coupleId}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'paused' })
      .expect(200);
    const ratedAgreements = await writePlan(rated);
    expect(await rowsOf(rated.partners[0])).toEqual([]);
    await t
      .http()
      .post(`/v1/couples/${rated.coupleId}/repair-plan/ratings`)
      .auth(rated.partners[0].accessToken, auth)
      .send({ ratings: ratedAgreements.map((a) => ({ agreementId: a.id, kept: 6, stillFits: true })) })
      .expect(201);
    await t
      .http()
      .patch(`/v1/couples/${rated.coupleId}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'active' })
      .expect(200);
    await worker.get(RemindersReconciler).reconcileClinic(clinic.clinicId, suiteClock.now());

    // Writing a plan plans this week's reminders with it.
    await writePlan(reminded);
    await writePlan(quiet);

    await until(
      async () => [
        ...(await rowsOf(reminded.partners[0])),
        ...(await rowsOf(reminded.partners[1])),
        ...(await rowsOf(rated.partners[0])),
        ...(await rowsOf(rated.partners[1])),
        ...(await rowsOf(quiet.partners[1])),
      ],
      (rows) => rows.length === 10 && rows.every((r) => r.state === 'sent' || r.state === 'skipped'),
      'every due plan-rating reminder settled',
    );
    // The emails are recorded as sent just after the SMTP server accepted them.
    await until(
      async () => [reminded.partners[0], reminded.partners[1], rated.partners[1]].map((p) => mailsTo(p.email).length),
      (counts) => counts.every((n) => n >= 1),
      'the reminder emails',
    );
  }, 90_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
    await queueBackend?.stop();
  });

  it('reminds each partner once, by email and in-app, in neutral words with a link to their rating screen', async () => {
    for (const partner of reminded.partners) {
      const rows = await rowsOf(partner);
      expect(rows.map((r) => [r.channel, r.state])).toEqual([
        ['email', 'sent'],
        ['in_app', 'sent'],
      ]);
      expect(rows.every((r) => r.couple_id === reminded.coupleId)).toBe(true);
      const mails = mailsTo(partner.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].body).toContain('Subject: Time for your weekly review');
      expect(mails[0].body).toContain('http://mend.test/home/plan/rate');
      // Nothing the couple agreed, nor the other partner, is in the email.
      expect(mails[0].body).not.toContain(MARKER);
      for (const other of reminded.partners) expect(mails[0].body).not.toContain(other.name);

      const inbox = (await t.http().get('/v1/me/notifications').auth(partner.accessToken, auth).expect(200)).body;
      expect(inbox.data).toHaveLength(1);
      expect(inbox.data[0]).toMatchObject({
        kind: 'plan_rating_due',
        coupleId: reminded.coupleId,
        title: 'Time for your weekly review',
      });
      expect(JSON.stringify(inbox.data[0])).not.toContain(MARKER);
    }
    // The therapist sees them in the couple's reminders.
    const list = (
      await t
        .http()
        .get(`/v1/couples/${reminded.coupleId}/reminders?limit=50`)
        .auth(therapist.accessToken, auth)
        .expect(200)
    ).body.data;
    expect(list.filter((r: { kind: string }) => r.kind === 'plan_rating_due')).toHaveLength(4);
  });

  it('does not remind a partner who already rated that week; the other partner is reminded', async () => {
    expect((await rowsOf(rated.partners[0])).map((r) => [r.channel, r.state, r.skip_reason])).toEqual([
      ['email', 'skipped', 'already_done'],
      ['in_app', 'skipped', 'already_done'],
    ]);
    expect(mailsTo(rated.partners[0].email)).toHaveLength(0);
    const inbox = (await t.http().get('/v1/me/notifications').auth(rated.partners[0].accessToken, auth).expect(200))
      .body;
    expect(inbox.data).toHaveLength(0);
    expect((await rowsOf(rated.partners[1])).map((r) => r.state)).toEqual(['sent', 'sent']);
    expect(mailsTo(rated.partners[1].email)).toHaveLength(1);
  });

  it("holds a reminder inside the partner's quiet hours until they end", async () => {
    const rows = await rowsOf(quiet.partners[0]);
    expect(rows.map((r) => r.state)).toEqual(['deferred', 'deferred']);
    for (const row of rows) expect(row.send_at.getTime()).toBe(quietEnd.toMillis());
    expect(mailsTo(quiet.partners[0].email)).toHaveLength(0);
  });

  it('plans one reminder per partner and week, however often the plan changes or the reconciler passes', async () => {
    const plan = (
      await t.http().get(`/v1/couples/${reminded.coupleId}/repair-plan`).auth(therapist.accessToken, auth).expect(200)
    ).body;
    await t
      .http()
      .put(`/v1/couples/${reminded.coupleId}/repair-plan`)
      .auth(therapist.accessToken, auth)
      .send({
        baseVersion: plan.version,
        agreements: [{ text: 'Phones away at dinner.', partnerId: null, frequency: 'daily' }],
      })
      .expect(200);
    await worker.get(RemindersReconciler).reconcileClinic(clinic.clinicId, suiteClock.now());
    for (const partner of reminded.partners) {
      expect(await rowsOf(partner)).toHaveLength(2);
      expect(mailsTo(partner.email)).toHaveLength(1);
    }
  });
});
