/**
 * Issue #16: the clinic admin renames the clinic and changes its time zone through the API
 * (`GET/PATCH /v1/clinic`). The zone is a default for what comes next (users invited later); it
 * moves nobody's own zone. Admin only, behind a recent sign-in, audited with what changed.
 */
import {
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  TEST_PASSWORD,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const bearer = { type: 'bearer' } as const;

describe('the clinic profile (name and time zone)', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
  });
  afterAll(async () => {
    await t?.close();
  });

  const read = (token: string) => t.http().get('/v1/clinic').auth(token, bearer);
  const change = (body: object, token = clinic.admin.accessToken) =>
    t.http().patch('/v1/clinic').auth(token, bearer).send(body);

  it('is readable by every signed-in user and matches GET /v1/me', async () => {
    const me = await t.http().get('/v1/me').auth(couple.partners[0].accessToken, bearer).expect(200);
    for (const token of [clinic.admin.accessToken, therapist.accessToken, couple.partners[0].accessToken]) {
      const res = await read(token).expect(200);
      expect(res.body).toEqual(me.body.clinic);
    }
    expect(me.body.clinic).toMatchObject({ slug: clinic.slug, timezone: 'America/New_York' });
  });

  it('refuses staff who are not admins, and partners', async () => {
    await change({ name: 'Taken over' }, therapist.accessToken).expect(403);
    await change({ name: 'Taken over' }, couple.partners[0].accessToken).expect(403);
    const res = await read(clinic.admin.accessToken).expect(200);
    expect(res.body.name).toBe(`Clinic ${clinic.slug}`);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: null }, 'name'],
    [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{ timezone: 'EST' }, 'timezone'],
    [{ timezone: null }, 'timezone'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const res = await change(body).expect(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('renames the clinic and changes its zone; nobody’s own zone moves; users invited later get the new zone', async () => {
    const res = await change({ name: '  Lakeside Couples Practice ', timezone: 'Europe/Berlin' }).expect(200);
    expect(res.body).toMatchObject({
      id: clinic.clinicId,
      name: 'Lakeside Couples Practice',
      slug: clinic.slug,
      timezone: 'Europe/Berlin',
    });
    const me = await t.http().get('/v1/me').auth(therapist.accessToken, bearer).expect(200);
    expect(me.body.clinic).toMatchObject({ name: 'Lakeside Couples Practice', timezone: 'Europe/Berlin' });
    // The therapist's and the partners' own zones stay where they were.
    expect(me.body.user.timezone).toBe('America/New_York');
    for (const partner of couple.partners) {
      const own = await t.http().get('/v1/me').auth(partner.accessToken, bearer).expect(200);
      expect(own.body.user.timezone).toBe(partner.timezone);
    }
    // A staff member invited from now on starts in the clinic's new zone.
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, bearer)
      .send({ name: 'Nora New', email: `nora@${clinic.slug}.example`, role: 'therapist' })
      .expect(201);
    expect(invited.body.user.timezone).toBe('Europe/Berlin');
    // Only the changed field is recorded; an unchanged PATCH records nothing.
    await change({ timezone: 'Europe/Berlin' }).expect(200);
    await change({ name: 'Lakeside Couples' }).expect(200);
    const audit = await t
      .http()
      .get('/v1/audit-events')
      .query({ action: 'clinic.update' })
      .auth(clinic.admin.accessToken, bearer)
      .expect(200);
    const details = audit.body.data.map((e: { detail: unknown }) => e.detail);
    expect(details).toHaveLength(2);
    expect(details).toEqual(
      expect.arrayContaining([
        {
          name: { from: `Clinic ${clinic.slug}`, to: 'Lakeside Couples Practice' },
          timezone: { from: 'America/New_York', to: 'Europe/Berlin' },
        },
        { name: { from: 'Lakeside Couples Practice', to: 'Lakeside Couples' } },
      ]),
    );
    expect(audit.body.data[0]).toMatchObject({ actorId: clinic.admin.id, resourceType: 'clinic' });
  });

  it('touches no other clinic, which still reads its own profile', async () => {
    const other = await newClinic(t);
    await change({ name: 'Renamed once more' }).expect(200);
    const res = await read(other.admin.accessToken).expect(200);
    expect(res.body).toMatchObject({ id: other.clinicId, name: `Clinic ${other.slug}`, timezone: 'America/New_York' });
  });

  it('asks for a recent sign-in, like the other security-relevant settings', async () => {
    suiteClock.advance(11 * 60_000);
    const refused = await change({ name: 'Too late' }).expect(403);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'reauth' })]);
    const reauth = await t
      .http()
      .post('/v1/auth/reauth')
      .auth(clinic.admin.accessToken, bearer)
      .send({ password: TEST_PASSWORD })
      .expect(200);
    await change({ name: 'In time' }, reauth.body.accessToken).expect(200);
  });
});
