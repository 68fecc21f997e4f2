/**
 * Issue #14: the staff second factor (TOTP, RFC 6238) through the API — enrolment with recovery
 * codes, the two-step sign-in in bearer and cookie modes, the clinic setting that sends staff to
 * enrol at sign-in, removal, and re-authentication for sensitive admin actions. Every step that
 * changes the factor is audited.
 */
import pg from 'pg';

import { totpCode } from '@mend/auth';
import { newApiKey, newClinic, newStaff, suiteClock, TEST_PASSWORD, type ClinicContext } from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const bearer = { type: 'bearer' } as const;
/** Each MFA refusal has a problem type of its own, so clients tell them apart without reading words. */
const PROBLEMS = 'https://mend.dev/problems/';

async function ownerQuery<T>(t: TestApp, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: t.db.ownerUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The authenticator's code `steps` 30-second steps from now (a step is accepted once). */
const codeAt = (secret: string, steps = 0) => totpCode(secret, new Date(suiteClock.nowMs() + steps * 30_000));

describe('MFA for staff', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_LOGIN_FAILURES_PER_SOURCE: '4' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (clinic: ClinicContext, email: string, password = TEST_PASSWORD, ip = '203.0.113.10') =>
    t.http().post('/v1/auth/login').set('X-Forwarded-For', ip).send({ clinic: clinic.slug, email, password });
  const loginMfa = (mfaToken: string, code: string, ip = '203.0.113.10') =>
    t.http().post('/v1/auth/login/mfa').set('X-Forwarded-For', ip).send({ mfaToken, code });
  const audit = async (clinic: ClinicContext, action: string) =>
    (await t.http().get('/v1/audit-events').query({ action }).auth(clinic.admin.accessToken, bearer).expect(200)).body
      .data as Array<{ actorId: string; outcome: string; resourceId: string }>;

  async function enrol(token: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const started = await t.http().post('/v1/me/mfa/totp').auth(token, bearer).expect(200);
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    const confirmed = await t
      .http()
      .post('/v1/me/mfa/totp/confirm')
      .auth(token, bearer)
      .send({ code: codeAt(started.body.secret) })
      .expect(200);
    return { secret: started.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
  }

  it('enrols with a first code, answers ten single-use recovery codes once, and audits it', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const started = await t.http().post('/v1/me/mfa/totp').auth(therapist.accessToken, bearer).expect(200);
    // A wrong first code does not turn the factor on.
    await t
      .http()
      .post('/v1/me/mfa/totp/confirm')
      .auth(therapist.accessToken, bearer)
      .send({ code: '000000' })
      .expect(400);
    const off = await t.http().get('/v1/me/mfa').auth(therapist.accessToken, bearer).expect(200);
    expect(off.body).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    const confirmed = await t
      .http()
      .post('/v1/me/mfa/totp/confirm')
      .auth(therapist.accessToken, bearer)
      .send({ code: codeAt(started.body.secret) })
      .expect(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    const on = await t.http().get('/v1/me/mfa').auth(therapist.accessToken, bearer).expect(200);
    expect(on.body).toMatchObject({ enabled: true, recoveryCodesLeft: 10, required: false });
    // Stored as hashes only, and the secret is not stored in the clear.
    const rows = await ownerQuery<{ code_hash: string }>(
      t,
      `SELECT code_hash FROM mfa_recovery_code WHERE user_id = $1`,
      [therapist.id],
    );
    expect(rows.map((r) => r.code_hash)).not.toEqual(expect.arrayContaining(confirmed.body.recoveryCodes));
    const [user] = await ownerQuery<{ mfa_secret: string }>(t, `SELECT mfa_secret FROM "user" WHERE id = $1`, [
      therapist.id,
    ]);
    expect(user.mfa_secret).not.toContain(started.body.secret);
    const events = await audit(clinic, 'mfa.enrol');
    expect(events.map((e) => [e.actorId, e.outcome])).toEqual(
      expect.arrayContaining([
        [therapist.id, 'success'],
        [therapist.id, 'failure'],
      ]),
    );
  });

  it('signs an enrolled user in in two steps; the challenge is single-use and a code is not replayable', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const { secret } = await enrol(therapist.accessToken);

    const first = await login(clinic, therapist.email).expect(200);
    expect(first.body).toEqual({ mfaRequired: true, mfaToken: expect.stringMatching(/^mc_/), expiresIn: 300 });
    expect(first.body.accessToken).toBeUndefined();
    const wrong = await loginMfa(first.body.mfaToken, '123456').expect(401);
    expect(wrong.body.type).toBe(`${PROBLEMS}mfa-code-invalid`);
    const code = codeAt(secret, 1);
    const session = await loginMfa(first.body.mfaToken, code).expect(200);
    expect(session.body.accessToken).toEqual(expect.any(String));
    expect(session.body.user.id).toBe(therapist.id);
    await t.http().get('/v1/me').auth(session.body.accessToken, bearer).expect(200);
    // The same challenge again (the step has ended), and the same code in a new challenge (a wrong code), are refused.
    const ended = await loginMfa(first.body.mfaToken, codeAt(secret, 1)).expect(401);
    expect(ended.body.type).toBe(`${PROBLEMS}mfa-step-ended`);
    const second = await login(clinic, therapist.email).expect(200);
    const replayed = await loginMfa(second.body.mfaToken, code).expect(401);
    expect(replayed.body.type).toBe(`${PROBLEMS}mfa-code-invalid`);
  });

  it('takes a recovery code once instead of the authenticator code', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const { recoveryCodes } = await enrol(therapist.accessToken);
    const first = await login(clinic, therapist.email).expect(200);
    const session = await loginMfa(first.body.mfaToken, recoveryCodes[3].toUpperCase()).expect(200);
    expect(session.body.accessToken).toEqual(expect.any(String));
    const again = await login(clinic, therapist.email).expect(200);
    await loginMfa(again.body.mfaToken, recoveryCodes[3]).expect(401);
    const status = await t.http().get('/v1/me/mfa').auth(session.body.accessToken, bearer).expect(200);
    expect(status.body.recoveryCodesLeft).toBe(9);
    expect((await audit(clinic, 'mfa.recovery_code_use')).map((e) => e.actorId)).toEqual([therapist.id]);
  });

  it('works in cookie mode: the code step sets the refresh cookie and answers no refresh token', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const { secret } = await enrol(therapist.accessToken);
    const first = await t
      .http()
      .post('/v1/auth/cookie/login')
      .send({ clinic: clinic.slug, email: therapist.email, password: TEST_PASSWORD })
      .expect(200);
    expect(first.body.mfaRequired).toBe(true);
    expect(first.headers['set-cookie']).toBeUndefined();
    const done = await t
      .http()
      .post('/v1/auth/cookie/login/mfa')
      .send({ mfaToken: first.body.mfaToken, code: codeAt(secret, 1) })
      .expect(200);
    expect(done.body.refreshToken).toBeUndefined();
    expect(done.body.accessToken).toEqual(expect.any(String));
    expect(String(done.headers['set-cookie'])).toMatch(/mend_refresh=rt_/);
  });

  it('wrong codes lock the code step out per source, not for the account from another address', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const { secret } = await enrol(therapist.accessToken);
    const attacker = '198.51.100.66';
    let challenge = (await login(clinic, therapist.email, TEST_PASSWORD, attacker).expect(200)).body.mfaToken;
    for (let i = 0; i < 4; i++) await loginMfa(challenge, `00000${i}`, attacker).expect(401);
    challenge = (await login(clinic, therapist.email, TEST_PASSWORD, attacker).expect(200)).body.mfaToken;
    const refused = await loginMfa(challenge, codeAt(secret, 1), attacker).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.type).toBe(`${PROBLEMS}mfa-locked-out`);
    const owner = await login(clinic, therapist.email, TEST_PASSWORD, '203.0.113.99').expect(200);
    await loginMfa(owner.body.mfaToken, codeAt(secret, 1), '203.0.113.99').expect(200);
    const failures = await audit(clinic, 'auth.login_mfa');
    expect(failures.filter((e) => e.outcome === 'failure')).toHaveLength(4);
  });

  it('a clinic that requires MFA sends a staff member without it to enrol at sign-in', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    await t
      .http()
      .patch('/v1/clinic/security-settings')
      .auth(clinic.admin.accessToken, bearer)
      .send({ requireMfaForStaff: true })
      .expect(200, { idleTimeoutMinutes: 30, requireMfaForStaff: true });
    const first = await login(clinic, therapist.email).expect(200);
    expect(first.body).toMatchObject({
      mfaRequired: true,
      enrolment: { secret: expect.any(String), otpauthUri: expect.stringMatching(/^otpauth:/) },
    });
    await loginMfa(first.body.mfaToken, '000000').expect(401);
    const done = await loginMfa(first.body.mfaToken, codeAt(first.body.enrolment.secret)).expect(200);
    expect(done.body.recoveryCodes).toHaveLength(10);
    const status = await t.http().get('/v1/me/mfa').auth(done.body.accessToken, bearer).expect(200);
    expect(status.body).toMatchObject({ enabled: true, required: true });
    // While it is required, the factor cannot be removed.
    await t
      .http()
      .post('/v1/me/mfa/remove')
      .auth(done.body.accessToken, bearer)
      .send({ password: TEST_PASSWORD })
      .expect(409);
    // A newly invited therapist enrols before getting any session.
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, bearer)
      .send({ name: 'New Therapist', email: `new@${clinic.slug}.example`, role: 'therapist' })
      .expect(201);
    const token = String(invited.body.invitationUrl).split('/').pop();
    const accepted = await t
      .http()
      .post(`/v1/invitations/${token}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(200);
    expect(accepted.body).toMatchObject({ mfaRequired: true, enrolment: { secret: expect.any(String) } });
    expect(accepted.body.accessToken).toBeUndefined();
  });

  it('removal needs the password or a code, and is audited', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const { secret } = await enrol(therapist.accessToken);
    await t
      .http()
      .post('/v1/me/mfa/remove')
      .auth(therapist.accessToken, bearer)
      .send({ password: 'not-the-password' })
      .expect(400);
    await t.http().post('/v1/me/mfa/remove').auth(therapist.accessToken, bearer).send({}).expect(400);
    await t
      .http()
      .post('/v1/me/mfa/remove')
      .auth(therapist.accessToken, bearer)
      .send({ code: codeAt(secret, 1) })
      .expect(204);
    const status = await t.http().get('/v1/me/mfa').auth(therapist.accessToken, bearer).expect(200);
    expect(status.body.enabled).toBe(false);
    // Signing in takes the password alone again.
    const session = await login(clinic, therapist.email).expect(200);
    expect(session.body.accessToken).toEqual(expect.any(String));
    const events = await audit(clinic, 'mfa.remove');
    expect(events.map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
  });
});

describe('re-authentication for sensitive admin actions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a role change 10 minutes after sign-in until the admin re-enters the password; API keys are not asked', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const key = await newApiKey(t, clinic, ['webhooks:manage']);
    suiteClock.advance(11 * 60_000);
    try {
      const refused = await t
        .http()
        .patch(`/v1/users/${therapist.id}`)
        .auth(clinic.admin.accessToken, bearer)
        .send({ role: 'admin' })
        .expect(403);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'reauth' })]);
      for (const [method, path] of [
        ['post', '/v1/api-keys'],
        ['patch', '/v1/clinic/security-settings'],
      ] as const) {
        const res = await t.http()[method](path).auth(clinic.admin.accessToken, bearer).send({});
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
      // Reading stays open: only sensitive actions ask again.
      await t.http().get('/v1/users').auth(clinic.admin.accessToken, bearer).expect(200);
      await t
        .http()
        .post('/v1/auth/reauth')
        .auth(clinic.admin.accessToken, bearer)
        .send({ password: 'wrong-one' })
        .expect(400);
      const reauth = await t
        .http()
        .post('/v1/auth/reauth')
        .auth(clinic.admin.accessToken, bearer)
        .send({ password: TEST_PASSWORD })
        .expect(200);
      await t
        .http()
        .patch(`/v1/users/${therapist.id}`)
        .auth(reauth.body.accessToken, bearer)
        .send({ role: 'admin' })
        .expect(200);
      // The refresh token still works, and a refreshed access token keeps the new authentication time.
      const refreshed = await t
        .http()
        .post('/v1/auth/refresh')
        .send({ refreshToken: clinic.admin.refreshToken })
        .expect(200);
      await t
        .http()
        .patch(`/v1/users/${therapist.id}`)
        .auth(refreshed.body.accessToken, bearer)
        .send({ role: 'therapist' })
        .expect(200);
      // An integrator's API key creates a webhook endpoint without any re-authentication.
      const hook = await t
        .http()
        .post('/v1/webhook-endpoints')
        .auth(key.key, bearer)
        .send({ url: 'https://example.com/hooks', events: ['session.created'] });
      expect([401, 403]).not.toContain(hook.status);
      const reauths = await t
        .http()
        .get('/v1/audit-events')
        .query({ action: 'auth.reauth' })
        .auth(reauth.body.accessToken, bearer)
        .expect(200);
      expect(reauths.body.data.map((e: { outcome: string }) => e.outcome).sort()).toEqual(['failure', 'success']);
    } finally {
      suiteClock.advance(-11 * 60_000);
    }
  });

  it('an admin with a second factor re-authenticates with a code, not the password alone', async () => {
    const clinic = await newClinic(t);
    const started = await t.http().post('/v1/me/mfa/totp').auth(clinic.admin.accessToken, bearer).expect(200);
    await t
      .http()
      .post('/v1/me/mfa/totp/confirm')
      .auth(clinic.admin.accessToken, bearer)
      .send({ code: codeAt(started.body.secret) })
      .expect(200);
    const noCode = await t
      .http()
      .post('/v1/auth/reauth')
      .auth(clinic.admin.accessToken, bearer)
      .send({ password: TEST_PASSWORD })
      .expect(400);
    expect(noCode.body.type).toBe(`${PROBLEMS}mfa-code-required`);
    const wrongCode = await t
      .http()
      .post('/v1/auth/reauth')
      .auth(clinic.admin.accessToken, bearer)
      .send({ code: '000000' })
      .expect(400);
    expect(wrongCode.body.type).toBe(`${PROBLEMS}mfa-code-invalid`);
    const reauth = await t
      .http()
      .post('/v1/auth/reauth')
      .auth(clinic.admin.accessToken, bearer)
      .send({ code: codeAt(started.body.secret, 1) })
      .expect(200);
    expect(reauth.body.accessToken).toEqual(expect.any(String));
  });
});
