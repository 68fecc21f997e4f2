import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';

import { builtinExerciseId, newClinic, newCouple, newStaff } from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const CRISIS = 'Emergency: call 112. Safe-at-home line, day and night: 0800 000 1234.';

/**
 * Safety first: a low answer on emotional safety is an urgent alert for the therapist (in-app
 * and email, through their quiet hours when the clinic allows it) and the clinic's crisis
 * resources for that partner only — nothing at all for the other partner.
 */
describe('a safety concern', () => {
  let t: TestApp;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOX_RELAY_INTERVAL_MS: '100' } });
    worker = await createWorkerApp(t.config);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  async function dueOf(token: string, assignmentId: string): Promise<string> {
    const mine = (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
      id: string;
      occurrences: Array<{ dueAt: string; state: string }>;
    }>;
    return mine.find((a) => a.id === assignmentId)!.occurrences.find((o) => o.state === 'due')!.dueAt;
  }

  it('reaches the therapist in-app within 5 s and shows crisis resources to that partner only', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const [unsafe, other] = couple.partners;
    // The clinic raises its threshold to 3 and writes its own crisis resources.
    await t
      .http()
      .patch('/v1/clinic/safety-settings')
      .auth(clinic.admin.accessToken, auth)
      .send({ threshold: 3, crisisResources: CRISIS })
      .expect(200, { threshold: 3, crisisResources: CRISIS });
    // The therapist is in quiet hours all day: the clinic's default lets the urgent notice through.
    await t
      .http()
      .patch('/v1/me')
      .auth(therapist.accessToken, auth)
      .send({ quietHours: { start: '00:00', end: '23:59' } })
      .expect(200);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const assignment = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(therapist.accessToken, auth)
      .send({
        exerciseId: pulseId,
        schedule: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: DateTime.utc().toISODate() },
      })
      .expect(201);

    // The other partner feels safe enough (4 > 3) and shares: no crisis resources for them.
    const calm = await t
      .http()
      .post(`/v1/assignments/${assignment.body.id}/check-ins`)
      .auth(other.accessToken, auth)
      .send({
        occurrenceAt: await dueOf(other.accessToken, assignment.body.id),
        answers: { trust: 6, safety: 4 },
        visibility: 'shared',
      })
      .expect(201);
    expect(calm.body.crisisResources).toBeUndefined();

    const started = Date.now();
    const answered = await t
      .http()
      .post(`/v1/assignments/${assignment.body.id}/check-ins`)
      .auth(unsafe.accessToken, auth)
      .send({
        occurrenceAt: await dueOf(unsafe.accessToken, assignment.body.id),
        answers: { trust: 5, safety: 3 },
        visibility: 'private',
      })
      .expect(201);
    expect(answered.body.crisisResources).toBe(CRISIS);
    expect(answered.body.score).toMatchObject({ kind: 'trust_pulse', value: 5, safety: 3 });

    let urgent: { title: string; body: string } | undefined;
    while (!urgent && Date.now() - started <= 5_000) {
      const inbox = (await t.http().get('/v1/me/notifications').auth(therapist.accessToken, auth).expect(200)).body
        .data as Array<{ title: string; body: string }>;
      urgent = inbox.find((n) => n.title.startsWith('Urgent'));
      if (!urgent) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(urgent).toBeDefined();
    // The notice says it is urgent, never what about or whom.
    expect(`${urgent!.title} ${urgent!.body}`).not.toMatch(/safe|unsafe|Alex|Blake/i);

    const progress = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    const safety = (
      progress.body.alerts as Array<{ kind: string; partnerId: string; severity: string; status: string }>
    ).filter((a) => a.kind === 'safety_concern');
    expect(safety).toEqual([
      expect.objectContaining({ partnerId: unsafe.id, severity: 'high', status: 'open', detail: expect.anything() }),
    ]);

    // Nothing reaches the other partner: no notice, no crisis text, not the private check-in.
    const theirInbox = (await t.http().get('/v1/me/notifications').auth(other.accessToken, auth).expect(200)).body;
    expect(JSON.stringify(theirInbox)).not.toMatch(/Urgent|Safe-at-home|crisisResources|alert/i);
    const theirList = (await t.http().get('/v1/me/check-ins').auth(other.accessToken, auth).expect(200)).body;
    expect(theirList.data.map((c: { authorId: string }) => c.authorId)).toEqual([other.id]);
    // The crisis text's own words, not its number: "112" turns up inside ids now and then.
    expect(JSON.stringify(theirList)).not.toMatch(/Safe-at-home|crisisResources/);
    // The author's own list does not repeat the crisis text either (it belongs to the confirmation).
    const ownList = (await t.http().get('/v1/me/check-ins').auth(unsafe.accessToken, auth).expect(200)).body;
    expect(JSON.stringify(ownList)).not.toMatch(/Safe-at-home|crisisResources/);
  });

  it('keeps the default threshold of 2 and the built-in crisis text', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const settings = await t.http().get('/v1/clinic/safety-settings').auth(therapist.accessToken, auth).expect(200);
    expect(settings.body.threshold).toBe(2);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const assignment = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(therapist.accessToken, auth)
      .send({
        exerciseId: pulseId,
        schedule: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: DateTime.utc().toISODate() },
      })
      .expect(201);
    const [a, b] = couple.partners;
    const zero = await t
      .http()
      .post(`/v1/assignments/${assignment.body.id}/check-ins`)
      .auth(a.accessToken, auth)
      .send({
        occurrenceAt: await dueOf(a.accessToken, assignment.body.id),
        answers: { trust: 8, safety: 0 },
        visibility: 'shared',
      })
      .expect(201);
    expect(zero.body.crisisResources).toBe(settings.body.crisisResources);
    const three = await t
      .http()
      .post(`/v1/assignments/${assignment.body.id}/check-ins`)
      .auth(b.accessToken, auth)
      .send({
        occurrenceAt: await dueOf(b.accessToken, assignment.body.id),
        answers: { trust: 8, safety: 3 },
        visibility: 'private',
      })
      .expect(201);
    expect(three.body.crisisResources).toBeUndefined();
    // "Not safe at all" (0) opens a high-severity safety concern for that partner; 3 opens none.
    const progress = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    expect(
      (progress.body.alerts as Array<{ kind: string; partnerId: string; severity: string; status: string }>)
        .filter((alert) => alert.kind === 'safety_concern')
        .map(({ partnerId, severity, status }) => ({ partnerId, severity, status })),
    ).toEqual([{ partnerId: a.id, severity: 'high', status: 'open' }]);
    // The shared check-in reaches the other partner without the crisis text.
    const seenByB = (await t.http().get('/v1/me/check-ins').auth(b.accessToken, auth).expect(200)).body.data as Array<
      Record<string, unknown>
    >;
    expect(seenByB.find((c) => c.authorId === a.id)).not.toHaveProperty('crisisResources');
  });
});
