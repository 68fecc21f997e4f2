import { DateTime } from 'luxon';

import {
  bookSession,
  newApiKey,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

/** What an integration on an API key can read: what its scopes name, and nothing else. */
describe('API-key read scopes and external sessions', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let sessionId: string;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    sessionId = await bookSession(t, therapist, couple, DateTime.utc().plus({ days: 2 }).startOf('hour').toJSDate());
    await t
      .http()
      .patch(`/v1/sessions/${sessionId}`)
      .auth(therapist.accessToken, auth)
      .send({ notes: 'private therapist notes' })
      .expect(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets a couples:read key list and read couples, and nothing else', async () => {
    const { key } = await newApiKey(t, clinic, ['couples:read']);
    const list = await t.http().get('/v1/couples').auth(key, auth).expect(200);
    expect(list.body.data.map((c: { id: string }) => c.id)).toContain(couple.coupleId);
    const one = await t.http().get(`/v1/couples/${couple.coupleId}`).auth(key, auth).expect(200);
    expect(one.body.partners).toHaveLength(2);
    await t.http().get(`/v1/couples/${couple.coupleId}/sessions`).auth(key, auth).expect(403);
    await t.http().patch(`/v1/couples/${couple.coupleId}`).auth(key, auth).send({ label: 'x' }).expect(403);
    await t.http().get(`/v1/couples/${couple.coupleId}/export`).auth(key, auth).expect(403);
  });

  it("lets a sessions:read key list a couple's sessions without notes, and nothing else", async () => {
    const { key } = await newApiKey(t, clinic, ['sessions:read']);
    const sessions = await t.http().get(`/v1/couples/${couple.coupleId}/sessions`).auth(key, auth).expect(200);
    expect(sessions.body.data.map((s: { id: string }) => s.id)).toEqual([sessionId]);
    expect(JSON.stringify(sessions.body)).not.toContain('private therapist notes');
    await t.http().get('/v1/couples').auth(key, auth).expect(403);
    await t.http().patch(`/v1/sessions/${sessionId}`).auth(key, auth).send({ status: 'cancelled' }).expect(403);
  });

  it("lets a calendar:read key subscribe to a therapist's sessions, and nothing else", async () => {
    const { key } = await newApiKey(t, clinic, ['calendar:read']);
    const missing = await t.http().post('/v1/calendar-feeds').auth(key, auth).send({}).expect(422);
    expect(missing.body.errors[0].field).toBe('therapistId');
    await t.http().post('/v1/calendar-feeds').auth(key, auth).send({ therapistId: clinic.admin.id }).expect(422);
    const feed = await t
      .http()
      .post('/v1/calendar-feeds')
      .auth(key, auth)
      .send({ therapistId: therapist.id })
      .expect(201);
    const ics = await t.http().get(new URL(feed.body.url).pathname).expect(200);
    expect(ics.text).toContain(`UID:session-${sessionId}`);
    await t.http().get('/v1/couples').auth(key, auth).expect(403);
    await t.http().get('/v1/calendar-feeds').auth(key, auth).expect(403);
  });

  describe('PUT /v1/sessions/external/{source}/{externalId}', () => {
    const body = () => ({
      coupleId: couple.coupleId,
      startsAt: DateTime.utc().plus({ days: 5 }).startOf('hour').toISO(),
      endsAt: DateTime.utc().plus({ days: 5, hours: 1 }).startOf('hour').toISO(),
    });

    it('takes external ids up to the documented 200 characters, and answers 400 problem+json beyond', async () => {
      const { key } = await newApiKey(t, clinic, ['sessions:write']);
      for (const length of [101, 150, 200]) {
        const id = 'x'.repeat(length);
        const res = await t.http().put(`/v1/sessions/external/clinic-scheduler/${id}`).auth(key, auth).send(body());
        expect({ length, status: res.status, externalId: res.body.externalId }).toEqual({
          length,
          status: 201,
          externalId: id,
        });
      }
      const accented = 'é'.repeat(200);
      await t
        .http()
        .put(`/v1/sessions/external/clinic-scheduler/${encodeURIComponent(accented)}`)
        .auth(key, auth)
        .send(body())
        .expect(201);
      for (const id of ['y'.repeat(201), 'z'.repeat(5000)]) {
        const res = await t.http().put(`/v1/sessions/external/clinic-scheduler/${id}`).auth(key, auth).send(body());
        expect({ length: id.length, status: res.status }).toEqual({ length: id.length, status: 400 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it("refuses to move or cancel an integration's session by its source and booking id", async () => {
      const { key } = await newApiKey(t, clinic, ['sessions:write']);
      for (const source of ['calcom', 'calendly']) {
        const res = await t
          .http()
          .put(`/v1/sessions/external/${source}/booking-uid-1`)
          .auth(key, auth)
          .send({ ...body(), status: 'cancelled' })
          .expect(400);
        expect(res.body.errors[0].field).toBe('source');
      }
    });
  });
});
