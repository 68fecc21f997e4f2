/**
 * A clinic admin manages the clinic's reminder defaults through the API; the change is validated
 * strictly, readable by the staff, and the worker plans the reminders already planned again.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';

import {
  bookSession,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('clinic reminder settings', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;

  beforeAll(async () => {
    t = await createTestApp({ env: { QUEUE_BACKEND: 'postgres', OUTBOX_RELAY_INTERVAL_MS: '50' } });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
  });

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  const settingsAs = (token: string) => t.http().get('/v1/clinic/reminder-settings').auth(token, auth);
  const change = (body: object, token = clinic.admin.accessToken) =>
    t.http().patch('/v1/clinic/reminder-settings').auth(token, auth).send(body);

  it('starts from the defaults, which the staff can read and only an admin can change', async () => {
    const defaults = {
      quietHours: { start: '21:00', end: '08:00' },
      dailyCap: 10,
      isDiscreet: false,
      overdueAfterMinutes: 720,
      sessionReminderHours: 24,
      // Homework reminders go 2 h before the due time, so nobody reminded is late.
      homeworkLeadMinutes: 120,
      // A safety concern reaches the therapist at once, quiet hours or not, unless the clinic says otherwise.
      urgentAlertsBreakQuietHours: true,
      // Partners are asked to rate their repair plan on Sunday evening, their zone.
      planRatingWeekday: 7,
      planRatingTime: '18:00',
    };
    expect((await settingsAs(clinic.admin.accessToken).expect(200)).body).toEqual(defaults);
    expect((await settingsAs(therapist.accessToken).expect(200)).body).toEqual(defaults);
    await settingsAs(couple.partners[0].accessToken).expect(403);
    await change({ dailyCap: 3 }, therapist.accessToken).expect(403);
    await change({ dailyCap: 3 }, couple.partners[0].accessToken).expect(403);
    expect((await settingsAs(clinic.admin.accessToken).expect(200)).body).toEqual(defaults);
  });

  it.each([
    [{ dailyCap: 0 }, 'dailyCap'],
    [{ dailyCap: null }, 'dailyCap'],
    [{ dailyCap: 2.5 }, 'dailyCap'],
    [{ quietHours: { start: '25:00', end: '08:00' } }, 'quietHours.start'],
    [{ quietHours: null }, 'quietHours'],
    [{ sessionReminderHours: 24 * 8 }, 'sessionReminderHours'],
    [{ overdueAfterMinutes: '60' }, 'overdueAfterMinutes'],
    [{ clinicId: '0190c0de-0000-7000-8000-000000000000' }, 'clinicId'],
    [{ planRatingWeekday: 0 }, 'planRatingWeekday'],
    [{ planRatingWeekday: 8 }, 'planRatingWeekday'],
    [{ planRatingTime: '24:00' }, 'planRatingTime'],
    [{ planRatingTime: '6pm' }, 'planRatingTime'],
  ])('refuses %j with a problem naming %s and changes nothing', async (body, field) => {
    const before = (await settingsAs(clinic.admin.accessToken).expect(200)).body;
    const res = await change(body).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.body.errors)).toContain(field);
    expect(res.body).not.toHaveProperty('stack');
    expect((await settingsAs(clinic.admin.accessToken).expect(200)).body).toEqual(before);
  });

  it('saves a partial change and re-plans the reminders already planned', async () => {
    // No quiet hours, so planned times are exactly the session lead.
    const quiet = (await change({ quietHours: { start: '00:00', end: '00:00' } }).expect(200)).body;
    expect(quiet).toMatchObject({
      quietHours: { start: '00:00', end: '00:00' },
      dailyCap: 10,
      sessionReminderHours: 24,
    });

    const startsAt = new Date(Date.now() + 5 * 24 * 3600_000);
    await bookSession(t, therapist, couple, startsAt);
    const sendTimes = async () =>
      (
        await t
          .http()
          .get(`/v1/couples/${couple.coupleId}/reminders?limit=200`)
          .auth(therapist.accessToken, auth)
          .expect(200)
      ).body.data
        .filter((r: { kind: string }) => r.kind === 'session_reminder')
        .map((r: { sendAt: string }) => r.sendAt) as string[];
    const hoursBefore = (hours: number) => new Date(startsAt.getTime() - hours * 3600_000).toISOString();
    expect(await sendTimes()).toEqual(Array(6).fill(hoursBefore(24)));

    const changed = (await change({ sessionReminderHours: 48 }).expect(200)).body;
    expect(changed).toEqual({ ...quiet, sessionReminderHours: 48 });
    const deadline = Date.now() + 10_000;
    while ((await sendTimes()).some((at) => at !== hoursBefore(48)) && Date.now() < deadline) await sleep(100);
    expect(await sendTimes()).toEqual(Array(6).fill(hoursBefore(48)));
    expect((await settingsAs(therapist.accessToken).expect(200)).body).toEqual(changed);
  });
});
