/**
 * Issue #14 (input and transport hygiene, tight tokens) and the web app's sign-in API (#15):
 * cookie mode with CSRF protection, idle sign-out setting, control characters, no-store,
 * `exp` required, the token family looked up, plausible dates, per-user rate limits.
 */
import { createHmac, randomUUID } from 'node:crypto';

import { newClinic, newStaff, TEST_PASSWORD } from '@mend/testing';

import { createTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
function forgeJwt(claims: object): string {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${head}.${createHmac('sha256', TEST_JWT_SECRET).update(head).digest('base64url')}`;
}
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

function cookieFrom(setCookie: string[] | string | undefined): { value: string; attributes: string } {
  const line = ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith('mend_refresh='));
  if (!line) throw new Error('no mend_refresh cookie');
  return { value: line.split(';')[0].slice('mend_refresh='.length), attributes: line };
}

describe('accounts: cookie mode, settings and input hygiene', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('cookie mode of the auth API', () => {
    it('keeps the refresh token in an httpOnly, Secure, SameSite=Strict cookie scoped to the auth routes', async () => {
      const clinic = await newClinic(t);
      const res = await t
        .http()
        .post('/v1/auth/cookie/login')
        .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD })
        .expect(200);
      expect(res.body).not.toHaveProperty('refreshToken');
      expect(res.body.accessToken).toEqual(expect.any(String));
      const cookie = cookieFrom(res.headers['set-cookie']);
      expect(cookie.value).toMatch(/^rt_/);
      expect(cookie.attributes).toMatch(/HttpOnly/i);
      expect(cookie.attributes).toMatch(/Secure/i);
      expect(cookie.attributes).toMatch(/SameSite=Strict/i);
      expect(cookie.attributes).toMatch(/Path=\/v1\/auth(;|$)/);
      expect(JSON.stringify(res.body)).not.toContain(cookie.value);
    });

    it('refreshes only with the CSRF header, rotates the cookie, and signs out', async () => {
      const clinic = await newClinic(t);
      const login = await t
        .http()
        .post('/v1/auth/cookie/login')
        .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD })
        .expect(200);
      const first = cookieFrom(login.headers['set-cookie']).value;
      // Without the CSRF proof the cookie refresh is refused, cookie or not.
      await t.http().post('/v1/auth/cookie/refresh').set('Cookie', `mend_refresh=${first}`).expect(403);
      await t.http().post('/v1/auth/cookie/refresh').expect(403);
      // A browser with no sign-in (no cookie) gets a quiet 204: nothing to restore.
      const none = await t.http().post('/v1/auth/cookie/refresh').set('X-Mend-CSRF', '1').expect(204);
      expect(none.headers['set-cookie']).toBeUndefined();
      await t
        .http()
        .post('/v1/auth/cookie/refresh')
        .set('Cookie', `mend_refresh=${first}`)
        .set('X-Mend-CSRF', '1')
        .set('Sec-Fetch-Site', 'cross-site')
        .expect(403);
      await t
        .http()
        .post('/v1/auth/cookie/refresh')
        .set('Cookie', `mend_refresh=${first}`)
        .set('X-Mend-CSRF', '1')
        .set('Origin', 'https://evil.example')
        .expect(403);
      const refreshed = await t
        .http()
        .post('/v1/auth/cookie/refresh')
        .set('Cookie', `mend_refresh=${first}`)
        .set('X-Mend-CSRF', '1')
        .set('Origin', 'http://mend.test')
        .expect(200);
      expect(refreshed.body).not.toHaveProperty('refreshToken');
      const second = cookieFrom(refreshed.headers['set-cookie']).value;
      expect(second).not.toBe(first);
      await t.http().get('/v1/me').auth(refreshed.body.accessToken, { type: 'bearer' }).expect(200);

      await t
        .http()
        .post('/v1/auth/cookie/logout')
        .set('Cookie', `mend_refresh=${second}`)
        .set('X-Mend-CSRF', '1')
        .expect(204);
      await t
        .http()
        .post('/v1/auth/cookie/refresh')
        .set('Cookie', `mend_refresh=${second}`)
        .set('X-Mend-CSRF', '1')
        .expect(401);
      await t.http().get('/v1/me').auth(refreshed.body.accessToken, { type: 'bearer' }).expect(401);
    });

    it('takes the refresh from the loopback address npm start listens on when the public URL says localhost', async () => {
      // npm start prints http://localhost:3000 and listens on 127.0.0.1: people open either.
      const publicUrl = t.config.http.publicUrl;
      t.config.http.publicUrl = 'http://localhost:3000';
      try {
        const clinic = await newClinic(t);
        const login = await t
          .http()
          .post('/v1/auth/cookie/login')
          .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD })
          .expect(200);
        let cookie = cookieFrom(login.headers['set-cookie']).value;
        const refresh = (origin: string) =>
          t
            .http()
            .post('/v1/auth/cookie/refresh')
            .set('Cookie', `mend_refresh=${cookie}`)
            .set('X-Mend-CSRF', '1')
            .set('Origin', origin);
        for (const origin of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000']) {
          const res = await refresh(origin);
          expect({ origin, status: res.status }).toEqual({ origin, status: 200 });
          cookie = cookieFrom(res.headers['set-cookie']).value;
        }
        for (const origin of [
          'http://127.0.0.1:4000',
          'https://127.0.0.1:3000',
          'http://localhost.evil.example:3000',
        ]) {
          const res = await refresh(origin);
          expect({ origin, status: res.status }).toEqual({ origin, status: 403 });
        }
      } finally {
        t.config.http.publicUrl = publicUrl;
      }
    });

    it('keeps bearer mode for integrators', async () => {
      const clinic = await newClinic(t);
      const res = await t.http().post('/v1/auth/refresh').send({ refreshToken: clinic.admin.refreshToken }).expect(200);
      expect(res.body.refreshToken).toMatch(/^rt_/);
    });
  });

  describe('idle sign-out setting', () => {
    it('is 30 minutes by default, readable by every signed-in user and changed by admins', async () => {
      const clinic = await newClinic(t);
      const therapist = await newStaff(t, clinic, 'therapist');
      const read = await t
        .http()
        .get('/v1/clinic/security-settings')
        .auth(therapist.accessToken, { type: 'bearer' })
        .expect(200);
      expect(read.body).toEqual({ idleTimeoutMinutes: 30, requireMfaForStaff: false });
      await t
        .http()
        .patch('/v1/clinic/security-settings')
        .auth(therapist.accessToken, { type: 'bearer' })
        .send({ idleTimeoutMinutes: 15 })
        .expect(403);
      await t
        .http()
        .patch('/v1/clinic/security-settings')
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ idleTimeoutMinutes: 2 })
        .expect(400);
      await t
        .http()
        .patch('/v1/clinic/security-settings')
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .send({ idleTimeoutMinutes: 15 })
        .expect(200, { idleTimeoutMinutes: 15, requireMfaForStaff: false });
      await t
        .http()
        .get('/v1/clinic/security-settings')
        .auth(therapist.accessToken, { type: 'bearer' })
        .expect(200, { idleTimeoutMinutes: 15, requireMfaForStaff: false });
    });
  });

  describe('control characters', () => {
    it.each([
      ['NUL', '\u0000'],
      ['BEL', '\u0007'],
      ['ESC', '\u001b'],
    ])('answers 400 for %s in the public login and sign-up (was: 500)', async (_name, character) => {
      const login = await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: 'harbor', email: `a${character}@b.example`, password: 'whatever-123' })
        .expect(400);
      expect(login.headers['content-type']).toMatch(/problem\+json/);
      expect(login.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
      await t
        .http()
        .post('/v1/clinics')
        .send({
          name: `Harbor${character}`,
          slug: 'nul-clinic',
          timezone: 'UTC',
          admin: { name: 'A', email: 'a@nul.example', password: TEST_PASSWORD },
        })
        .expect(400);
    });

    it('answers 400 for a NUL in a signed-in route, a query and a path parameter', async () => {
      const clinic = await newClinic(t);
      const bearer = { type: 'bearer' } as const;
      await t.http().patch('/v1/me').auth(clinic.admin.accessToken, bearer).send({ name: 'A\u0000B' }).expect(400);
      await t.http().get('/v1/audit-events?action=a%00b').auth(clinic.admin.accessToken, bearer).expect(400);
      await t.http().get('/v1/users/%00').auth(clinic.admin.accessToken, bearer).expect(400);
      // Newlines and tabs stay allowed.
      await t.http().patch('/v1/me').auth(clinic.admin.accessToken, bearer).send({ name: 'Avery\tAdmin' }).expect(200);
    });
  });

  describe('transport and tokens', () => {
    it('marks authenticated JSON answers no-store (was: no Cache-Control)', async () => {
      const clinic = await newClinic(t);
      const me = await t.http().get('/v1/me').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(200);
      expect(me.headers['cache-control']).toBe('no-store');
    });

    it('audits refused access as access.denied, at most five rows a minute per principal (was: no row)', async () => {
      const clinic = await newClinic(t);
      const other = await newClinic(t);
      const bearer = { type: 'bearer' } as const;
      for (let i = 0; i < 8; i++) {
        await t.http().get(`/v1/users/${other.admin.id}`).auth(clinic.admin.accessToken, bearer).expect(404);
      }
      let rows: Array<{ actorId: string; outcome: string }> = [];
      for (let attempt = 0; attempt < 50 && rows.length < 5; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        rows = (
          await t.http().get('/v1/audit-events?action=access.denied').auth(clinic.admin.accessToken, bearer).expect(200)
        ).body.data;
      }
      expect(rows).toHaveLength(5);
      expect(rows[0]).toMatchObject({ actorId: clinic.admin.id, outcome: 'denied' });
    });

    it('refuses a token without exp (was: accepted)', async () => {
      const clinic = await newClinic(t);
      const { exp: _exp, ...claims } = claimsOf(clinic.admin.accessToken);
      void _exp;
      await t.http().get('/v1/me').auth(forgeJwt(claims), { type: 'bearer' }).expect(401);
    });

    it('refuses a token whose family does not exist (was: any random family accepted)', async () => {
      const clinic = await newClinic(t);
      const claims = claimsOf(clinic.admin.accessToken);
      await t
        .http()
        .get('/v1/me')
        .auth(forgeJwt({ ...claims, fam: randomUUID() }), { type: 'bearer' })
        .expect(401);
      await t.http().get('/v1/me').auth(forgeJwt(claims), { type: 'bearer' }).expect(200);
    });

    it('answers 400 for dates outside 2000–2100 (was: 1900 and 9999 accepted)', async () => {
      const clinic = await newClinic(t);
      for (const from of ['1900-01-01T00:00:00Z', '9999-01-01T00:00:00Z']) {
        const res = await t
          .http()
          .get(`/v1/audit-events?from=${encodeURIComponent(from)}`)
          .auth(clinic.admin.accessToken, { type: 'bearer' })
          .expect(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'from' })]);
      }
      await t
        .http()
        .get(`/v1/audit-events?from=${encodeURIComponent('2024-01-01T00:00:00Z')}`)
        .auth(clinic.admin.accessToken, { type: 'bearer' })
        .expect(200);
    });
  });
});

describe('accounts: rate limits on every route', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_API_PER_USER: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('throttles each signed-in user on ordinary routes, not only login', async () => {
    const clinic = await newClinic(t);
    const other = await newStaff(t, clinic, 'therapist');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await t.http().get('/v1/me').auth(clinic.admin.accessToken, { type: 'bearer' })).status);
    }
    expect(statuses.slice(-1)).toEqual([429]);
    await t.http().get('/v1/me').auth(other.accessToken, { type: 'bearer' }).expect(200);
  });
});
