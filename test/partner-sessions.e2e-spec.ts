import { DateTime } from 'luxon';

import { TenantDatabase } from '@mend/database';
import {
  bookSession,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const NOTES = 'NOTES-MARKER-5R2T: both spoke about the hidden account.';

/**
 * A partner reads their own couple's sessions: when (in their own zone) and the status, never
 * the therapist's notes, either partner's attendance or where the booking came from; another
 * couple's or clinic's session is a 404.
 */
describe("a partner's sessions (GET /v1/me/sessions)", () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let other: CoupleContext;
  let foreign: CoupleContext;
  let first: Date;
  let sessionIds: string[];
  let otherSessionId: string;
  let foreignSessionId: string;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    // New York and Kolkata: offsets of different sign and a half hour.
    couple = await newCouple(t, therapist, [
      { name: 'Robin Vega', timezone: 'America/New_York' },
      { name: 'Sasha Vega', timezone: 'Asia/Kolkata' },
    ]);
    other = await newCouple(t, therapist);
    const b = await newClinic(t);
    const bTherapist = await newStaff(t, b);
    foreign = await newCouple(t, bTherapist);
    // Three sessions a week apart, on whole minutes so the offsets read cleanly.
    first = DateTime.utc().plus({ days: 2 }).startOf('hour').toJSDate();
    sessionIds = [];
    for (let i = 0; i < 3; i++)
      sessionIds.push(await bookSession(t, therapist, couple, new Date(first.getTime() + i * 7 * 86_400_000)));
    otherSessionId = await bookSession(t, therapist, other, first);
    foreignSessionId = await bookSession(t, bTherapist, foreign, first);
    // The therapist's notes on the first, the second cancelled, and Sasha's place in the third cancelled.
    await t
      .http()
      .patch(`/v1/sessions/${sessionIds[0]}`)
      .auth(therapist.accessToken, auth)
      .send({ notes: NOTES })
      .expect(200);
    await t
      .http()
      .patch(`/v1/sessions/${sessionIds[1]}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(200);
    await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(
          `INSERT INTO session_attendance (clinic_id, session_id, partner_id, state, source) VALUES ($1, $2, $3, 'cancelled', 'calendly')`,
          [clinic.clinicId, sessionIds[2], couple.partners[1].id],
        ),
      );
  });
  afterAll(async () => {
    await t.close();
  });

  const mine = (token: string, query = '') => t.http().get(`/v1/me/sessions${query}`).auth(token, auth);

  it("lists the couple's sessions by start time, in each partner's own zone, with their status only", async () => {
    const robin = await mine(couple.partners[0].accessToken).expect(200);
    expect(robin.body.nextCursor).toBeNull();
    expect(robin.body.data).toEqual(
      sessionIds.map((id, i) => {
        const starts = DateTime.fromJSDate(new Date(first.getTime() + i * 7 * 86_400_000), {
          zone: 'America/New_York',
        });
        return {
          id,
          startsAt: starts.toISO({ suppressMilliseconds: true }),
          endsAt: starts.plus({ hours: 1 }).toISO({ suppressMilliseconds: true }),
          timeZone: 'America/New_York',
          status: i === 1 ? 'cancelled' : 'scheduled',
        };
      }),
    );
    expect(robin.body.data[0].startsAt).toMatch(/-0[45]:00$/);
    // The same instant, written in Sasha's zone.
    const sasha = await mine(couple.partners[1].accessToken).expect(200);
    expect(sasha.body.data.map((s: { startsAt: string }) => s.startsAt)).toEqual(
      robin.body.data.map((s: { startsAt: string }) =>
        DateTime.fromISO(s.startsAt).setZone('Asia/Kolkata').toISO({ suppressMilliseconds: true }),
      ),
    );
    expect(sasha.body.data[0]).toMatchObject({ timeZone: 'Asia/Kolkata', startsAt: expect.stringMatching(/\+05:30$/) });
    expect(Date.parse(sasha.body.data[0].startsAt)).toBe(first.getTime());
  });

  it("never carries the therapist's notes, attendance, or the booking's origin", async () => {
    for (const partner of couple.partners) {
      const list = await mine(partner.accessToken).expect(200);
      const one = await t.http().get(`/v1/me/sessions/${sessionIds[2]}`).auth(partner.accessToken, auth).expect(200);
      for (const body of [list.body.data[0], list.body.data[2], one.body]) {
        expect(Object.keys(body).sort()).toEqual(['endsAt', 'id', 'startsAt', 'status', 'timeZone']);
      }
      expect(JSON.stringify([list.body, one.body])).not.toContain('NOTES-MARKER');
      // Sasha cancelled their place; to Robin the session is still simply scheduled.
      expect(one.body.status).toBe('scheduled');
    }
    // The therapist still reads the notes on the same session.
    const staff = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    expect(staff.body.data[0].notes).toBe(NOTES);
  });

  it('filters from/to and pages with a cursor', async () => {
    const token = couple.partners[0].accessToken;
    const from = encodeURIComponent(new Date(first.getTime() + 1).toISOString());
    const upcoming = await mine(token, `?from=${from}`).expect(200);
    expect(upcoming.body.data.map((s: { id: string }) => s.id)).toEqual(sessionIds.slice(1));
    const to = encodeURIComponent(new Date(first.getTime() + 86_400_000).toISOString());
    expect((await mine(token, `?to=${to}`).expect(200)).body.data.map((s: { id: string }) => s.id)).toEqual([
      sessionIds[0],
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = await mine(
        token,
        `?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      seen.push(...page.body.data.map((s) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(sessionIds);
    await mine(token, '?cursor=not-a-cursor').expect(400);
    await mine(token, '?from=2026-03-01T00:00:00').expect(400);
  });

  it("answers 404 for another couple's or clinic's session, and lists only the partner's own couple", async () => {
    for (const id of [otherSessionId, foreignSessionId]) {
      const res = await t.http().get(`/v1/me/sessions/${id}`).auth(couple.partners[0].accessToken, auth).expect(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    await t.http().get(`/v1/me/sessions/${sessionIds[0]}`).auth(other.partners[0].accessToken, auth).expect(404);
    await t.http().get(`/v1/me/sessions/${sessionIds[0]}`).auth(foreign.partners[0].accessToken, auth).expect(404);
    const theirs = await mine(other.partners[0].accessToken).expect(200);
    expect(theirs.body.data.map((s: { id: string }) => s.id)).toEqual([otherSessionId]);
    const foreignList = await mine(foreign.partners[0].accessToken).expect(200);
    expect(foreignList.body.data.map((s: { id: string }) => s.id)).toEqual([foreignSessionId]);
    // Staff use the couple's own listing.
    await mine(therapist.accessToken).expect(403);
    await mine(clinic.admin.accessToken).expect(403);
  });
});
