import { createHmac, randomBytes } from 'node:crypto';

import pg from 'pg';

import { invitationToken, newClinic, newStaff, TEST_PASSWORD } from '@mend/testing';

import { createTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';

const PROBLEM = /^application\/problem\+json/;

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function forgeJwt(header: object, claims: object, secret = TEST_JWT_SECRET): string {
  const head = `${b64url(header)}.${b64url(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

describe('auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('clinic sign-up', () => {
    it('creates a clinic and its admin, and answers tokens that work', async () => {
      const res = await t
        .http()
        .post('/v1/clinics')
        .send({
          name: 'Harbor',
          slug: 'harbor-signup',
          timezone: 'Europe/Berlin',
          admin: { name: 'Avery', email: 'Avery@Harbor.example', password: TEST_PASSWORD },
        })
        .expect(201);
      expect(res.body.clinic).toMatchObject({ name: 'Harbor', slug: 'harbor-signup', timezone: 'Europe/Berlin' });
      expect(res.body.user).toMatchObject({ email: 'avery@harbor.example', role: 'admin', status: 'active' });
      expect(res.body.user).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(res.body)).not.toContain('argon2');
      const me = await t.http().get('/v1/me').auth(res.body.accessToken, { type: 'bearer' }).expect(200);
      expect(me.body.clinic.slug).toBe('harbor-signup');
    });

    it('answers 409 when the slug is taken', async () => {
      const clinic = await newClinic(t);
      const res = await t
        .http()
        .post('/v1/clinics')
        .send({
          name: 'Other',
          slug: clinic.slug,
          timezone: 'UTC',
          admin: { name: 'X', email: 'x@y.example', password: TEST_PASSWORD },
        })
        .expect(409);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 409, title: 'Conflict' });
    });

    it('names every invalid field in a problem+json answer, without a stack', async () => {
      const res = await t
        .http()
        .post('/v1/clinics')
        .send({
          name: '',
          slug: 'Bad Slug',
          timezone: 'Mars/Olympus',
          admin: { name: 'A', email: 'not-an-email', password: 'short' },
          clinicId: 'x',
        })
        .expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(['name', 'slug', 'timezone', 'admin.email', 'admin.password', 'clinicId']),
      );
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|node_modules|stack/i);
    });

    it('refuses passwords longer than 128 characters and keeps all 128', async () => {
      const long = 'p'.repeat(129);
      await t
        .http()
        .post('/v1/clinics')
        .send({
          name: 'L',
          slug: 'long-pw',
          timezone: 'UTC',
          admin: { name: 'A', email: 'a@l.example', password: long },
        })
        .expect(400);
      const max = randomBytes(96).toString('base64url').slice(0, 127) + 'x';
      await t
        .http()
        .post('/v1/clinics')
        .send({
          name: 'L',
          slug: 'long-pw-ok',
          timezone: 'UTC',
          admin: { name: 'A', email: 'a@l.example', password: max },
        })
        .expect(201);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: 'long-pw-ok', email: 'a@l.example', password: max })
        .expect(200);
      // Nothing is truncated: the same first 127 characters with another last one fail.
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: 'long-pw-ok', email: 'a@l.example', password: 'q'.repeat(128) })
        .expect(401);
    });

    it('answers problem+json for malformed JSON and unknown routes', async () => {
      const bad = await t
        .http()
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"clinic":')
        .expect(400);
      expect(bad.headers['content-type']).toMatch(PROBLEM);
      const missing = await t.http().get('/v1/nothing-here').expect(404);
      expect(missing.headers['content-type']).toMatch(PROBLEM);
    });
  });

  describe('login', () => {
    it('signs in with clinic slug, email (any case) and password', async () => {
      const clinic = await newClinic(t);
      const res = await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: clinic.admin.email.toUpperCase(), password: TEST_PASSWORD })
        .expect(200);
      expect(res.body.user.id).toBe(clinic.admin.id);
      const claims = decodeJwt(res.body.accessToken);
      expect(claims).toMatchObject({
        sub: clinic.admin.id,
        cid: clinic.clinicId,
        role: 'admin',
        iss: 'mend',
        aud: 'mend-api',
      });
      expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    });

    it('answers unknown clinic, unknown email and wrong password identically', async () => {
      const clinic = await newClinic(t);
      const attempts = {
        unknownClinic: { clinic: 'no-such-clinic', email: clinic.admin.email, password: TEST_PASSWORD },
        unknownEmail: { clinic: clinic.slug, email: 'nobody@nowhere.example', password: TEST_PASSWORD },
        wrongPassword: { clinic: clinic.slug, email: clinic.admin.email, password: 'wrong-password-123' },
      };
      const bodies: Record<string, unknown>[] = [];
      const durations: Record<string, number[]> = {};
      for (const [name, body] of Object.entries(attempts)) {
        durations[name] = [];
        for (let i = 0; i < 3; i++) {
          const started = process.hrtime.bigint();
          const res = await t.http().post('/v1/auth/login').send(body).expect(401);
          durations[name].push(Number(process.hrtime.bigint() - started) / 1e6);
          const { requestId: _ignored, ...rest } = res.body;
          bodies.push(rest);
        }
      }
      for (const body of bodies) expect(body).toEqual(bodies[0]);
      // Every path pays for an argon2 verification, so none is much faster than a wrong password.
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
      for (const name of ['unknownClinic', 'unknownEmail']) {
        expect(median(durations[name])).toBeGreaterThan(median(durations.wrongPassword) * 0.4);
      }
    });

    it('records logins and failed logins in the audit log', async () => {
      const clinic = await newClinic(t);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: clinic.admin.email, password: 'wrong-password-123' })
        .expect(401);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD })
        .expect(200);
      const res = await t
        .http()
        .get('/v1/audit-events?action=auth.login')
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .expect(200);
      const outcomes = res.body.data.map((e: { outcome: string }) => e.outcome);
      expect(outcomes).toEqual(['success', 'failure']);
      expect(res.body.data[0]).toMatchObject({ actorType: 'user', actorId: clinic.admin.id, resourceType: 'user' });
      expect(res.body.data[0].requestId).toBeTruthy();
    });
  });

  describe('refresh tokens', () => {
    it('rotates: the new pair works and the old refresh token is spent', async () => {
      const clinic = await newClinic(t);
      const first = await t
        .http()
        .post('/v1/auth/refresh')
        .send({ refreshToken: clinic.admin.refreshToken })
        .expect(200);
      expect(first.body.refreshToken).not.toBe(clinic.admin.refreshToken);
      await t.http().get('/v1/me').auth(first.body.accessToken, { type: 'bearer' }).expect(200);
      const second = await t
        .http()
        .post('/v1/auth/refresh')
        .send({ refreshToken: first.body.refreshToken })
        .expect(200);
      await t.http().get('/v1/me').auth(second.body.accessToken, { type: 'bearer' }).expect(200);
    });

    it('revokes the whole family and its access when a rotated token is presented again', async () => {
      const clinic = await newClinic(t);
      const rotated = await t
        .http()
        .post('/v1/auth/refresh')
        .send({ refreshToken: clinic.admin.refreshToken })
        .expect(200);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: clinic.admin.refreshToken }).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
      await t.http().get('/v1/me').auth(rotated.body.accessToken, { type: 'bearer' }).expect(401);
      await t.http().get('/v1/me').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(401);
      // Another sign-in of the same user is a different family and keeps working.
      const fresh = await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD })
        .expect(200);
      await t.http().get('/v1/me').auth(fresh.body.accessToken, { type: 'bearer' }).expect(200);
    });

    it('refuses garbage and tokens whose clinic part was changed', async () => {
      const a = await newClinic(t);
      const b = await newClinic(t);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: 'rt_nonsense' }).expect(401);
      const swapped = a.admin.refreshToken.replace(a.clinicId.replace(/-/g, ''), b.clinicId.replace(/-/g, ''));
      await t.http().post('/v1/auth/refresh').send({ refreshToken: swapped }).expect(401);
    });
  });

  describe('logout', () => {
    it('ends the sign-in: access and refresh tokens stop working', async () => {
      const clinic = await newClinic(t);
      await t.http().post('/v1/auth/logout').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(204);
      await t.http().get('/v1/me').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: clinic.admin.refreshToken }).expect(401);
    });
  });

  describe('access tokens', () => {
    let clinic: Awaited<ReturnType<typeof newClinic>>;
    let claims: Record<string, unknown>;
    beforeAll(async () => {
      clinic = await newClinic(t);
      claims = decodeJwt(clinic.admin.accessToken);
    });

    it('refuses alg none', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
      await t.http().get('/v1/me').auth(token, { type: 'bearer' }).expect(401);
    });

    it('refuses a token signed with another key', async () => {
      await t
        .http()
        .get('/v1/me')
        .auth(forgeJwt({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-another-secret-another'), {
          type: 'bearer',
        })
        .expect(401);
    });

    it('refuses tampered claims', async () => {
      const [head, , sig] = clinic.admin.accessToken.split('.');
      const tampered = `${head}.${b64url({ ...claims, role: 'admin', sub: '00000000-0000-7000-8000-000000000000' })}.${sig}`;
      await t.http().get('/v1/me').auth(tampered, { type: 'bearer' }).expect(401);
    });

    it('refuses an expired token, a wrong audience and a wrong issuer', async () => {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'HS256', typ: 'JWT' };
      await t
        .http()
        .get('/v1/me')
        .auth(forgeJwt(header, { ...claims, iat: now - 2000, exp: now - 1000 }), { type: 'bearer' })
        .expect(401);
      await t
        .http()
        .get('/v1/me')
        .auth(forgeJwt(header, { ...claims, aud: 'someone-else' }), { type: 'bearer' })
        .expect(401);
      await t
        .http()
        .get('/v1/me')
        .auth(forgeJwt(header, { ...claims, iss: 'someone-else' }), { type: 'bearer' })
        .expect(401);
      // Correctly signed with every claim right still works (the forging helper itself is sound).
      await t
        .http()
        .get('/v1/me')
        .auth(forgeJwt(header, { ...claims, exp: now + 600 }), { type: 'bearer' })
        .expect(200);
    });

    it('refuses a refresh token used as an access token', async () => {
      await t.http().get('/v1/me').auth(clinic.admin.refreshToken, { type: 'bearer' }).expect(401);
    });

    it('cuts off a disabled user on the next request, and restores them when enabled', async () => {
      const therapist = await newStaff(t, clinic);
      await t.http().get('/v1/me').auth(therapist.accessToken, { type: 'bearer' }).expect(200);
      await t
        .http()
        .patch(`/v1/users/${therapist.id}`)
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ disabled: true })
        .expect(200);
      await t.http().get('/v1/me').auth(therapist.accessToken, { type: 'bearer' }).expect(401);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: therapist.email, password: TEST_PASSWORD })
        .expect(401);
      await t
        .http()
        .patch(`/v1/users/${therapist.id}`)
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ disabled: false })
        .expect(200);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: therapist.email, password: TEST_PASSWORD })
        .expect(200);
    });
  });

  describe('invitations', () => {
    it('accepts once; a second use is refused', async () => {
      const clinic = await newClinic(t);
      const invited = await t
        .http()
        .post('/v1/users')
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ name: 'Theo', email: 'theo@invite.example', role: 'therapist' })
        .expect(201);
      expect(invited.body.user.status).toBe('invited');
      expect(invited.body.invitationUrl).toMatch(
        /^http:\/\/mend\.test\/invitations\/inv_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/,
      );
      const token = invitationToken(invited.body.invitationUrl);
      const preview = await t.http().get(`/v1/invitations/${token}`).expect(200);
      expect(preview.body).toMatchObject({ name: 'Theo', role: 'therapist', status: 'open' });
      const accepted = await t
        .http()
        .post(`/v1/invitations/${token}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(200);
      expect(accepted.body.user).toMatchObject({ status: 'active', role: 'therapist' });
      await t.http().post(`/v1/invitations/${token}/accept`).send({ password: 'another-password-1' }).expect(409);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: 'theo@invite.example', password: 'another-password-1' })
        .expect(401);
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email: 'theo@invite.example', password: TEST_PASSWORD })
        .expect(200);
    });

    it('refuses an expired invitation with 410', async () => {
      const clinic = await newClinic(t);
      const invited = await t
        .http()
        .post('/v1/users')
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ name: 'Late', email: 'late@invite.example', role: 'therapist' })
        .expect(201);
      const owner = new pg.Client({ connectionString: t.db.ownerUrl });
      await owner.connect();
      await owner.query(`UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [
        invited.body.user.id,
      ]);
      await owner.end();
      const res = await t
        .http()
        .post(`/v1/invitations/${invitationToken(invited.body.invitationUrl)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(410);
      expect(res.body.detail).toMatch(/expired/);
    });

    it('replaces earlier links when a new one is issued, and answers 404 for unknown tokens', async () => {
      const clinic = await newClinic(t);
      const invited = await t
        .http()
        .post('/v1/users')
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ name: 'Re', email: 're@invite.example', role: 'admin' })
        .expect(201);
      const again = await t
        .http()
        .post(`/v1/users/${invited.body.user.id}/invitations`)
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .expect(201);
      await t
        .http()
        .post(`/v1/invitations/${invitationToken(invited.body.invitationUrl)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(410);
      await t
        .http()
        .post(`/v1/invitations/${invitationToken(again.body.invitationUrl)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(200);
      await t.http().post('/v1/invitations/inv_nope/accept').send({ password: TEST_PASSWORD }).expect(404);
    });

    it('refuses a duplicate email in the same clinic but allows it in another clinic', async () => {
      const a = await newClinic(t);
      const b = await newClinic(t);
      await t
        .http()
        .post('/v1/users')
        .auth(a.admin.accessToken, { type: 'bearer' })
        .send({ name: 'Dup', email: 'dup@x.example', role: 'therapist' })
        .expect(201);
      await t
        .http()
        .post('/v1/users')
        .auth(a.admin.accessToken, { type: 'bearer' })
        .send({ name: 'Dup', email: 'DUP@x.example', role: 'therapist' })
        .expect(409);
      await t
        .http()
        .post('/v1/users')
        .auth(b.admin.accessToken, { type: 'bearer' })
        .send({ name: 'Dup', email: 'dup@x.example', role: 'therapist' })
        .expect(201);
    });
  });

  describe('profile', () => {
    it('updates name, zone and quiet hours, and rejects a zone that is not IANA', async () => {
      const clinic = await newClinic(t);
      const auth = { type: 'bearer' } as const;
      const res = await t
        .http()
        .patch('/v1/me')
        .auth(clinic.admin.accessToken, auth)
        .send({ name: 'Avery B', timezone: 'Asia/Kolkata', quietHours: { start: '22:30', end: '07:00' } })
        .expect(200);
      expect(res.body).toMatchObject({
        name: 'Avery B',
        timezone: 'Asia/Kolkata',
        quietHours: { start: '22:30', end: '07:00' },
      });
      const bad = await t
        .http()
        .patch('/v1/me')
        .auth(clinic.admin.accessToken, auth)
        .send({ timezone: 'EST5EDT-ish', quietHours: { start: '25:00', end: '7' } })
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['timezone', 'quietHours.start', 'quietHours.end']),
      );
      await t.http().patch('/v1/me').auth(clinic.admin.accessToken, auth).send({ role: 'admin' }).expect(400);
    });
  });

  describe('users', () => {
    it('lists users with a role filter and cursor pagination', async () => {
      const clinic = await newClinic(t);
      for (let i = 0; i < 3; i++) await newStaff(t, clinic, 'therapist', `T${i}`);
      const auth = { type: 'bearer' } as const;
      const page1 = await t
        .http()
        .get('/v1/users?role=therapist&limit=2')
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(page1.body.data).toHaveLength(2);
      expect(page1.body.nextCursor).toBeTruthy();
      const page2 = await t
        .http()
        .get(`/v1/users?role=therapist&limit=2&cursor=${page1.body.nextCursor}`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(page2.body.data).toHaveLength(1);
      expect(page2.body.nextCursor).toBeNull();
      const all = [...page1.body.data, ...page2.body.data].map((u: { role: string }) => u.role);
      expect(all).toEqual(['therapist', 'therapist', 'therapist']);
      await t.http().get('/v1/users?limit=1000').auth(clinic.admin.accessToken, auth).expect(400);
      await t.http().get('/v1/users?cursor=garbage').auth(clinic.admin.accessToken, auth).expect(400);
    });

    it('changes a staff role and refuses self-lockout', async () => {
      const clinic = await newClinic(t);
      const staff = await newStaff(t, clinic);
      const auth = { type: 'bearer' } as const;
      await t
        .http()
        .patch(`/v1/users/${staff.id}`)
        .auth(clinic.admin.accessToken, auth)
        .send({ role: 'admin' })
        .expect(200);
      await t.http().get('/v1/users').auth(staff.accessToken, auth).expect(200);
      await t
        .http()
        .patch(`/v1/users/${clinic.admin.id}`)
        .auth(clinic.admin.accessToken, auth)
        .send({ disabled: true })
        .expect(409);
    });
  });
});
