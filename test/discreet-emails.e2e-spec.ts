/**
 * Discreet reminder emails chosen per partner: the real API plans a homework reminder, the real
 * worker sends it to an SMTP server in this process. A partner who chose discreet emails gets
 * neutral words (no product name, no exercise, no therapist) from the bare sender address; the
 * other partner the usual email; and a discreet clinic's partners get the neutral one even when
 * they chose otherwise.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';

import { TenantDatabase } from '@mend/database';
import {
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
import { startSmtpCatcher, type CaughtMail, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const THERAPIST_NAME = 'Quinn Harlow';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('discreet reminder emails per partner', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let smtp: SmtpCatcher;
  let plain: ClinicContext;
  let discreetClinic: ClinicContext;
  let couple: CoupleContext;
  let inDiscreetClinic: CoupleContext;
  let exerciseTitle: string;

  const preferences = (token: string) => t.http().get('/v1/me/notification-preferences').auth(token, auth).expect(200);
  const choose = (token: string, body: object) =>
    t.http().patch('/v1/me/notification-preferences').auth(token, auth).send(body);

  async function clinicWithoutQuietHours(clinic: ClinicContext, extra: object = {}): Promise<StaffContext> {
    // No quiet hours and no lead: a reminder is sent at the due time, a few seconds from now.
    await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', $2::jsonb) WHERE id = $1`, [
          clinic.clinicId,
          JSON.stringify({ quietHours: { start: '00:00', end: '00:00' }, homeworkLeadMinutes: 0, ...extra }),
        ]),
      );
    return newStaff(t, clinic, 'therapist', THERAPIST_NAME);
  }

  /** The reminder emails a partner received (their invitation went through the same server). */
  const remindersTo = (email: string): CaughtMail[] =>
    smtp.mails.filter((m) => m.to.includes(email) && /^Subject: A check-in is ready for you/m.test(m.body));

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Mend <no-reply@care.example.test>',
        // A host without the product's name, so the whole message can be searched for it.
        PUBLIC_URL: 'http://care.example.test',
        OUTBOX_RELAY_INTERVAL_MS: '50',
      },
    });
    worker = await createWorkerApp(t.config);
    plain = await newClinic(t);
    discreetClinic = await newClinic(t);
    const therapist = await clinicWithoutQuietHours(plain);
    const otherTherapist = await clinicWithoutQuietHours(discreetClinic, { isDiscreet: true });
    couple = await newCouple(t, therapist);
    inDiscreetClinic = await newCouple(t, otherTherapist);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    exerciseTitle = (await t.http().get(`/v1/exercises/${pulseId}`).auth(therapist.accessToken, auth).expect(200)).body
      .title;

    // The first partner shares an inbox and chooses discreet emails; the second keeps the default.
    expect((await choose(couple.partners[0].accessToken, { discreet: true }).expect(200)).body).toEqual({
      email: true,
      inApp: true,
      discreet: true,
      isClinicDiscreet: false,
    });
    expect((await preferences(couple.partners[1].accessToken)).body).toEqual({
      email: true,
      inApp: true,
      discreet: false,
      isClinicDiscreet: false,
    });
    // In a discreet clinic the default follows the clinic, and the clinic wins over a partner's "no".
    expect((await preferences(inDiscreetClinic.partners[0].accessToken)).body).toMatchObject({
      discreet: true,
      isClinicDiscreet: true,
    });
    expect((await choose(inDiscreetClinic.partners[0].accessToken, { discreet: false }).expect(200)).body).toEqual({
      email: true,
      inApp: true,
      discreet: false,
      isClinicDiscreet: true,
    });

    const dueAt = new Date(suiteClock.nowMs() + 4_000).toISOString();
    await newAssignment(t, therapist, couple, pulseId, { schedule: { type: 'once', dueAt } });
    const otherPulse = await builtinExerciseId(t, otherTherapist.accessToken, 'trust_pulse');
    await newAssignment(t, otherTherapist, inDiscreetClinic, otherPulse, { schedule: { type: 'once', dueAt } });
    const everyone = [...couple.partners, ...inDiscreetClinic.partners];
    // A functional bound: the reminders go out at the due time; this only stops a broken run.
    for (let i = 0; i < 600 && everyone.some((p) => remindersTo(p.email).length === 0); i++) await sleep(100);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
  });

  it('sends the partner who chose discreet emails a neutral email: no product, exercise or therapist name', () => {
    const mails = remindersTo(couple.partners[0].email);
    expect(mails).toHaveLength(1);
    const mail = mails[0].body;
    expect(mail).toMatch(/^From: no-reply@care\.example\.test$/m);
    expect(mail).toContain('You have a check-in due. Use the link to complete it.');
    expect(mail).toMatch(/http:\/\/care\.example\.test\/\S+/);
    // Anywhere in the message: headers, plain text and HTML.
    expect(mail).not.toMatch(/mend/i);
    expect(mail).not.toContain(exerciseTitle);
    expect(mail).not.toContain(THERAPIST_NAME);
  });

  it('sends the other partner the usual email, naming the exercise', () => {
    const mails = remindersTo(couple.partners[1].email);
    expect(mails).toHaveLength(1);
    const mail = mails[0].body;
    expect(mail).toMatch(/^From: Mend <no-reply@care\.example\.test>$/m);
    expect(mail).toContain(`Your check-in for "${exerciseTitle}" is due. Open Mend to complete it.`);
    expect(mail).toContain('>Open Mend</a>');
  });

  it("keeps a discreet clinic's emails neutral even for a partner who chose otherwise", () => {
    for (const partner of inDiscreetClinic.partners) {
      const mails = remindersTo(partner.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].body).not.toMatch(/mend/i);
      expect(mails[0].body).not.toContain(exerciseTitle);
    }
  });

  it('keeps the in-app copy of a partner’s own discreet choice in its usual words', async () => {
    const inbox = (await t.http().get('/v1/me/notifications').auth(couple.partners[0].accessToken, auth).expect(200))
      .body;
    expect(inbox.data.map((n: { body: string }) => n.body)).toEqual([
      `Your check-in for "${exerciseTitle}" is due. Open Mend to complete it.`,
    ]);
  });

  it('accepts only a boolean, and leaves the choice to its owner', async () => {
    const res = await choose(couple.partners[1].accessToken, { discreet: 'yes' }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['discreet']);
    expect((await preferences(couple.partners[1].accessToken)).body.discreet).toBe(false);
    expect((await preferences(couple.partners[0].accessToken)).body.discreet).toBe(true);
  });
});
