import {
  builtinExerciseId,
  invitationToken,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  TEST_PASSWORD,
  type ClinicContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

describe('couples and caseloads', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let theo: StaffContext;
  let tara: StaffContext;
  const auth = { type: 'bearer' } as const;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    theo = await newStaff(t, clinic, 'therapist', 'Theo');
    tara = await newStaff(t, clinic, 'therapist', 'Tara');
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets a therapist create a couple for themself, with an invitation link per partner', async () => {
    const res = await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({
        label: 'R & C',
        partners: [
          { name: 'Riley', email: 'riley@c.example', timezone: 'Asia/Kolkata' },
          { name: 'Casey', email: 'casey@c.example', timezone: 'Australia/Sydney' },
        ],
      })
      .expect(201);
    expect(res.body).toMatchObject({ label: 'R & C', therapistId: theo.id, status: 'active' });
    expect(res.body.partners).toHaveLength(2);
    for (const p of res.body.partners) expect(p.invitationUrl).toMatch(/\/invitations\/inv_/);
    const accepted = await t
      .http()
      .post(`/v1/invitations/${invitationToken(res.body.partners[0].invitationUrl)}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(200);
    expect(accepted.body.user).toMatchObject({ role: 'client', timezone: 'Asia/Kolkata' });
    // A client never reaches staff routes.
    await t.http().get('/v1/couples').auth(accepted.body.accessToken, auth).expect(403);
  });

  it('needs the admin to name an active therapist, and refuses a therapist naming someone else', async () => {
    const partners = [{ name: 'Solo', email: 'solo@c.example', timezone: 'UTC' }];
    await t.http().post('/v1/couples').auth(clinic.admin.accessToken, auth).send({ partners }).expect(400);
    await t
      .http()
      .post('/v1/couples')
      .auth(clinic.admin.accessToken, auth)
      .send({ partners, therapistId: clinic.admin.id })
      .expect(422);
    await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners, therapistId: tara.id })
      .expect(403);
    const res = await t
      .http()
      .post('/v1/couples')
      .auth(clinic.admin.accessToken, auth)
      .send({ partners, therapistId: tara.id })
      .expect(201);
    expect(res.body.therapistId).toBe(tara.id);
    expect(res.body.partners).toHaveLength(1);
  });

  it('validates partners: one or two, distinct emails, IANA zones', async () => {
    const p = (email: string, timezone = 'UTC') => ({ name: 'P', email, timezone });
    await t.http().post('/v1/couples').auth(theo.accessToken, auth).send({ partners: [] }).expect(400);
    await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [p('a@x.example'), p('b@x.example'), p('c@x.example')] })
      .expect(400);
    await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [p('d@x.example'), p('D@x.example')] })
      .expect(400);
    const res = await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [p('e@x.example', 'Nowhere/Town')] })
      .expect(400);
    expect(res.body.errors[0].field).toBe('partners.0.timezone');
  });

  it('shows a therapist only their caseload and the admin everything, with filters and pagination', async () => {
    const mine = await newCouple(t, theo);
    const hers = await newCouple(t, tara);
    const theoList = await t.http().get('/v1/couples?limit=200').auth(theo.accessToken, auth).expect(200);
    const theoIds = theoList.body.data.map((c: { id: string }) => c.id);
    expect(theoIds).toContain(mine.coupleId);
    expect(theoIds).not.toContain(hers.coupleId);
    // A therapist's filter for another therapist still shows only their own.
    const sneaky = await t.http().get(`/v1/couples?therapistId=${tara.id}`).auth(theo.accessToken, auth).expect(200);
    expect(sneaky.body.data.every((c: { therapistId: string }) => c.therapistId === theo.id)).toBe(true);
    const adminTara = await t
      .http()
      .get(`/v1/couples?therapistId=${tara.id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(adminTara.body.data.map((c: { id: string }) => c.id)).toContain(hers.coupleId);
    const page = await t.http().get('/v1/couples?limit=1').auth(clinic.admin.accessToken, auth).expect(200);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.nextCursor).toBeTruthy();
    await t.http().get(`/v1/couples/${hers.coupleId}`).auth(theo.accessToken, auth).expect(404);
    await t
      .http()
      .patch(`/v1/couples/${hers.coupleId}`)
      .auth(theo.accessToken, auth)
      .send({ status: 'paused' })
      .expect(404);
  });

  it('pauses and closes a couple, and lets only an admin reassign it (audited)', async () => {
    const couple = await newCouple(t, theo);
    const paused = await t
      .http()
      .patch(`/v1/couples/${couple.coupleId}`)
      .auth(theo.accessToken, auth)
      .send({ status: 'paused' })
      .expect(200);
    expect(paused.body.status).toBe('paused');
    await t
      .http()
      .patch(`/v1/couples/${couple.coupleId}`)
      .auth(theo.accessToken, auth)
      .send({ therapistId: tara.id })
      .expect(403);
    // A move needs a reason (kept in the couple's history and shown to the previous therapist).
    await t
      .http()
      .patch(`/v1/couples/${couple.coupleId}`)
      .auth(clinic.admin.accessToken, auth)
      .send({ therapistId: tara.id })
      .expect(400);
    const moved = await t
      .http()
      .patch(`/v1/couples/${couple.coupleId}`)
      .auth(clinic.admin.accessToken, auth)
      .send({ therapistId: tara.id, reassignmentReason: 'Theo is on leave' })
      .expect(200);
    expect(moved.body.therapistId).toBe(tara.id);
    await t.http().get(`/v1/couples/${couple.coupleId}`).auth(theo.accessToken, auth).expect(404);
    await t.http().get(`/v1/couples/${couple.coupleId}`).auth(tara.accessToken, auth).expect(200);
    const audit = await t
      .http()
      .get(`/v1/audit-events?resourceId=${couple.coupleId}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'couple.reassign',
      'couple.pause',
      'couple.create',
    ]);
  });

  it('exports a couple (audited) and erases it with its partners, keeping only ids in the audit log', async () => {
    const couple = await newCouple(t, theo);
    const exported = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/export`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(exported.body.couple.id).toBe(couple.coupleId);
    expect(exported.body.partners.map((p: { email: string }) => p.email).sort()).toEqual(
      couple.partners.map((p) => p.email).sort(),
    );
    await t.http().delete(`/v1/couples/${couple.coupleId}`).auth(theo.accessToken, auth).expect(403);
    await t.http().delete(`/v1/couples/${couple.coupleId}`).auth(clinic.admin.accessToken, auth).expect(204);
    await t.http().get(`/v1/couples/${couple.coupleId}`).auth(theo.accessToken, auth).expect(404);
    await t.http().get('/v1/me').auth(couple.partners[0].accessToken, auth).expect(401);
    await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: clinic.slug, email: couple.partners[0].email, password: TEST_PASSWORD })
      .expect(401);
    const audit = await t
      .http()
      .get(`/v1/audit-events?resourceId=${couple.coupleId}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'couple.erase',
      'couple.export',
      'couple.create',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(couple.partners[0].email);
    // The email is free again in this clinic.
    await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [{ name: 'Back', email: couple.partners[0].email, timezone: 'UTC' }] })
      .expect(201);
  });

  it('drops future occurrences when a couple is paused and plans them again when it is active; a new zone re-plans', async () => {
    const couple = await newCouple(t, theo);
    const pulseId = await builtinExerciseId(t, theo.accessToken, 'trust_pulse');
    const assignment = await newAssignment(t, theo, couple, pulseId);
    const upcoming = async (token: string) => {
      const mine = await t.http().get('/v1/me/assignments').auth(token, auth).expect(200);
      const a = mine.body.data.find((x: { id: string }) => x.id === assignment.id);
      return (a?.occurrences ?? []).filter((o: { state: string }) => o.state === 'upcoming' || o.state === 'due');
    };
    expect((await upcoming(couple.partners[0].accessToken)).length).toBeGreaterThan(5);
    await t
      .http()
      .patch(`/v1/couples/${couple.coupleId}`)
      .auth(theo.accessToken, auth)
      .send({ status: 'paused' })
      .expect(200);
    expect(await upcoming(couple.partners[0].accessToken)).toEqual([]);
    await t
      .http()
      .patch(`/v1/couples/${couple.coupleId}`)
      .auth(theo.accessToken, auth)
      .send({ status: 'active' })
      .expect(200);
    const before = await upcoming(couple.partners[0].accessToken);
    expect(before.length).toBeGreaterThan(5);
    // Partner A moves from New York to Tokyo: 20:00 is now 20:00 in Tokyo.
    await t
      .http()
      .patch('/v1/me')
      .auth(couple.partners[0].accessToken, auth)
      .send({ timezone: 'Asia/Tokyo' })
      .expect(200);
    const after = await upcoming(couple.partners[0].accessToken);
    expect(after.length).toBeGreaterThan(5);
    for (const o of after) expect(new Date(o.dueAt).getUTCHours()).toBe(11);
  });

  it("lets the couple's therapist re-issue a partner's invitation, replacing the old link", async () => {
    const created = await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [{ name: 'Late', email: 'late-partner@c.example', timezone: 'UTC' }] })
      .expect(201);
    const partner = created.body.partners[0];
    await t
      .http()
      .post(`/v1/couples/${created.body.id}/partners/${partner.id}/invitations`)
      .auth(tara.accessToken, auth)
      .expect(404);
    const again = await t
      .http()
      .post(`/v1/couples/${created.body.id}/partners/${partner.id}/invitations`)
      .auth(theo.accessToken, auth)
      .expect(201);
    await t
      .http()
      .post(`/v1/invitations/${invitationToken(partner.invitationUrl)}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(410);
    await t
      .http()
      .post(`/v1/invitations/${invitationToken(again.body.invitationUrl)}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(200);
    await t
      .http()
      .post(`/v1/couples/${created.body.id}/partners/${partner.id}/invitations`)
      .auth(theo.accessToken, auth)
      .expect(409);
  });

  it("answers 404 for another clinic's couple on every couple route", async () => {
    const other = await newClinic(t);
    const otherTherapist = await newStaff(t, other);
    const foreign = await newCouple(t, otherTherapist);
    const a = clinic.admin.accessToken;
    await t.http().get(`/v1/couples/${foreign.coupleId}`).auth(a, auth).expect(404);
    await t.http().patch(`/v1/couples/${foreign.coupleId}`).auth(a, auth).send({ status: 'closed' }).expect(404);
    await t.http().get(`/v1/couples/${foreign.coupleId}/export`).auth(a, auth).expect(404);
    await t.http().delete(`/v1/couples/${foreign.coupleId}`).auth(a, auth).expect(404);
    await t.http().get(`/v1/couples/${foreign.coupleId}`).auth(otherTherapist.accessToken, auth).expect(200);
  });
});
