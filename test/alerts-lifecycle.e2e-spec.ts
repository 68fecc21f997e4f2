import { newId } from '@mend/core';
import { ProgressService } from '@mend/progress';
import {
  builtinExerciseId,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { asClinic, createTestApp, type TestApp } from './support/test-app.js';
import { eventually } from './support/webhook-receiver.js';

const auth = { type: 'bearer' } as const;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Alerts that stay true: one alert per condition, resolved with a reason once the condition no
 * longer holds, the caseload counting only open ones, and a missed streak opening on the
 * worker's schedule with no request to trigger it.
 */
describe('alerts that stay true', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;

  beforeAll(async () => {
    // The worker's per-clinic pass (reminders reconcile + alert sweep) every second, not every minute.
    t = await createTestApp({ env: { REMINDERS_RECONCILE_INTERVAL_MS: '1000', OUTBOX_RELAY_INTERVAL_MS: '50' } });
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A recurring assignment inserted directly, laid out far ahead so nothing else materialises it. */
  async function seedAssignment(couple: CoupleContext, key: string, base: number): Promise<string> {
    const exerciseId = await builtinExerciseId(t, therapist.accessToken, key);
    const id = newId();
    await asClinic(t, clinic.clinicId, async (client) => {
      await client.query(
        `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, schedule_type, rrule, starts_on, status, materialized_until, created_at)
         VALUES ($1, $2, $3, $4, 1, 'recurring', 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', $5::timestamptz::date, 'active', now() + interval '60 days', $5)`,
        [clinic.clinicId, id, couple.coupleId, exerciseId, iso(base)],
      );
    });
    return id;
  }

  async function seedOccurrence(
    couple: CoupleContext,
    assignmentId: string,
    partnerId: string,
    dueMs: number,
    score: object | null,
  ): Promise<void> {
    await asClinic(t, clinic.clinicId, async (client) => {
      const occurrenceId = newId();
      await client.query(
        `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [clinic.clinicId, occurrenceId, assignmentId, couple.coupleId, partnerId, iso(dueMs), iso(dueMs + DAY)],
      );
      if (!score) return;
      await client.query(
        `INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, '{}'::jsonb, $7, 'private', $8)`,
        [
          clinic.clinicId,
          newId(),
          occurrenceId,
          assignmentId,
          couple.coupleId,
          partnerId,
          JSON.stringify(score),
          iso(dueMs + HOUR),
        ],
      );
    });
  }

  const progressOf = async (couple: CoupleContext) =>
    (await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(therapist.accessToken, auth).expect(200)).body
      .alerts as Array<{ kind: string; partnerId: string | null; status: string; resolvedReason: string | null }>;
  const caseloadOpenAlerts = async () =>
    (
      (await t.http().get('/v1/clinic/caseloads').auth(clinic.admin.accessToken, auth).expect(200)).body.data as Array<{
        therapistId: string;
        openAlerts: number;
      }>
    ).find((r) => r.therapistId === therapist.id)!.openAlerts;

  it('keeps one alert per condition when a session re-cuts the windows, and resolves what no longer holds', async () => {
    const couple = await newCouple(t, therapist);
    const [alex, blake] = couple.partners.map((p) => p.id);
    const base = Date.now() - 10 * DAY;
    const pulse = await seedAssignment(couple, 'trust_pulse', base);
    const csi4 = await seedAssignment(couple, 'csi4', base);
    await seedOccurrence(couple, pulse, alex, base + DAY, { kind: 'trust_pulse', value: 8 });
    await seedOccurrence(couple, pulse, blake, base + DAY, { kind: 'trust_pulse', value: 3 });
    await seedOccurrence(couple, csi4, blake, base + 3 * DAY, {
      kind: 'csi4',
      value: 8,
      isBelowCutoff: true,
      cutoff: 13.5,
    });

    // One window: the partners are 5 apart and Blake's CSI-4 is 8.
    const first = await progressOf(couple);
    expect(
      first
        .filter((a) => a.status === 'open')
        .map((a) => a.kind)
        .sort(),
    ).toEqual(['measure_below_cutoff', 'partners_diverging']);

    // Later both read 7, and a session that ended on day 2 is recorded as completed after the fact.
    await seedOccurrence(couple, pulse, alex, base + 6 * DAY, { kind: 'trust_pulse', value: 7 });
    await seedOccurrence(couple, pulse, blake, base + 6 * DAY, { kind: 'trust_pulse', value: 7 });
    const session = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(therapist.accessToken, auth)
      .send({ startsAt: iso(base + 2 * DAY - HOUR), endsAt: iso(base + 2 * DAY) })
      .expect(201);
    await t
      .http()
      .patch(`/v1/sessions/${session.body.id}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'completed' })
      .expect(200);

    const after = await progressOf(couple);
    // One CSI-4 score of 8 is one alert, whatever window it now falls in.
    expect(after.filter((a) => a.kind === 'measure_below_cutoff')).toEqual([
      expect.objectContaining({ partnerId: blake, status: 'open' }),
    ]);
    // The current window's gap is 0: the diverging alert resolved itself and says why.
    expect(after.filter((a) => a.kind === 'partners_diverging')).toEqual([
      expect.objectContaining({
        status: 'resolved',
        resolvedReason: "In the current window the partners' trust means are 0 apart (below 3)",
      }),
    ]);
    // The caseload counts the one condition that holds.
    expect(await caseloadOpenAlerts()).toBe(1);
  });

  it('opens a missed streak on the schedule, with no request, and resolves it after a check-in', async () => {
    const couple = await newCouple(t, therapist);
    const alex = couple.partners[0].id;
    const now = Date.now();
    const pulse = await seedAssignment(couple, 'trust_pulse', now - 5 * DAY);
    // Three missed in a row, the last closing ten minutes ago.
    for (const daysAgo of [3, 2, 1]) await seedOccurrence(couple, pulse, alex, now - daysAgo * DAY - 10 * 60_000, null);
    const before = await caseloadOpenAlerts();

    const progress = t.app.get(ProgressService);
    expect(await progress.sweepAlerts(clinic.clinicId, new Date())).toBe(1);
    expect(await caseloadOpenAlerts()).toBe(before + 1);
    let notices = 0;
    await asClinic(t, clinic.clinicId, async (client) => {
      const res = await client.query(
        `SELECT count(*)::int AS n FROM notification n JOIN alert a ON a.clinic_id = n.clinic_id AND a.id = n.alert_id
          WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.kind = 'missed_streak' AND n.recipient_id = $3`,
        [clinic.clinicId, couple.coupleId, therapist.id],
      );
      notices = res.rows[0].n;
    });
    expect(notices).toBe(2); // email and in-app
    // Another pass finds the same condition: nothing new.
    expect(await progress.sweepAlerts(clinic.clinicId, new Date())).toBe(0);

    // A check-in ends the streak; the next pass resolves the alert.
    await seedOccurrence(couple, pulse, alex, now - 2 * HOUR, { kind: 'trust_pulse', value: 7 });
    await progress.sweepAlerts(clinic.clinicId, new Date());
    expect(await caseloadOpenAlerts()).toBe(before);
    const alerts = await progressOf(couple);
    expect(alerts.filter((a) => a.kind === 'missed_streak')).toEqual([
      expect.objectContaining({ status: 'resolved', resolvedReason: expect.stringContaining('ended the run') }),
    ]);
  });

  it("opens a missed streak from the worker's own schedule: the caseload counts it and the therapist is told", async () => {
    const couple = await newCouple(t, therapist);
    const alex = couple.partners[0].id;
    const now = Date.now();
    const pulse = await seedAssignment(couple, 'trust_pulse', now - 5 * DAY);
    for (const daysAgo of [3, 2, 1]) await seedOccurrence(couple, pulse, alex, now - daysAgo * DAY - 10 * 60_000, null);
    const before = await caseloadOpenAlerts();
    // The therapist's notices about this couple's missed streak (email and in-app), whatever their state:
    // whether one is sent now or after the therapist's quiet hours depends on the hour.
    const notices = async () => {
      let n = 0;
      await asClinic(t, clinic.clinicId, async (client) => {
        const res = await client.query(
          `SELECT count(*)::int AS n FROM notification n JOIN alert a ON a.clinic_id = n.clinic_id AND a.id = n.alert_id
            WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.kind = 'missed_streak' AND n.recipient_id = $3`,
          [clinic.clinicId, couple.coupleId, therapist.id],
        );
        n = res.rows[0].n;
      });
      return n;
    };

    // Nothing reads the couple's progress or submits a check-in: only the worker's scheduled pass runs.
    const worker = await createWorkerApp(t.config);
    try {
      await eventually(caseloadOpenAlerts, (open) => open === before + 1, 45_000);
      await eventually(notices, (n) => n === 2, 45_000);
    } finally {
      await worker.close();
    }
    const alerts = await progressOf(couple);
    expect(alerts.filter((a) => a.kind === 'missed_streak')).toEqual([
      expect.objectContaining({ partnerId: alex, status: 'open' }),
    ]);
  });
});
