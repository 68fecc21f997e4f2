import { DateTime } from 'luxon';

import { TenantDatabase } from '@mend/database';
import {
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

/** PUT /v1/sessions/external/{source}/{externalId}: sessions from any system, by its own id. */
describe('sessions from any system', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let otherTherapist: StaffContext;
  let couple: CoupleContext;
  let key: string;

  const at = (days: number, hours = 0) => DateTime.utc().plus({ days, hours }).startOf('minute').toISO()!;
  const put = (token: string, source: string, externalId: string, body: object) =>
    t
      .http()
      .put(`/v1/sessions/external/${source}/${encodeURIComponent(externalId)}`)
      .auth(token, auth)
      .send(body);

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    otherTherapist = await newStaff(t, clinic, 'therapist', 'Other Therapist');
    couple = await newCouple(t, therapist);
    key = (await newApiKey(t, clinic, ['sessions:write'])).key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, then updates, and a repeated call changes nothing', async () => {
    const body = { coupleId: couple.coupleId, startsAt: at(2), endsAt: at(2, 1) };
    const created = await put(key, 'clinic-scheduler', 'appt-1', body).expect(201);
    expect(created.body).toMatchObject({
      coupleId: couple.coupleId,
      therapistId: therapist.id,
      source: 'clinic-scheduler',
      externalId: 'appt-1',
      status: 'scheduled',
    });
    expect(created.body).not.toHaveProperty('notes');

    const repeated = await put(key, 'clinic-scheduler', 'appt-1', body).expect(200);
    expect(repeated.body).toEqual(created.body); // same row, same updatedAt: nothing was written

    const moved = await put(key, 'clinic-scheduler', 'appt-1', { ...body, startsAt: at(3), endsAt: at(3, 1) }).expect(
      200,
    );
    expect(moved.body).toMatchObject({ id: created.body.id, startsAt: new Date(at(3)).toISOString() });
    expect(Date.parse(moved.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));

    // Without a status an existing session keeps its own; with one, it changes.
    const cancelled = await put(key, 'clinic-scheduler', 'appt-1', {
      ...body,
      startsAt: at(3),
      endsAt: at(3, 1),
      status: 'cancelled',
    }).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    const kept = await put(key, 'clinic-scheduler', 'appt-1', { ...body, startsAt: at(3), endsAt: at(3, 1) }).expect(
      200,
    );
    expect(kept.body.status).toBe('cancelled');

    const audit = await t
      .http()
      .get(`/v1/audit-events?resourceId=${created.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action).sort()).toEqual([
      'session.create',
      'session.update',
      'session.update',
    ]);
  });

  it("matches attendee emails to the couple's partners, and answers 422 when they match no couple", async () => {
    const emails = [couple.partners[1].email.toUpperCase(), 'therapist@clinic.example'];
    const res = await put(key, 'clinic-scheduler', 'appt-2', {
      attendeeEmails: emails,
      startsAt: at(4),
      endsAt: at(4, 1),
    }).expect(201);
    expect(res.body.coupleId).toBe(couple.coupleId);

    const none = await put(key, 'clinic-scheduler', 'appt-3', {
      attendeeEmails: ['nobody@elsewhere.example'],
      startsAt: at(4),
      endsAt: at(4, 1),
    }).expect(422);
    expect(none.body).toMatchObject({
      status: 422,
      errors: [{ field: 'attendeeEmails', message: expect.stringContaining('No couple') }],
    });

    const another = await newCouple(t, therapist);
    const both = await put(key, 'clinic-scheduler', 'appt-4', {
      attendeeEmails: [couple.partners[0].email, another.partners[0].email],
      startsAt: at(4),
      endsAt: at(4, 1),
    }).expect(422);
    expect(both.body.errors[0].message).toMatch(/more than one couple/);

    // A therapist only matches within their caseload.
    await put(otherTherapist.accessToken, 'clinic-scheduler', 'appt-5', {
      attendeeEmails: [couple.partners[0].email],
      startsAt: at(4),
      endsAt: at(4, 1),
    }).expect(422);
    await put(otherTherapist.accessToken, 'clinic-scheduler', 'appt-5', {
      coupleId: couple.coupleId,
      startsAt: at(4),
      endsAt: at(4, 1),
    }).expect(404);
  });

  it('lets staff upsert, refuses bad input, and keeps other clinics out', async () => {
    await put(therapist.accessToken, 'clinic-scheduler', 'appt-6', {
      coupleId: couple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(201);
    await put(clinic.admin.accessToken, 'clinic-scheduler', 'appt-7', {
      coupleId: couple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(201);
    await put(couple.partners[0].accessToken, 'clinic-scheduler', 'appt-8', {
      coupleId: couple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(403);
    const readOnly = (await newApiKey(t, clinic, ['sessions:read'])).key;
    await put(readOnly, 'clinic-scheduler', 'appt-8', {
      coupleId: couple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(403);

    await put(key, 'manual', 'x', { coupleId: couple.coupleId, startsAt: at(5), endsAt: at(5, 1) }).expect(400);
    await put(key, 'Not A Source', 'x', { coupleId: couple.coupleId, startsAt: at(5), endsAt: at(5, 1) }).expect(400);
    await put(key, 'clinic-scheduler', 'x', { startsAt: at(5), endsAt: at(5, 1) }).expect(400);
    await put(key, 'clinic-scheduler', 'x', {
      coupleId: couple.coupleId,
      attendeeEmails: [couple.partners[0].email],
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(400);
    await put(key, 'clinic-scheduler', 'x', { coupleId: couple.coupleId, startsAt: at(5, 1), endsAt: at(5) }).expect(
      400,
    );
    await put(key, 'clinic-scheduler', 'x', {
      coupleId: couple.coupleId,
      startsAt: '2026-03-02T17:00:00',
      endsAt: at(5),
    }).expect(400);
    await put(key, 'clinic-scheduler', 'x', {
      coupleId: couple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
      status: 'completed',
    }).expect(422);
    // JSON can spell a lone surrogate, which is not text (validators would throw on it): 400, not 500.
    const lone = await t
      .http()
      .put('/v1/sessions/external/clinic-scheduler/x')
      .auth(key, auth)
      .set('content-type', 'application/json')
      .send(`{"attendeeEmails":["\\ud800@example.com"],"startsAt":"${at(5)}","endsAt":"${at(5, 1)}"}`);
    expect(lone.status).toBe(400);

    const other = await newClinic(t);
    const otherKey = (await newApiKey(t, other, ['sessions:write'])).key;
    await put(otherKey, 'clinic-scheduler', 'appt-9', {
      coupleId: couple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(404);
    await put(otherKey, 'clinic-scheduler', 'appt-9', {
      attendeeEmails: [couple.partners[0].email],
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(422);
    // Another clinic's identical (source, externalId) is another session.
    const otherTherapist2 = await newStaff(t, other);
    const otherCouple = await newCouple(t, otherTherapist2);
    const theirs = await put(otherKey, 'clinic-scheduler', 'appt-1', {
      coupleId: otherCouple.coupleId,
      startsAt: at(5),
      endsAt: at(5, 1),
    }).expect(201);
    const count: Array<{ n: number }> = await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`SELECT count(*)::int AS n FROM therapy_session WHERE id = $1`, [theirs.body.id]),
      );
    expect(count[0].n).toBe(0);
  });

  it('refuses a new session for a closed couple', async () => {
    const closing = await newCouple(t, therapist);
    await t
      .http()
      .patch(`/v1/couples/${closing.coupleId}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'closed' })
      .expect(200);
    await put(key, 'clinic-scheduler', 'appt-closed', {
      coupleId: closing.coupleId,
      startsAt: at(6),
      endsAt: at(6, 1),
    }).expect(409);
  });
});
