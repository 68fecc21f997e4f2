import { DateTime } from 'luxon';

import { catalogLocale, CheckInLinksService, formatDateTime } from '@mend/check-in-page';
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

import { clientGetPaths, surfacesWith, sweepAsPartner, type SweptSurface } from './support/privacy-sweep.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
/** A Wednesday at noon UTC: 07:00 in New York and 13:00 in Berlin, both on the same local date. */
const WEDNESDAY_NOON_UTC = '2026-12-09T12:00:00.000Z';

function cookieFrom(setCookie: string | string[] | undefined): string {
  const header = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).find((c) => c.startsWith('mend_checkin='));
  if (!header) throw new Error('no session cookie set');
  return header.split(';')[0];
}

function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field');
  return match[1];
}

/**
 * Reveal together, through the privacy sweep: a partner's shared answers of a reveal-together
 * assignment are on no surface the other partner reaches (every client GET of the API, their
 * check-in page, their calendar feed) until both have answered that occurrence or it has closed;
 * then they are. The therapist sees both at once, and the author is told when the other will.
 */
describe('reveal together', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let pulseId: string;
  let feedPath: string;

  const alex = () => couple.partners[0];
  const blake = () => couple.partners[1];

  beforeAll(async () => {
    suiteClock.pinTo(WEDNESDAY_NOON_UTC);
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist, [
      { name: 'Alex Morgan', timezone: 'America/New_York' },
      { name: 'Blake Morgan', timezone: 'Europe/Berlin' },
    ]);
    pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const feed = await t.http().post('/v1/calendar-feeds').auth(blake().accessToken, auth).expect(201);
    feedPath = new URL(feed.body.url).pathname;
  });
  afterAll(async () => {
    await t.close();
  });

  const dueOf = async (token: string, assignmentId: string): Promise<string> => {
    const mine = (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
      id: string;
      occurrences: Array<{ dueAt: string; state: string }>;
    }>;
    return mine.find((a) => a.id === assignmentId)!.occurrences.find((o) => o.state === 'due')!.dueAt;
  };

  /** Opens the partner's check-in page for their occurrence of the assignment due at `dueAt`: the session cookie and the form. */
  const openPage = async (partnerId: string, assignmentId: string, dueAt: string) => {
    const db = t.app.get(TenantDatabase);
    const url = await db.withClinic(clinic.clinicId, async (tx) => {
      const [occurrence] = await tx.query(
        `SELECT id FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2 AND partner_id = $3 AND due_at = $4`,
        [clinic.clinicId, assignmentId, partnerId, new Date(dueAt)],
      );
      return (await t.app.get(CheckInLinksService).issueCheckInLink(tx, clinic.clinicId, partnerId, occurrence.id)).url;
    });
    const opened = await t.http().post(new URL(url).pathname).type('form').send('').expect(303);
    const cookie = cookieFrom(opened.headers['set-cookie']);
    const form = await t.http().get('/check-in').set('Cookie', cookie).expect(200);
    return { cookie, form: form.text };
  };

  /** Everything Blake can reach: the API's client GETs, their open check-in page, their calendar feed. */
  const blakeSurfaces = async (page: { form: string } | null): Promise<SweptSurface[]> => {
    const feed = await t.http().get(feedPath).expect(200);
    const extra: SweptSurface[] = [{ path: 'calendar feed', status: 200, text: feed.text }];
    if (page) extra.push({ path: 'check-in page', status: 200, text: page.form });
    const surfaces = await sweepAsPartner(t, blake().accessToken, couple.coupleId, extra);
    expect(surfaces.filter((s) => s.status !== 200).map((s) => `${s.path}: ${s.status}`)).toEqual([]);
    return surfaces;
  };

  it('sweeps every client GET the access table lists', () => {
    expect(clientGetPaths(couple.coupleId)).toEqual(
      expect.arrayContaining(['/v1/me', '/v1/me/assignments', '/v1/me/check-ins', '/v1/me/notifications']),
    );
  });

  it('keeps a shared answer from the other partner until both have answered, then shows it to both', async () => {
    const MARKER_A = 'REVEAL-A-4e1c';
    const MARKER_B = 'REVEAL-B-9d02';
    const pulse = await newAssignment(t, therapist, couple, pulseId, { revealTogether: true });
    expect(pulse.revealTogether).toBe(true);
    const alexDue = await dueOf(alex().accessToken, pulse.id);
    const blakeDue = await dueOf(blake().accessToken, pulse.id);
    // 20:00 on the same local date in each zone: one occurrence of the pulse, answered by each.
    expect(DateTime.fromISO(alexDue).setZone(alex().timezone).toISODate()).toBe(
      DateTime.fromISO(blakeDue).setZone(blake().timezone).toISODate(),
    );

    // Alex shares through the check-in page; the confirmation says when Blake will see it.
    const alexPage = await openPage(alex().id, pulse.id, alexDue);
    const sent = await t
      .http()
      .post('/check-in')
      .set('Cookie', alexPage.cookie)
      .type('form')
      .send(
        `csrf=${encodeURIComponent(csrfFrom(alexPage.form))}&a_trust=8&a_safety=7&a_note=${MARKER_A}&visibility=shared`,
      );
    expect(sent.status).toBe(303);
    const confirmation = await t.http().get('/check-in').set('Cookie', alexPage.cookie).expect(200);
    const blakeCloses = DateTime.fromISO(blakeDue).plus({ hours: 72 }).toJSDate();
    expect(confirmation.text).toContain(
      `Your therapist can see it now; Blake will see it once they have checked in too, or on ${formatDateTime(blakeCloses, alex().timezone, catalogLocale('en'))} at the latest.`,
    );

    // Before Blake answers: the marker is on no surface Blake reaches, though Alex and the therapist see it.
    const blakePage = await openPage(blake().id, pulse.id, blakeDue);
    expect(surfacesWith(await blakeSurfaces(blakePage), MARKER_A)).toEqual([]);
    expect((await t.http().get('/v1/me/check-ins').auth(alex().accessToken, auth).expect(200)).text).toContain(
      MARKER_A,
    );
    expect(
      (await t.http().get(`/v1/couples/${couple.coupleId}/check-ins`).auth(therapist.accessToken, auth).expect(200))
        .text,
    ).toContain(MARKER_A);

    // Blake answers (shared): both have answered, so each now sees the other's words.
    const blakeAnswer = await t
      .http()
      .post(`/v1/assignments/${pulse.id}/check-ins`)
      .auth(blake().accessToken, auth)
      .send({ occurrenceAt: blakeDue, answers: { trust: 6, safety: 7, note: MARKER_B }, visibility: 'shared' })
      .expect(201);
    expect(blakeAnswer.body.reveal).toEqual({ isRevealed: true, revealsAt: expect.any(String) });
    expect(surfacesWith(await blakeSurfaces(null), MARKER_A)).toEqual(['/v1/me/check-ins']);
    expect((await t.http().get('/v1/me/check-ins').auth(alex().accessToken, auth).expect(200)).text).toContain(
      MARKER_B,
    );
  });

  it('reveals it when the other partner’s occurrence closes unanswered, and tells the author when', async () => {
    const MARKER_C = 'REVEAL-C-71aa';
    const dueAt = DateTime.fromISO(WEDNESDAY_NOON_UTC).plus({ hours: 2 }).toUTC();
    const once = await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: dueAt.toISO()! },
      revealTogether: true,
    });
    const answered = await t
      .http()
      .post(`/v1/assignments/${once.id}/check-ins`)
      .auth(alex().accessToken, auth)
      .send({ occurrenceAt: dueAt.toISO(), answers: { trust: 4, safety: 6, note: MARKER_C }, visibility: 'shared' })
      .expect(201);
    const closesAt = dueAt.plus({ hours: 72 });
    expect(answered.body.reveal).toEqual({ isRevealed: false, revealsAt: closesAt.toJSDate().toISOString() });

    expect(surfacesWith(await blakeSurfaces(null), MARKER_C)).toEqual([]);
    // A minute before the close, still nothing; a minute after, Blake reads it.
    suiteClock.pinTo(closesAt.minus({ minutes: 1 }).toJSDate());
    expect(surfacesWith(await blakeSurfaces(null), MARKER_C)).toEqual([]);
    suiteClock.pinTo(closesAt.plus({ minutes: 1 }).toJSDate());
    expect(surfacesWith(await blakeSurfaces(null), MARKER_C)).toEqual(['/v1/me/check-ins']);
  });

  it('leaves private answers private and plain shared ones as they were', async () => {
    const MARKER_P = 'PRIVATE-P-3b7f';
    const MARKER_S = 'SHARED-S-c0de';
    const revealing = await newAssignment(t, therapist, couple, pulseId, { revealTogether: true });
    const plain = await newAssignment(t, therapist, couple, pulseId);
    expect(plain.revealTogether).toBe(false);
    for (const [assignment, note, visibility] of [
      [revealing, MARKER_P, 'private'],
      [plain, MARKER_S, 'shared'],
    ] as const) {
      const due = await dueOf(alex().accessToken, assignment.id);
      const res = await t
        .http()
        .post(`/v1/assignments/${assignment.id}/check-ins`)
        .auth(alex().accessToken, auth)
        .send({ occurrenceAt: due, answers: { trust: 7, safety: 7, note }, visibility })
        .expect(201);
      // Only a shared answer of a reveal-together assignment is held back, and only then said so.
      expect(res.body.reveal).toBeUndefined();
    }
    for (const assignment of [revealing]) {
      const due = await dueOf(blake().accessToken, assignment.id);
      await t
        .http()
        .post(`/v1/assignments/${assignment.id}/check-ins`)
        .auth(blake().accessToken, auth)
        .send({ occurrenceAt: due, answers: { trust: 7, safety: 7 }, visibility: 'shared' })
        .expect(201);
    }
    const surfaces = await blakeSurfaces(null);
    expect(surfacesWith(surfaces, MARKER_P)).toEqual([]);
    expect(surfacesWith(surfaces, MARKER_S)).toEqual(['/v1/me/check-ins']);
  });

  it('is set and changed by the therapist, and refused for a joint exercise', async () => {
    const plain = await newAssignment(t, therapist, couple, pulseId);
    const patched = await t
      .http()
      .patch(`/v1/assignments/${plain.id}`)
      .auth(therapist.accessToken, auth)
      .send({ revealTogether: true })
      .expect(200);
    expect(patched.body.revealTogether).toBe(true);
    const mine = (await t.http().get('/v1/me/assignments').auth(blake().accessToken, auth).expect(200)).body
      .data as Array<{ id: string; revealTogether: boolean }>;
    expect(mine.find((a) => a.id === plain.id)!.revealTogether).toBe(true);

    const jointId = await builtinExerciseId(t, therapist.accessToken, 'repair_plan');
    const refused = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(therapist.accessToken, auth)
      .send({
        exerciseId: jointId,
        schedule: { type: 'once', dueAt: suiteClock.now().toISOString() },
        revealTogether: true,
      })
      .expect(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'revealTogether' })]);
  });
});
