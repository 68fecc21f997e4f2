import { DateTime } from 'luxon';

import {
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const PROBLEM = /^application\/problem\+json/;
const auth = { type: 'bearer' } as const;
const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';
/** Placed in partner A's private answers: partner B must never receive it. */
const PRIVATE_MARKER = 'zz-private-marker-7f3a';
const SHARED_MARKER = 'zz-shared-letter-51c9';

interface OccurrenceBody {
  dueAt: string;
  opensAt: string;
  closesAt: string;
  state: 'upcoming' | 'due' | 'done' | 'missed';
  isOverdue: boolean;
  partnerId: string | null;
  checkInId: string | null;
}
interface ClientAssignmentBody {
  id: string;
  title: string;
  mode: string;
  instructions: string | null;
  exerciseInstructions: string;
  form: { fields: Array<{ key: string }> };
  status: string;
  occurrences: OccurrenceBody[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('homework: assignments, occurrences and check-ins', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let otherTherapist: StaffContext;
  let couple: CoupleContext;
  let otherCouple: CoupleContext;
  let exerciseIds: Record<string, string>;
  let trustId: string;
  let letterId: string;
  let letterDueAt: Date;
  let dateId: string;

  const [A, B] = [0, 1];
  const partner = (i: number) => couple.partners[i];

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    otherTherapist = await newStaff(t, clinic, 'therapist', 'Olive Other');
    // Partner A in New York, partner B in Berlin.
    couple = await newCouple(t, therapist);
    otherCouple = await newCouple(t, otherTherapist);
    const res = await t.http().get('/v1/exercises?limit=200').auth(therapist.accessToken, auth).expect(200);
    exerciseIds = Object.fromEntries(
      (res.body.data as Array<{ id: string; builtinKey: string }>).map((e) => [e.builtinKey, e.id]),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const assign = (token: string, coupleId: string, body: object, key?: string) => {
    const req = t.http().post(`/v1/couples/${coupleId}/assignments`).auth(token, auth);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const checkIn = (token: string, assignmentId: string, body: object, key?: string) => {
    const req = t.http().post(`/v1/assignments/${assignmentId}/check-ins`).auth(token, auth);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const myAssignments = async (token: string): Promise<ClientAssignmentBody[]> =>
    (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data;
  const mine = async (token: string, assignmentId: string) =>
    (await myAssignments(token)).find((a) => a.id === assignmentId)!;
  const yesterday = () => DateTime.utc().minus({ days: 1 }).toISODate()!;

  describe('assigning', () => {
    it('assigns a recurring trust pulse, pinned to the exercise version, with a canonical rule', async () => {
      const res = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: exerciseIds.trust_pulse,
        schedule: { type: 'recurring', rrule: 'freq=daily;byhour=20', startsOn: yesterday() },
        instructions: 'Each on your own, after dinner.',
        reminders: { minutesBefore: 30 },
      }).expect(201);
      expect(res.body).toMatchObject({
        coupleId: couple.coupleId,
        exerciseId: exerciseIds.trust_pulse,
        exerciseVersion: 1,
        title: 'Daily trust pulse',
        mode: 'individual',
        schedule: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: yesterday(), until: null },
        instructions: 'Each on your own, after dinner.',
        reminders: { isEnabled: true, minutesBefore: 30, overdueAfterMinutes: null },
        status: 'active',
      });
      trustId = res.body.id;
    });

    it('assigns a one-off letter and a joint device-free date', async () => {
      letterDueAt = new Date(suiteClock.nowMs() + 4000);
      const letter = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: exerciseIds.letter_instead_of_fight,
        schedule: { type: 'once', dueAt: letterDueAt.toISOString() },
      }).expect(201);
      expect(letter.body.schedule).toEqual({ type: 'once', dueAt: letterDueAt.toISOString() });
      letterId = letter.body.id;
      const date = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: exerciseIds.device_free_date,
        schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 2 }).toISO() },
      }).expect(201);
      expect(date.body.mode).toBe('joint');
      dateId = date.body.id;
    });

    it('answers a retried assignment POST with the same Idempotency-Key with the first assignment', async () => {
      const body = {
        exerciseId: exerciseIds.honesty_log,
        schedule: { type: 'recurring', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=19', startsOn: yesterday() },
      };
      // A refused request stores nothing, and keys belong to their caller.
      await assign(therapist.accessToken, otherCouple.coupleId, body, 'assign-once').expect(404);
      const own = await assign(otherTherapist.accessToken, otherCouple.coupleId, body, 'assign-once').expect(201);
      const retry = await assign(otherTherapist.accessToken, otherCouple.coupleId, body, 'assign-once').expect(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(own.body);
      const list = await t
        .http()
        .get(`/v1/couples/${otherCouple.coupleId}/assignments`)
        .auth(otherTherapist.accessToken, auth)
        .expect(200);
      expect(list.body.data.map((a: { id: string }) => a.id)).toEqual([own.body.id]);
    });

    it('refuses bad schedules with a 400 naming each field', async () => {
      const res = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: exerciseIds.trust_pulse,
        schedule: { type: 'recurring', rrule: 'FREQ=HOURLY;UNTIL=20300101T000000Z', startsOn: '2025-02-30' },
      }).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['schedule.rrule', 'schedule.startsOn']));

      const noOffset = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: exerciseIds.trust_pulse,
        schedule: { type: 'once', dueAt: '2030-03-01T20:00:00' },
      }).expect(400);
      expect(noOffset.body.errors).toEqual([{ field: 'schedule.dueAt', message: expect.stringMatching(/offset/) }]);

      const past = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: exerciseIds.trust_pulse,
        schedule: { type: 'once', dueAt: '2020-03-01T20:00:00Z' },
      }).expect(400);
      expect(past.body.errors).toEqual([{ field: 'schedule.dueAt', message: 'dueAt must not be in the past' }]);

      const unknownExercise = await assign(therapist.accessToken, couple.coupleId, {
        exerciseId: UNKNOWN_ID,
        schedule: { type: 'once', dueAt: '2030-03-01T20:00:00Z' },
      }).expect(422);
      expect(unknownExercise.body.errors[0].field).toBe('exerciseId');
    });

    it("lists the couple's assignments for its therapist, and statuses without instructions for an admin", async () => {
      const own = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/assignments`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(own.body.data.map((a: { id: string }) => a.id)).toEqual([dateId, letterId, trustId]);
      expect(own.body.data[2].instructions).toBe('Each on your own, after dinner.');
      const admin = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/assignments?limit=2`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(admin.body.data).toHaveLength(2);
      expect(admin.body.nextCursor).toEqual(expect.any(String));
      for (const a of admin.body.data) expect(a).not.toHaveProperty('instructions');
      const next = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/assignments?limit=2&cursor=${admin.body.nextCursor}`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(next.body.data.map((a: { id: string }) => a.id)).toEqual([trustId]);
    });
  });

  describe("a partner's homework", () => {
    it('shows each partner their occurrences at 20:00 in their own zone, with states', async () => {
      for (const [i, zone] of [
        [A, 'America/New_York'],
        [B, 'Europe/Berlin'],
      ] as const) {
        const trust = await mine(partner(i).accessToken, trustId);
        expect(trust).toMatchObject({
          title: 'Daily trust pulse',
          mode: 'individual',
          instructions: 'Each on your own, after dinner.',
          status: 'active',
        });
        expect(trust.form.fields.map((f) => f.key)).toEqual(['trust', 'safety', 'note']);
        expect(trust.occurrences.length).toBeGreaterThanOrEqual(13);
        for (const o of trust.occurrences) {
          expect(o.partnerId).toBe(partner(i).id);
          expect(DateTime.fromISO(o.dueAt, { zone }).toFormat('HH:mm')).toBe('20:00');
        }
        // The next 20:00 is less than a day away, so it is open; the rest are not yet.
        expect(trust.occurrences[0].state).toBe('due');
        expect(new Set(trust.occurrences.slice(1).map((o) => o.state))).toEqual(new Set(['upcoming']));
        const letter = await mine(partner(i).accessToken, letterId);
        expect(letter.occurrences).toEqual([
          expect.objectContaining({
            dueAt: letterDueAt.toISOString(),
            state: 'due',
            partnerId: partner(i).id,
            checkInId: null,
          }),
        ]);
        const date = await mine(partner(i).accessToken, dateId);
        expect(date.occurrences).toEqual([expect.objectContaining({ partnerId: null, state: 'due' })]);
      }
    });
  });

  describe('checking in', () => {
    let aTrustDue: string;
    let bTrustDue: string;

    beforeAll(async () => {
      aTrustDue = (await mine(partner(A).accessToken, trustId)).occurrences[0].dueAt;
      bTrustDue = (await mine(partner(B).accessToken, trustId)).occurrences[0].dueAt;
    });

    it('accepts a valid check-in, scores it and marks it on time', async () => {
      const res = await checkIn(partner(A).accessToken, trustId, {
        occurrenceAt: aTrustDue,
        answers: { trust: 7, safety: 6, note: PRIVATE_MARKER },
        visibility: 'private',
      }).expect(201);
      expect(res.body).toMatchObject({
        assignmentId: trustId,
        coupleId: couple.coupleId,
        occurrenceAt: aTrustDue,
        partnerId: partner(A).id,
        authorId: partner(A).id,
        answers: { trust: 7, safety: 6, note: PRIVATE_MARKER },
        score: { kind: 'trust_pulse', value: 7 },
        visibility: 'private',
        isLate: false,
      });
      const trust = await mine(partner(A).accessToken, trustId);
      expect(trust.occurrences[0]).toMatchObject({ state: 'done', checkInId: res.body.id });
    });

    it('refuses answers that do not fit the form with a 400 naming each field', async () => {
      const res = await checkIn(partner(B).accessToken, trustId, {
        occurrenceAt: bTrustDue,
        answers: { trust: 11, bogus: 1 },
        visibility: 'shared',
      }).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((res.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
        'answers.bogus',
        'answers.safety',
        'answers.trust',
      ]);
      const badBody = await checkIn(partner(B).accessToken, trustId, {
        occurrenceAt: 'tomorrow',
        answers: 'x',
        visibility: 'public',
      }).expect(400);
      expect((badBody.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
        'answers',
        'occurrenceAt',
        'visibility',
      ]);
    });

    it('answers 409 to a second check-in for the same occurrence', async () => {
      const res = await checkIn(partner(A).accessToken, trustId, {
        occurrenceAt: aTrustDue,
        answers: { trust: 3, safety: 3 },
        visibility: 'shared',
      }).expect(409);
      expect(res.body.detail).toMatch(/already checked in/);
    });

    it('answers 422 naming occurrenceAt when nothing is due then, or it is not open yet', async () => {
      const off = new Date(new Date(aTrustDue).getTime() + 60_000).toISOString();
      const res = await checkIn(partner(A).accessToken, trustId, {
        occurrenceAt: off,
        answers: { trust: 5, safety: 5 },
        visibility: 'private',
      }).expect(422);
      expect(res.body.errors).toEqual([
        { field: 'occurrenceAt', message: expect.stringMatching(/due time of one of your occurrences/) },
      ]);
      // Partner B's due time is not partner A's occurrence.
      await checkIn(partner(A).accessToken, trustId, {
        occurrenceAt: bTrustDue,
        answers: { trust: 5, safety: 5 },
        visibility: 'private',
      }).expect(422);
      const later = (await mine(partner(A).accessToken, trustId)).occurrences[3].dueAt;
      const early = await checkIn(partner(A).accessToken, trustId, {
        occurrenceAt: later,
        answers: { trust: 5, safety: 5 },
        visibility: 'private',
      }).expect(422);
      expect(early.body.detail).toMatch(/opens for check-ins at/);
    });

    it('replays the first answer for a retried POST with the same Idempotency-Key, and refuses the key with another body', async () => {
      const body = {
        occurrenceAt: bTrustDue,
        answers: { trust: 4, safety: 5, note: 'shared by B' },
        visibility: 'shared',
      };
      const first = await checkIn(partner(B).accessToken, trustId, body, 'retry-key-1').expect(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Same body with keys in another order is the same request.
      const again = await checkIn(
        partner(B).accessToken,
        trustId,
        { visibility: 'shared', answers: { note: 'shared by B', safety: 5, trust: 4 }, occurrenceAt: bTrustDue },
        'retry-key-1',
      ).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      const other = await checkIn(
        partner(B).accessToken,
        trustId,
        { ...body, visibility: 'private' },
        'retry-key-1',
      ).expect(422);
      expect(other.body.errors[0].field).toBe('Idempotency-Key');
      // Keys are scoped to the caller: A's use of the same key is a different request.
      await checkIn(partner(A).accessToken, trustId, body, 'retry-key-1').expect(422);
      await checkIn(partner(B).accessToken, trustId, body, 'x'.repeat(256)).expect(400);
    });

    it('creates exactly one check-in from 20 concurrent identical POSTs with the same key', async () => {
      const body = {
        occurrenceAt: letterDueAt.toISOString(),
        answers: {
          letter: 'Dear A, I felt unheard on Sunday.',
          feelings: ['hurt'],
          calmer_after: 6,
          next_step: 'read_together',
        },
        visibility: 'private',
      };
      const results = await Promise.all(
        Array.from({ length: 20 }, () => checkIn(partner(B).accessToken, letterId, body, 'letter-burst')),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      const replay = await checkIn(partner(B).accessToken, letterId, body, 'letter-burst').expect(201);
      expect(replay.body.id).toBe(created[0].body.id);
      const list = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/check-ins?assignmentId=${letterId}`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(list.body.data).toHaveLength(1);
    });

    it("accepts a check-in after the due time as on time until the partner's day is over; the one-off is completed when both are done", async () => {
      const wait = letterDueAt.getTime() + 200 - suiteClock.nowMs();
      if (wait > 0) await sleep(wait);
      const letter = await mine(partner(A).accessToken, letterId);
      // Late only from the end of the partner's local day of the due time (the grace).
      const endOfDueDay = DateTime.fromJSDate(letterDueAt)
        .setZone(partner(A).timezone)
        .startOf('day')
        .plus({ days: 1 });
      const isPastGrace = endOfDueDay.toMillis() <= suiteClock.nowMs();
      expect(letter.occurrences[0]).toMatchObject({
        state: 'due',
        isOverdue: isPastGrace,
        lateAfter: endOfDueDay.toUTC().toISO(),
      });
      const res = await checkIn(partner(A).accessToken, letterId, {
        occurrenceAt: letterDueAt.toISOString(),
        answers: { letter: `I am sorry. ${SHARED_MARKER}`, feelings: ['sad'], calmer_after: 7, next_step: 'give' },
        visibility: 'shared',
      }).expect(201);
      expect(res.body.isLate).toBe(isPastGrace);
      const statuses = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/assignments?status=completed`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(statuses.body.data.map((a: { id: string }) => a.id)).toEqual([letterId]);
    });

    it('takes one check-in per couple for a joint exercise, from either partner', async () => {
      const dueAt = (await mine(partner(B).accessToken, dateId)).occurrences[0].dueAt;
      const body = { occurrenceAt: dueAt, answers: { happened: true, activity: 'walk' }, visibility: 'shared' };
      const first = await checkIn(partner(B).accessToken, dateId, body).expect(201);
      expect(first.body).toMatchObject({ partnerId: null, authorId: partner(B).id });
      const second = await checkIn(partner(A).accessToken, dateId, body).expect(409);
      expect(second.body.detail).toMatch(/couple has already checked in/);
      expect((await mine(partner(A).accessToken, dateId)).occurrences[0]).toMatchObject({
        state: 'done',
        checkInId: first.body.id,
      });
    });
  });

  describe('who reads check-ins', () => {
    it("shows partner B their own check-ins and A's shared ones, never A's private one — anywhere", async () => {
      const res = await t.http().get('/v1/me/check-ins').auth(partner(B).accessToken, auth).expect(200);
      const authors = (res.body.data as Array<{ authorId: string; visibility: string }>).map(
        (c) => `${c.authorId === partner(A).id ? 'A' : 'B'}:${c.visibility}`,
      );
      expect(authors.sort()).toEqual(['A:shared', 'B:private', 'B:shared', 'B:shared']);
      expect(JSON.stringify(res.body)).toContain(SHARED_MARKER);
      const reachable = [
        res,
        await t.http().get('/v1/me/assignments').auth(partner(B).accessToken, auth),
        await t.http().get(`/v1/me/check-ins?assignmentId=${trustId}`).auth(partner(B).accessToken, auth),
        await t.http().get('/v1/me').auth(partner(B).accessToken, auth),
      ];
      for (const r of reachable) expect(JSON.stringify(r.body)).not.toContain(PRIVATE_MARKER);
      // And the occurrence list does not hand B the id of A's private check-in either.
      const aPrivate = (
        await t
          .http()
          .get(`/v1/couples/${couple.coupleId}/check-ins?partnerId=${partner(A).id}&assignmentId=${trustId}`)
          .auth(therapist.accessToken, auth)
      ).body.data[0];
      expect(JSON.stringify(reachable[1].body)).not.toContain(aPrivate.id);
    });

    it('shows partner A their own private check-in', async () => {
      const res = await t.http().get('/v1/me/check-ins').auth(partner(A).accessToken, auth).expect(200);
      expect(JSON.stringify(res.body)).toContain(PRIVATE_MARKER);
    });

    it("gives the couple's therapist every check-in with answers, filtered and cursor-paginated", async () => {
      const all = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/check-ins`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(all.body.data).toHaveLength(5);
      expect(JSON.stringify(all.body)).toContain(PRIVATE_MARKER);
      const byA = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/check-ins?partnerId=${partner(A).id}`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(new Set(byA.body.data.map((c: { authorId: string }) => c.authorId))).toEqual(new Set([partner(A).id]));
      const page1 = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/check-ins?limit=3`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      const page2 = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/check-ins?limit=3&cursor=${page1.body.nextCursor}`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect([...page1.body.data, ...page2.body.data].map((c: { id: string }) => c.id)).toEqual(
        all.body.data.map((c: { id: string }) => c.id),
      );
      expect(page2.body.nextCursor).toBeNull();
      const future = await t
        .http()
        .get(
          `/v1/couples/${couple.coupleId}/check-ins?from=${encodeURIComponent(DateTime.utc().plus({ days: 1 }).toISO()!)}`,
        )
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(future.body.data).toEqual([]);
    });

    it('never gives an admin check-in answers', async () => {
      const res = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/check-ins`)
        .auth(clinic.admin.accessToken, auth)
        .expect(403);
      expect(JSON.stringify(res.body)).not.toContain(PRIVATE_MARKER);
      const assignments = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/assignments`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(JSON.stringify(assignments.body)).not.toMatch(new RegExp(`${PRIVATE_MARKER}|${SHARED_MARKER}`));
      await t.http().get('/v1/me/check-ins').auth(clinic.admin.accessToken, auth).expect(403);
      await checkIn(clinic.admin.accessToken, trustId, {
        occurrenceAt: letterDueAt.toISOString(),
        answers: {},
        visibility: 'private',
      }).expect(403);
    });

    it('audits every check-in written and read, without content', async () => {
      const created = await t
        .http()
        .get('/v1/audit-events?action=check_in.create&limit=200')
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(created.body.data).toHaveLength(5);
      const reads = await t
        .http()
        .get('/v1/audit-events?action=check_in.read&limit=200')
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(reads.body.data.length).toBeGreaterThanOrEqual(10);
      expect(reads.body.data[0]).toMatchObject({ resourceType: 'check_in', actorType: 'user' });
      expect(JSON.stringify([created.body, reads.body])).not.toMatch(new RegExp(`${PRIVATE_MARKER}|${SHARED_MARKER}`));
    });
  });

  describe('caseload and clinic boundaries', () => {
    it("answers 404 to a therapist outside the couple's caseload", async () => {
      const token = otherTherapist.accessToken;
      await t.http().get(`/v1/couples/${couple.coupleId}/assignments`).auth(token, auth).expect(404);
      await t.http().get(`/v1/couples/${couple.coupleId}/check-ins`).auth(token, auth).expect(404);
      await assign(token, couple.coupleId, {
        exerciseId: exerciseIds.trust_pulse,
        schedule: { type: 'once', dueAt: '2030-01-01T10:00:00Z' },
      }).expect(404);
      await t.http().patch(`/v1/assignments/${trustId}`).auth(token, auth).send({ status: 'paused' }).expect(404);
    });

    it('answers 404 to a partner of another couple', async () => {
      const res = await checkIn(otherCouple.partners[0].accessToken, trustId, {
        occurrenceAt: letterDueAt.toISOString(),
        answers: { trust: 1, safety: 1 },
        visibility: 'private',
      }).expect(404);
      const missing = await checkIn(otherCouple.partners[0].accessToken, UNKNOWN_ID, {
        occurrenceAt: letterDueAt.toISOString(),
        answers: { trust: 1, safety: 1 },
        visibility: 'private',
      }).expect(404);
      expect({ ...res.body, requestId: undefined }).toEqual({ ...missing.body, requestId: undefined });
      expect((await myAssignments(otherCouple.partners[0].accessToken)).map((a) => a.id)).not.toContain(trustId);
    });

    it("answers 404 for another clinic's couple and assignment ids, exactly like unknown ids", async () => {
      const other = await newClinic(t);
      const otherStaff = await newStaff(t, other);
      const foreignCouple = await newCouple(t, otherStaff);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      const cases: Array<[string, (id: string) => PromiseLike<{ status: number; body: Record<string, unknown> }>]> = [
        [couple.coupleId, (id) => t.http().get(`/v1/couples/${id}/assignments`).auth(otherStaff.accessToken, auth)],
        [couple.coupleId, (id) => t.http().get(`/v1/couples/${id}/check-ins`).auth(otherStaff.accessToken, auth)],
        [
          couple.coupleId,
          (id) =>
            assign(otherStaff.accessToken, id, {
              exerciseId: exerciseIds.trust_pulse,
              schedule: { type: 'once', dueAt: '2030-01-01T10:00:00Z' },
            }),
        ],
        [
          trustId,
          (id) => t.http().patch(`/v1/assignments/${id}`).auth(otherStaff.accessToken, auth).send({ status: 'paused' }),
        ],
        [
          trustId,
          (id) =>
            checkIn(foreignCouple.partners[0].accessToken, id, {
              occurrenceAt: letterDueAt.toISOString(),
              answers: { trust: 1, safety: 1 },
              visibility: 'private',
            }),
        ],
      ];
      for (const [foreignId, send] of cases) {
        const foreign = await send(foreignId);
        const missing = await send(UNKNOWN_ID);
        expect(foreign.status).toBe(404);
        expect(strip(foreign.body)).toEqual(strip(missing.body));
      }
    });
  });

  describe('OpenAPI', () => {
    it('documents every homework route with a summary, the Idempotency-Key header and the schedule shapes', async () => {
      const doc = (await t.http().get('/docs-json').expect(200)).body;
      const routes: Array<[string, string]> = [
        ['/v1/couples/{id}/assignments', 'post'],
        ['/v1/couples/{id}/assignments', 'get'],
        ['/v1/assignments/{id}', 'patch'],
        ['/v1/me/assignments', 'get'],
        ['/v1/assignments/{id}/check-ins', 'post'],
        ['/v1/couples/{id}/check-ins', 'get'],
        ['/v1/me/check-ins', 'get'],
      ];
      for (const [path, method] of routes) {
        const op = doc.paths[path][method];
        expect({ path, method, summary: typeof op.summary }).toEqual({ path, method, summary: 'string' });
        if (method === 'post') expect(op.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
      }
      const schedule = doc.components.schemas.CreateAssignmentRequest.properties.schedule;
      expect(schedule.oneOf.map((s: { $ref: string }) => s.$ref)).toEqual([
        '#/components/schemas/OnceScheduleDto',
        '#/components/schemas/RecurringScheduleDto',
      ]);
      expect(doc.components.schemas.SubmitCheckInRequest.properties.answers.example).toEqual(expect.any(Object));
    });
  });

  describe('changing an assignment', () => {
    it('pauses: future unanswered occurrences go, the answered one stays; resuming lays them out again', async () => {
      await t
        .http()
        .patch(`/v1/assignments/${trustId}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'paused' })
        .expect(200);
      const paused = await mine(partner(A).accessToken, trustId);
      expect(paused.status).toBe('paused');
      expect(paused.occurrences.map((o) => o.state)).toEqual(['done']);
      const resumed = await t
        .http()
        .patch(`/v1/assignments/${trustId}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'active' })
        .expect(200);
      expect(resumed.body.status).toBe('active');
      const again = await mine(partner(A).accessToken, trustId);
      expect(again.occurrences[0].state).toBe('done');
      expect(again.occurrences.length).toBeGreaterThanOrEqual(14);
    });

    it("re-plans: future unanswered occurrences follow the new local time in each partner's zone", async () => {
      const res = await t
        .http()
        .patch(`/v1/assignments/${trustId}`)
        .auth(therapist.accessToken, auth)
        .send({
          schedule: {
            type: 'recurring',
            rrule: 'FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=21;BYMINUTE=30',
            startsOn: yesterday(),
          },
        })
        .expect(200);
      expect(res.body.schedule.rrule).toBe('FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=21;BYMINUTE=30');
      for (const [i, zone] of [
        [A, 'America/New_York'],
        [B, 'Europe/Berlin'],
      ] as const) {
        const trust = await mine(partner(i).accessToken, trustId);
        const open = trust.occurrences.filter((o) => o.state !== 'done');
        expect(open.length).toBeGreaterThanOrEqual(3);
        for (const o of open)
          expect(DateTime.fromISO(o.dueAt, { zone }).toFormat('ccc HH:mm')).toMatch(/^(Mon|Thu) 21:30$/);
        expect(trust.occurrences.filter((o) => o.state === 'done')).toHaveLength(1);
      }
    });

    it('cancels for good: no more changes, no more check-ins', async () => {
      const next = (await mine(partner(A).accessToken, trustId)).occurrences.find((o) => o.state !== 'done')!;
      await t
        .http()
        .patch(`/v1/assignments/${trustId}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'cancelled' })
        .expect(200);
      await t
        .http()
        .patch(`/v1/assignments/${trustId}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'active' })
        .expect(409);
      await checkIn(partner(A).accessToken, trustId, {
        occurrenceAt: next.dueAt,
        answers: { trust: 5, safety: 5 },
        visibility: 'private',
      }).expect(422);
      expect((await myAssignments(partner(A).accessToken)).map((a) => a.id)).not.toContain(trustId);
    });
  });
});
