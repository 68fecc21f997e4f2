import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';

import { builtinExerciseId, newAssignment, newClinic, newCouple, newStaff } from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** A check-in is enough for an alert to open and reach the caseloads: no one has to read progress first. */
describe('alerts raised by the worker after a check-in', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  const auth = { type: 'bearer' } as const;

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOX_RELAY_INTERVAL_MS: '100' } });
    worker = await createWorkerApp(t.config);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  it('opens a partners-diverging alert that the caseloads show', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const assignment = await newAssignment(t, therapist, couple, pulseId);
    for (const [i, trust] of [
      [0, 9],
      [1, 4],
    ] as const) {
      const token = couple.partners[i].accessToken;
      const mine = (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
        id: string;
        occurrences: Array<{ dueAt: string; state: string }>;
      }>;
      const due = mine.find((a) => a.id === assignment.id)!.occurrences.find((o) => o.state === 'due')!.dueAt;
      await t
        .http()
        .post(`/v1/assignments/${assignment.id}/check-ins`)
        .auth(token, auth)
        .send({ occurrenceAt: due, answers: { trust, safety: 5 }, visibility: 'private' })
        .expect(201);
    }
    const deadline = Date.now() + 20_000;
    let openAlerts = 0;
    while (Date.now() < deadline) {
      const rows = (await t.http().get('/v1/clinic/caseloads').auth(clinic.admin.accessToken, auth).expect(200)).body
        .data as Array<{ therapistId: string; openAlerts: number }>;
      openAlerts = rows.find((r) => r.therapistId === therapist.id)?.openAlerts ?? 0;
      if (openAlerts > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(openAlerts).toBe(1);
    const caseload = (await t.http().get('/v1/caseload').auth(therapist.accessToken, auth).expect(200)).body.data;
    expect(caseload[0]).toMatchObject({ coupleId: couple.coupleId, openAlerts: 1 });
  });
});
