/**
 * Time as partners live it (issue 13, "Everyone reminded is late" and "A letter cannot be written
 * early"): reminders go a clinic-set lead before the due time, "late" starts at the end of the
 * partner's local day, a one-off opens when it is assigned, and a one-off may be a local date and
 * time applied in each partner's own zone. The clock is pinned to fixed instants, so nothing here
 * depends on the hour the suite runs at.
 */
import { DateTime } from 'luxon';

import { CheckInLinksService } from '@mend/check-in-page';
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

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

interface Occurrence {
  dueAt: string;
  opensAt: string;
  lateAfter: string;
  state: string;
  isOverdue: boolean;
  partnerId: string | null;
}
interface Mine {
  id: string;
  opens: string;
  schedule: Record<string, unknown>;
  occurrences: Occurrence[];
}

// Wednesday 3 March 2027, 12:00 UTC: 07:00 in New York (EST), 13:00 in Berlin (CET).
const WEDNESDAY_NOON_UTC = '2027-03-03T12:00:00Z';
// Monday 8 March 2027, 10:00 UTC.
const MONDAY_MORNING_UTC = '2027-03-08T10:00:00Z';

describe('time as partners live it', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;

  const mine = async (token: string, assignmentId: string): Promise<Mine> => {
    const res = await t.http().get('/v1/me/assignments').auth(token, auth).expect(200);
    return (res.body.data as Mine[]).find((a) => a.id === assignmentId)!;
  };
  const checkIn = (token: string, assignmentId: string, body: Record<string, unknown>) =>
    t.http().post(`/v1/assignments/${assignmentId}/check-ins`).auth(token, auth).send(body);

  beforeAll(async () => {
    suiteClock.pinTo(WEDNESDAY_NOON_UTC);
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('an evening pulse answered from its reminder', () => {
    let couple: CoupleContext;
    let assignmentId: string;
    // 20:00 in New York on Wednesday 3 March (EST) and in Berlin (CET).
    const newYorkDue = '2027-03-04T01:00:00.000Z';
    const berlinDue = '2027-03-03T19:00:00.000Z';

    beforeAll(async () => {
      suiteClock.pinTo(WEDNESDAY_NOON_UTC);
      couple = await newCouple(t, therapist, [
        { name: 'Nora York', timezone: 'America/New_York' },
        { name: 'Bert Lin', timezone: 'Europe/Berlin' },
      ]);
      const pulse = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
      const assignment = await newAssignment(t, therapist, couple, pulse, {
        schedule: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: '2027-03-03' },
      });
      assignmentId = assignment.id;
      expect(assignment).toMatchObject({ opens: 'window', reminders: { minutesBefore: null } });
    });

    it('reminds each partner 2 hours before 20:00 in their zone by default', async () => {
      const db = t.app.get(TenantDatabase);
      const rows: Array<{ recipient_id: string; send_at: Date; due_at: Date }> = await db.withClinic(
        clinic.clinicId,
        (tx) =>
          tx.query(
            `SELECT n.recipient_id, n.send_at, o.due_at FROM notification n
               JOIN occurrence o ON o.clinic_id = n.clinic_id AND o.id = n.occurrence_id
              WHERE n.clinic_id = $1 AND o.assignment_id = $2 AND n.kind = 'homework_due' AND n.channel = 'email'
                AND o.due_at IN ($3::timestamptz, $4::timestamptz)`,
            [clinic.clinicId, assignmentId, newYorkDue, berlinDue],
          ),
      );
      const byPartner = Object.fromEntries(rows.map((r) => [r.recipient_id, r.send_at.toISOString()]));
      expect(byPartner).toEqual({
        [couple.partners[0].id]: '2027-03-03T23:00:00.000Z', // 18:00 in New York
        [couple.partners[1].id]: '2027-03-03T17:00:00.000Z', // 18:00 in Berlin
      });
    });

    it('takes a check-in 65 s after the due time as on time, and the page does not say "This was due"', async () => {
      suiteClock.pinTo(new Date(Date.parse(newYorkDue) + 65_000));
      const pulse = await mine(couple.partners[0].accessToken, assignmentId);
      const evening = pulse.occurrences.find((o) => o.dueAt === newYorkDue)!;
      // Late only from the end of her local day: midnight in New York is 05:00 UTC.
      expect(evening).toMatchObject({ state: 'due', isOverdue: false, lateAfter: '2027-03-04T05:00:00.000Z' });

      // The check-in page of the reminder's link reads "Due …", not "This was due …".
      const db = t.app.get(TenantDatabase);
      const link = await db.withClinic(clinic.clinicId, async (tx) => {
        const [occurrence] = await tx.query(
          `SELECT id FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2 AND partner_id = $3 AND due_at = $4`,
          [clinic.clinicId, assignmentId, couple.partners[0].id, newYorkDue],
        );
        return t.app
          .get(CheckInLinksService)
          .issueCheckInLink(tx, clinic.clinicId, couple.partners[0].id, occurrence.id);
      });
      const opened = await t.http().post(new URL(link.url).pathname).type('form').send('').expect(303);
      const cookie = String(opened.headers['set-cookie']).split(';')[0];
      const page = await t.http().get('/check-in').set('Cookie', cookie).expect(200);
      expect(page.text).not.toContain('This was due');
      expect(page.text).toContain('Due ');

      const res = await checkIn(couple.partners[0].accessToken, assignmentId, {
        occurrenceAt: newYorkDue,
        answers: { trust: 7, safety: 8 },
        visibility: 'private',
      }).expect(201);
      expect(res.body.isLate).toBe(false);
    });

    it("marks a check-in late once the partner's local day of the due time is over", async () => {
      // 02:01:05 in Berlin on Thursday: Wednesday is over there.
      const berlin = await mine(couple.partners[1].accessToken, assignmentId);
      expect(berlin.occurrences.find((o) => o.dueAt === berlinDue)).toMatchObject({
        state: 'due',
        isOverdue: true,
        lateAfter: '2027-03-03T23:00:00.000Z',
      });
      const res = await checkIn(couple.partners[1].accessToken, assignmentId, {
        occurrenceAt: berlinDue,
        answers: { trust: 6, safety: 8 },
        visibility: 'private',
      }).expect(201);
      expect(res.body.isLate).toBe(true);
    });
  });

  describe('a letter', () => {
    let couple: CoupleContext;
    let letterExerciseId: string;

    beforeAll(async () => {
      suiteClock.pinTo(MONDAY_MORNING_UTC);
      couple = await newCouple(t, therapist, [
        { name: 'Nora York', timezone: 'America/New_York' },
        { name: 'Bert Lin', timezone: 'Europe/Berlin' },
      ]);
      letterExerciseId = await builtinExerciseId(t, therapist.accessToken, 'letter_instead_of_fight');
    });

    const letter = {
      letter: 'I felt unheard on Saturday and I need us to talk.',
      feelings: ['sad'],
      calmer_after: 7,
      next_step: 'give',
    };

    it('says it opens when assigned, and the library says so of the exercise', async () => {
      const exercise = await t
        .http()
        .get(`/v1/exercises/${letterExerciseId}`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(exercise.body.opens).toBe('on_assign');
      const pulse = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
      const pulseExercise = await t.http().get(`/v1/exercises/${pulse}`).auth(therapist.accessToken, auth).expect(200);
      expect(pulseExercise.body.opens).toBe('window');
    });

    it('due Wednesday, can be written on Monday (no 422 "opens 24 hours before")', async () => {
      const wednesday = '2027-03-10T19:00:00.000Z';
      const assignment = await newAssignment(t, therapist, couple, letterExerciseId, {
        schedule: { type: 'once', dueAt: wednesday },
      });
      expect(assignment.opens).toBe('on_assign');
      const view = await mine(couple.partners[0].accessToken, assignment.id);
      expect(view.occurrences).toHaveLength(1);
      expect(view.occurrences[0]).toMatchObject({ dueAt: wednesday, state: 'due', isOverdue: false });
      // Open since it was assigned, on Monday.
      expect(DateTime.fromISO(view.occurrences[0].opensAt).toUTC().toISODate()).toBe('2027-03-08');
      const res = await checkIn(couple.partners[0].accessToken, assignment.id, {
        occurrenceAt: wednesday,
        answers: letter,
        visibility: 'shared',
      }).expect(201);
      expect(res.body.isLate).toBe(false);
    });

    it("is due at one instant for both partners given as one, or at 20:00 in each partner's own zone", async () => {
      const instant = await newAssignment(t, therapist, couple, letterExerciseId, {
        schedule: { type: 'once', dueAt: '2027-03-11T00:00:00+01:00' },
      });
      const instantDues = await Promise.all(
        couple.partners.map(async (p) => (await mine(p.accessToken, instant.id)).occurrences.map((o) => o.dueAt)),
      );
      expect(instantDues).toEqual([['2027-03-10T23:00:00.000Z'], ['2027-03-10T23:00:00.000Z']]);

      const local = await newAssignment(t, therapist, couple, letterExerciseId, {
        schedule: { type: 'once', localDateTime: '2027-03-10T20:00', zone: 'partner' },
      });
      expect(local.schedule).toEqual({ type: 'once', localDateTime: '2027-03-10T20:00', zone: 'partner' });
      const localDues = await Promise.all(
        couple.partners.map(async (p) => {
          const [occurrence] = (await mine(p.accessToken, local.id)).occurrences;
          return DateTime.fromISO(occurrence.dueAt).setZone(p.timezone).toFormat("yyyy-MM-dd'T'HH:mm ZZZZ");
        }),
      );
      expect(localDues).toEqual(['2027-03-10T20:00 EST', '2027-03-10T20:00 GMT+1']);

      // Each partner answers at their own due time.
      const berlinView = await mine(couple.partners[1].accessToken, local.id);
      const answered = await checkIn(couple.partners[1].accessToken, local.id, {
        occurrenceAt: berlinView.occurrences[0].dueAt,
        answers: letter,
        visibility: 'private',
      });
      expect(answered.status).toBe(201);
    });

    it('refuses a local date-time already past, or with an offset', async () => {
      for (const localDateTime of ['2027-03-07T20:00', '2027-03-10T20:00+01:00']) {
        const res = await t
          .http()
          .post(`/v1/couples/${couple.coupleId}/assignments`)
          .auth(therapist.accessToken, auth)
          .send({ exerciseId: letterExerciseId, schedule: { type: 'once', localDateTime, zone: 'partner' } });
        expect({ localDateTime, status: res.status }).toEqual({ localDateTime, status: 400 });
      }
    });
  });

  describe("the admin's overdue count", () => {
    let grace: StaffContext;
    let couple: CoupleContext;
    let assignmentId: string;
    // A letter due at 20:00 on Monday 8 March in each partner's zone: in Berlin at 19:00 UTC (late
    // from midnight there, 23:00 UTC), in New York at 01:00 UTC on the 9th (late from 05:00 UTC).
    const berlinLateAfter = '2027-03-08T23:00:00.000Z';
    const newYorkDue = '2027-03-09T01:00:00.000Z';
    const newYorkLateAfter = '2027-03-09T05:00:00.000Z';

    const overdue = async () => {
      const res = await t.http().get('/v1/clinic/caseloads?limit=100').auth(clinic.admin.accessToken, auth).expect(200);
      const row = res.body.data.find((r: { therapistId: string }) => r.therapistId === grace.id);
      return { overdue: row.overdueOccurrences as number, missed: row.missedOccurrences as number };
    };
    const partnersSay = async () =>
      Promise.all(couple.partners.map(async (p) => (await mine(p.accessToken, assignmentId)).occurrences[0].isOverdue));

    beforeAll(async () => {
      // Assigned on Sunday: a local date-time must not be past anywhere on Earth (UTC+14 included).
      suiteClock.pinTo('2027-03-07T12:00:00Z');
      // A therapist of their own, so the clinic's other couples do not count here.
      grace = await newStaff(t, clinic, 'therapist', 'Gina Grace');
      couple = await newCouple(t, grace, [
        { name: 'Nora York', timezone: 'America/New_York' },
        { name: 'Bert Lin', timezone: 'Europe/Berlin' },
      ]);
      const letter = await builtinExerciseId(t, grace.accessToken, 'letter_instead_of_fight');
      assignmentId = (
        await newAssignment(t, grace, couple, letter, {
          schedule: { type: 'once', localDateTime: '2027-03-08T20:00', zone: 'partner' },
        })
      ).id;
      const [york, berlin] = await Promise.all(
        couple.partners.map(async (p) => (await mine(p.accessToken, assignmentId)).occurrences[0]),
      );
      expect([york.dueAt, york.lateAfter, berlin.lateAfter]).toEqual([newYorkDue, newYorkLateAfter, berlinLateAfter]);
    });

    it("counts an unanswered occurrence only once its grace is over, as the partners' own views say", async () => {
      // 22:00 in Berlin: two hours past due, still Monday there. Not overdue yet.
      suiteClock.pinTo('2027-03-08T21:00:00Z');
      expect(await overdue()).toEqual({ overdue: 0, missed: 0 });
      expect(await partnersSay()).toEqual([false, false]);

      // 21:00 in New York, an hour past due; already Tuesday in Berlin. Only Berlin's is overdue.
      suiteClock.pinTo('2027-03-09T02:00:00Z');
      expect(await overdue()).toEqual({ overdue: 1, missed: 0 });
      expect(await partnersSay()).toEqual([false, true]);

      // Midnight in New York: Monday is over for both.
      suiteClock.pinTo(newYorkLateAfter);
      expect(await overdue()).toEqual({ overdue: 2, missed: 0 });
      expect(await partnersSay()).toEqual([true, true]);
    });
  });
});
