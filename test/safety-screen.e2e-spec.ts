import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';

import { CheckInLinksService } from '@mend/check-in-page';
import { TenantDatabase } from '@mend/database';
import {
  builtinExerciseId,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { surfacesWith, sweepAsPartner, type SweptSurface } from './support/privacy-sweep.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const CRISIS = 'CRISIS-7f3a: call 112, or the safe-at-home line 0800 000 1234, day and night.';
const NOTE = 'NOTE-FOR-ALEX-5c21';
const ANSWER = 'ANSWER-MARKER-9e04';

/** Answers of the safety check that indicate no danger at all. */
const CALM = { safe_at_home: true, afraid: 'never', threatened: false, hurt: false, talk_alone: false };

/**
 * The private safety check: a therapist gives it to ONE partner; it is that partner's alone (the
 * other partner finds no trace of it on any surface they reach: every client GET of the API,
 * their calendar feed, their notifications), its answers are never shared, and an answer that
 * indicates danger is a safety concern like a low safety answer: an urgent in-app notice for the
 * therapist within seconds and the clinic's crisis resources for that partner only.
 */
describe('the private safety check', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let screenId: string;
  let feedPath: string;

  const alex = () => couple.partners[0];
  const blake = () => couple.partners[1];
  const inThreeHours = () => ({ type: 'once' as const, dueAt: DateTime.utc().plus({ hours: 3 }).toISO() });

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOX_RELAY_INTERVAL_MS: '100' } });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    screenId = await builtinExerciseId(t, therapist.accessToken, 'safety_check');
    await t
      .http()
      .patch('/v1/clinic/safety-settings')
      .auth(clinic.admin.accessToken, auth)
      .send({ crisisResources: CRISIS })
      .expect(200);
    const feed = await t.http().post('/v1/calendar-feeds').auth(blake().accessToken, auth).expect(201);
    feedPath = new URL(feed.body.url).pathname;
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  const assignScreen = (partnerId: string | undefined, extra: Record<string, unknown> = {}) =>
    t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(therapist.accessToken, auth)
      .send({ exerciseId: screenId, schedule: inThreeHours(), ...(partnerId ? { partnerId } : {}), ...extra });

  const homeworkOf = async (token: string) =>
    (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
      id: string;
      title: string;
      partnerId: string | null;
      isAlwaysPrivate: boolean;
      occurrences: Array<{ dueAt: string; state: string; partnerId: string | null }>;
    }>;

  const occurrencesOf = (assignmentId: string) =>
    t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`SELECT id, partner_id FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2`, [
          clinic.clinicId,
          assignmentId,
        ]),
      ) as Promise<Array<{ id: string; partner_id: string }>>;

  /** Everything Blake can reach: every client GET of the API, plus their calendar feed. */
  const blakeSurfaces = async (): Promise<SweptSurface[]> => {
    const feed = await t.http().get(feedPath).expect(200);
    const surfaces = await sweepAsPartner(t, blake().accessToken, couple.coupleId, [
      { path: 'calendar feed', status: 200, text: feed.text },
    ]);
    expect(surfaces.filter((s) => s.status !== 200).map((s) => `${s.path}: ${s.status}`)).toEqual([]);
    return surfaces;
  };

  const traceOf = async (markers: string[]) => {
    const surfaces = await blakeSurfaces();
    return Object.fromEntries(markers.map((m) => [m, surfacesWith(surfaces, m)]));
  };

  it('is given to one named partner only: 422 without a partner, for a stranger or for a joint exercise', async () => {
    const missing = await assignScreen(undefined).expect(422);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body.detail).toBe('The safety check is given to one partner at a time');
    expect(missing.body.errors).toEqual([
      { field: 'partnerId', message: expect.stringContaining('partnerId is required') },
    ]);

    const other = await newCouple(t, therapist);
    const stranger = await assignScreen(other.partners[0].id).expect(422);
    expect(stranger.body.errors).toEqual([{ field: 'partnerId', message: 'no such partner in this couple' }]);

    const repairPlanId = await builtinExerciseId(t, therapist.accessToken, 'repair_plan');
    const joint = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(therapist.accessToken, auth)
      .send({ exerciseId: repairPlanId, schedule: inThreeHours(), partnerId: alex().id })
      .expect(422);
    expect(joint.body.errors[0].field).toBe('partnerId');

    const together = await assignScreen(alex().id, { revealTogether: true }).expect(422);
    expect(together.body.errors[0].field).toBe('revealTogether');
  });

  it('lays out occurrences and reminders for that partner only, and the other partner finds no trace of it', async () => {
    const created = await assignScreen(alex().id, { instructions: NOTE }).expect(201);
    expect(created.body).toMatchObject({ partnerId: alex().id, isAlwaysPrivate: true, title: 'Safety check' });
    const id = created.body.id as string;

    // The therapist sees it with the partner named.
    const listed = (
      await t.http().get(`/v1/couples/${couple.coupleId}/assignments`).auth(therapist.accessToken, auth).expect(200)
    ).body.data as Array<{ id: string; partnerId: string | null }>;
    expect(listed.find((a) => a.id === id)?.partnerId).toBe(alex().id);

    const occurrences = await occurrencesOf(id);
    expect(occurrences.map((o) => o.partner_id)).toEqual([alex().id]);

    // Alex has it, with the private wording's flag; Blake's homework does not.
    const alexHomework = (await homeworkOf(alex().accessToken)).find((a) => a.id === id);
    expect(alexHomework).toMatchObject({ partnerId: alex().id, isAlwaysPrivate: true });
    expect(alexHomework!.occurrences.map((o) => o.state)).toEqual(['due']);
    expect((await homeworkOf(blake().accessToken)).map((a) => a.id)).not.toContain(id);

    // Reminders are Alex's only, and never name it (a shared phone or inbox must not tell).
    const reminders = (await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`SELECT recipient_id, title, body FROM notification WHERE clinic_id = $1 AND occurrence_id = $2`, [
          clinic.clinicId,
          occurrences[0].id,
        ]),
      )) as Array<{ recipient_id: string; title: string; body: string }>;
    expect(reminders.length).toBeGreaterThan(0);
    expect(new Set(reminders.map((r) => r.recipient_id))).toEqual(new Set([alex().id]));
    for (const r of reminders) expect(`${r.title} ${r.body}`).not.toMatch(/safety|safe/i);

    // Blake: nothing anywhere — neither its id, its occurrence, its title nor the therapist's note.
    expect(await traceOf([id, occurrences[0].id, 'Safety check', NOTE])).toEqual({
      [id]: [],
      [occurrences[0].id]: [],
      'Safety check': [],
      [NOTE]: [],
    });
    // For Blake it does not exist: the same 404 as an id that was never issued.
    const never = await t
      .http()
      .post(`/v1/assignments/00000000-0000-4000-8000-000000000001/check-ins`)
      .auth(blake().accessToken, auth)
      .send({ occurrenceAt: alexHomework!.occurrences[0].dueAt, answers: CALM, visibility: 'private' })
      .expect(404);
    const blakeTries = await t
      .http()
      .post(`/v1/assignments/${id}/check-ins`)
      .auth(blake().accessToken, auth)
      .send({ occurrenceAt: alexHomework!.occurrences[0].dueAt, answers: CALM, visibility: 'private' })
      .expect(404);
    expect(blakeTries.body.title).toBe(never.body.title);
    expect(blakeTries.body.detail).toBe(never.body.detail);
  });

  it('turns an answer indicating danger into an urgent notice within 5 s and crisis resources for that partner only; never shared', async () => {
    const id = (await assignScreen(alex().id).expect(201)).body.id as string;
    const due = (await homeworkOf(alex().accessToken)).find((a) => a.id === id)!.occurrences[0].dueAt;

    // Alex's check-in page offers no share choice.
    const db = t.app.get(TenantDatabase);
    const url = await db.withClinic(clinic.clinicId, async (tx) => {
      const [occurrence] = await tx.query(
        `SELECT id FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2 AND partner_id = $3`,
        [clinic.clinicId, id, alex().id],
      );
      return (await t.app.get(CheckInLinksService).issueCheckInLink(tx, clinic.clinicId, alex().id, occurrence.id)).url;
    });
    const opened = await t.http().post(new URL(url).pathname).type('form').send('').expect(303);
    const cookie = (opened.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('mend_checkin='))!;
    const page = await t.http().get('/check-in').set('Cookie', cookie.split(';')[0]).expect(200);
    expect(page.text).toContain('Safety check');
    expect(page.text).not.toContain('name="visibility"');
    expect(page.text).not.toContain(blake().name.split(' ')[0]);

    const started = Date.now();
    // Asked to share, the server keeps it private.
    const answered = await t
      .http()
      .post(`/v1/assignments/${id}/check-ins`)
      .auth(alex().accessToken, auth)
      .send({
        occurrenceAt: due,
        answers: { ...CALM, afraid: 'often', controlled: ['phone'], anything_else: ANSWER },
        visibility: 'shared',
      })
      .expect(201);
    expect(answered.body).toMatchObject({
      visibility: 'private',
      crisisResources: CRISIS,
      score: { kind: 'safety_screen', value: 2, isSafetyConcern: true },
    });

    let urgent: { title: string; body: string } | undefined;
    while (!urgent && Date.now() - started <= 5_000) {
      const inbox = (await t.http().get('/v1/me/notifications').auth(therapist.accessToken, auth).expect(200)).body
        .data as Array<{ title: string; body: string }>;
      urgent = inbox.find((n) => n.title.startsWith('Urgent'));
      if (!urgent) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(urgent).toBeDefined();
    expect(`${urgent!.title} ${urgent!.body}`).not.toMatch(/safe/i);

    const alertsNow = async () =>
      (
        (await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(therapist.accessToken, auth).expect(200))
          .body.alerts as Array<{ kind: string; partnerId: string; status: string; detail: Record<string, unknown> }>
      ).filter((a) => a.kind === 'safety_concern');
    expect(await alertsNow()).toEqual([
      expect.objectContaining({
        partnerId: alex().id,
        status: 'open',
        detail: expect.objectContaining({ source: 'safety_check', signs: 2 }),
      }),
    ]);

    // The therapist reads the answer; Blake never does, nor the crisis text, nor the notice.
    expect(
      (await t.http().get(`/v1/couples/${couple.coupleId}/check-ins`).auth(therapist.accessToken, auth).expect(200))
        .text,
    ).toContain(ANSWER);
    expect(await traceOf([id, ANSWER, 'CRISIS-7f3a', 'Urgent', 'Safety check'])).toEqual({
      [id]: [],
      [ANSWER]: [],
      'CRISIS-7f3a': [],
      Urgent: [],
      'Safety check': [],
    });

    // A calm trust pulse afterwards does not resolve what the safety check disclosed.
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const pulse = await newAssignment(t, therapist, couple, pulseId, { schedule: inThreeHours() });
    const pulseDue = (await homeworkOf(alex().accessToken)).find((a) => a.id === pulse.id)!.occurrences[0].dueAt;
    await t
      .http()
      .post(`/v1/assignments/${pulse.id}/check-ins`)
      .auth(alex().accessToken, auth)
      .send({ occurrenceAt: pulseDue, answers: { trust: 7, safety: 9 }, visibility: 'private' })
      .expect(201);
    expect(await alertsNow()).toEqual([expect.objectContaining({ partnerId: alex().id, status: 'open' })]);
  });

  it('can be cancelled and given anew (to the other partner too); a later calm check resolves the concern', async () => {
    const first = (await assignScreen(alex().id).expect(201)).body.id as string;
    // Re-planned: still Alex's only.
    await t
      .http()
      .patch(`/v1/assignments/${first}`)
      .auth(therapist.accessToken, auth)
      .send({ schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 5 }).toISO() } })
      .expect(200);
    expect((await occurrencesOf(first)).map((o) => o.partner_id)).toEqual([alex().id]);
    const cancelled = await t
      .http()
      .patch(`/v1/assignments/${first}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', partnerId: alex().id });
    expect((await homeworkOf(alex().accessToken)).map((a) => a.id)).not.toContain(first);

    // Given to Blake now: Blake's alone, Alex sees nothing of it.
    const forBlake = (await assignScreen(blake().id).expect(201)).body.id as string;
    expect((await homeworkOf(blake().accessToken)).map((a) => a.id)).toContain(forBlake);
    expect((await homeworkOf(alex().accessToken)).map((a) => a.id)).not.toContain(forBlake);

    // Alex, asked again, indicates no danger: the concern opened before resolves, with the reason.
    const again = (await assignScreen(alex().id).expect(201)).body.id as string;
    const due = (await homeworkOf(alex().accessToken)).find((a) => a.id === again)!.occurrences[0].dueAt;
    const calm = await t
      .http()
      .post(`/v1/assignments/${again}/check-ins`)
      .auth(alex().accessToken, auth)
      .send({ occurrenceAt: due, answers: CALM, visibility: 'private' })
      .expect(201);
    expect(calm.body.crisisResources).toBeUndefined();
    const alerts = (
      await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(therapist.accessToken, auth).expect(200)
    ).body.alerts as Array<{ kind: string; partnerId: string; status: string; resolvedReason: string | null }>;
    const alexSafety = alerts.filter((a) => a.kind === 'safety_concern' && a.partnerId === alex().id);
    expect(alexSafety.map((a) => a.status)).toEqual(['resolved']);
    expect(alexSafety[0].resolvedReason).toContain('latest safety check indicated no danger');
  });

  it('answers 404 to another clinic', async () => {
    const id = (await assignScreen(alex().id).expect(201)).body.id as string;
    const elsewhere = await newClinic(t);
    const theirTherapist = await newStaff(t, elsewhere);
    const theirCouple = await newCouple(t, theirTherapist);
    await t
      .http()
      .patch(`/v1/assignments/${id}`)
      .auth(theirTherapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(404);
    await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(theirTherapist.accessToken, auth)
      .send({ exerciseId: screenId, schedule: inThreeHours(), partnerId: alex().id })
      .expect(404);
    await t
      .http()
      .post(`/v1/assignments/${id}/check-ins`)
      .auth(theirCouple.partners[0].accessToken, auth)
      .send({ occurrenceAt: DateTime.utc().plus({ hours: 3 }).toISO(), answers: CALM, visibility: 'private' })
      .expect(404);
    // Their own safety check cannot name a partner of this clinic.
    const theirScreen = await builtinExerciseId(t, theirTherapist.accessToken, 'safety_check');
    await t
      .http()
      .post(`/v1/couples/${theirCouple.coupleId}/assignments`)
      .auth(theirTherapist.accessToken, auth)
      .send({ exerciseId: theirScreen, schedule: inThreeHours(), partnerId: alex().id })
      .expect(422);
  });

  it("stays out of the other partner's reach in a records export: the partners get no export, the clinic's names whose it is", async () => {
    const id = (await assignScreen(alex().id, { instructions: NOTE }).expect(201)).body.id as string;
    const due = (await homeworkOf(alex().accessToken)).find((a) => a.id === id)!.occurrences[0].dueAt;
    await t
      .http()
      .post(`/v1/assignments/${id}/check-ins`)
      .auth(alex().accessToken, auth)
      .send({ occurrenceAt: due, answers: { ...CALM, anything_else: ANSWER }, visibility: 'private' })
      .expect(201);

    // Neither partner can export the couple's records (they hold the other partner's private answers).
    for (const partner of [blake(), alex()]) {
      const refused = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/export`)
        .auth(partner.accessToken, auth)
        .expect(403);
      for (const marker of [id, ANSWER, NOTE, 'Safety check']) expect(refused.text).not.toContain(marker);
    }

    // The clinic's export (a records request) holds it, naming the one partner it is for, so an
    // answer to Blake's request can leave out the assignment, its occurrences and its answers.
    const exported = (
      await t.http().get(`/v1/couples/${couple.coupleId}/export`).auth(clinic.admin.accessToken, auth).expect(200)
    ).body as {
      assignments: Array<{ id: string; title: string; partnerId: string | null }>;
      occurrences: Array<{ assignmentId: string; partnerId: string | null }>;
      checkIns: Array<{ assignmentId: string; authorId: string; answers: Record<string, unknown> }>;
    };
    expect(exported.assignments.find((a) => a.id === id)).toMatchObject({
      title: 'Safety check',
      partnerId: alex().id,
    });
    expect(exported.occurrences.filter((o) => o.assignmentId === id).map((o) => o.partnerId)).toEqual([alex().id]);
    expect(exported.checkIns.filter((c) => c.assignmentId === id)).toEqual([
      expect.objectContaining({ authorId: alex().id, answers: expect.objectContaining({ anything_else: ANSWER }) }),
    ]);
    // What concerns Blake — the assignments for both or for Blake, the occurrences and check-ins of
    // Blake's or of the couple's — holds no trace of it (Blake was given a safety check of their own
    // above, so its title alone tells nothing).
    const forBlake = exported.assignments.filter((a) => a.partnerId === null || a.partnerId === blake().id);
    const blakeIds = new Set(forBlake.map((a) => a.id));
    const blakesPart = JSON.stringify({
      assignments: forBlake,
      occurrences: exported.occurrences.filter((o) => blakeIds.has(o.assignmentId) && o.partnerId !== alex().id),
      checkIns: exported.checkIns.filter((c) => blakeIds.has(c.assignmentId) && c.authorId !== alex().id),
    });
    for (const marker of [id, ANSWER, NOTE]) expect(blakesPart).not.toContain(marker);
  });
});
