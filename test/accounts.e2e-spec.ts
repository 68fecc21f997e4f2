/**
 * Issue #14: accounts a hospital security review would pass — lock-out strangers cannot trigger,
 * equal timing of every failed login, password change, strength policy, sign out everywhere,
 * forgot password. Each `it` names the defect it guards against where there was one.
 */
import pg from 'pg';

import { loadConfig } from '@mend/config';
import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { MailerService } from '@mend/mail';
import { newClinic, newStaff, TEST_PASSWORD } from '@mend/testing';

import { AccountEmailHandler } from '../apps/worker/src/processors/account-email.handler.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, testEnv, type TestApp } from './support/test-app.js';

async function ownerQuery<T>(t: TestApp, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: t.db.ownerUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

describe('accounts: lock-out strangers cannot trigger', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_LOGIN_FAILURES_PER_SOURCE: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (clinic: string, email: string, password: string, ip: string) =>
    t.http().post('/v1/auth/login').set('X-Forwarded-For', ip).send({ clinic, email, password });

  it('ten wrong passwords from ten addresses do not lock the owner out (was: 429 for 15 minutes)', async () => {
    const clinic = await newClinic(t);
    for (let i = 1; i <= 10; i++) {
      await login(clinic.slug, clinic.admin.email, 'wrong-password-123', `198.51.100.${i}`).expect(401);
    }
    const startedAt = performance.now();
    const res = await login(clinic.slug, clinic.admin.email, TEST_PASSWORD, '203.0.113.7');
    const elapsedMs = performance.now() - startedAt;
    expect(res.status).toBe(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    // The account's failures slow its logins down (capped at 2 s), they do not refuse them.
    expect(elapsedMs).toBeGreaterThanOrEqual(2000);
  });

  it('emails the owner once when the failures reach the threshold', async () => {
    const clinic = await newClinic(t);
    for (let i = 1; i <= 11; i++) {
      await login(clinic.slug, clinic.admin.email, 'wrong-password-123', `198.51.101.${i}`).expect(401);
    }
    const jobs = await ownerQuery<{ payload: { userId: string } }>(
      t,
      `SELECT payload FROM outbox WHERE clinic_id = $1 AND job_name = 'login-failures.email'`,
      [clinic.clinicId],
    );
    expect(jobs).toEqual([{ payload: { clinicId: clinic.clinicId, userId: clinic.admin.id } }]);
  });

  it('refuses one source after its own failures, and only that source', async () => {
    const clinic = await newClinic(t);
    for (let i = 0; i < 3; i++) {
      await login(clinic.slug, clinic.admin.email, 'wrong-password-123', '192.0.2.50').expect(401);
    }
    const refused = await login(clinic.slug, clinic.admin.email, TEST_PASSWORD, '192.0.2.50').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await login(clinic.slug, clinic.admin.email, TEST_PASSWORD, '192.0.2.51').expect(200);
  });
});

describe('accounts: failed logins take the same time whatever failed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        // The production floor, and no per-account slow-down: this suite fails one account many times.
        LOGIN_FAILURE_MIN_MS: undefined,
        LOGIN_DELAY_AFTER_FAILURES: '1000000',
        RATE_LIMIT_LOGIN_FAILURES_PER_SOURCE: '1000000',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers unknown clinic, unknown email and wrong password within 2 ms at the median (was: 5 ms apart)', async () => {
    const clinic = await newClinic(t);
    const samples = { unknownClinic: [] as number[], unknownEmail: [] as number[], wrongPassword: [] as number[] };
    const attempts = {
      unknownClinic: (i: number) => ({
        clinic: `nowhere-${i}`,
        email: clinic.admin.email,
        password: 'wrong-password-123',
      }),
      unknownEmail: (i: number) => ({
        clinic: clinic.slug,
        email: `nobody-${i}@x.example`,
        password: 'wrong-password-123',
      }),
      wrongPassword: () => ({ clinic: clinic.slug, email: clinic.admin.email, password: 'wrong-password-123' }),
    };
    for (let i = 0; i < 41; i++) {
      for (const kind of ['unknownClinic', 'unknownEmail', 'wrongPassword'] as const) {
        const startedAt = performance.now();
        await t.http().post('/v1/auth/login').send(attempts[kind](i)).expect(401);
        samples[kind].push(performance.now() - startedAt);
      }
    }
    // Each round measures the three kinds back to back, so the machine's drifting load cancels
    // out of the per-round differences; their medians must stay within 2 ms.
    const againstWrongPassword = (kind: 'unknownClinic' | 'unknownEmail') =>
      median(samples[kind].map((ms, i) => ms - samples.wrongPassword[i]));
    const gaps = {
      unknownClinic: againstWrongPassword('unknownClinic'),
      unknownEmail: againstWrongPassword('unknownEmail'),
    };
    expect({ gaps, isWithin2Ms: Object.values(gaps).every((gap) => Math.abs(gap) <= 2) }).toEqual({
      gaps,
      isWithin2Ms: true,
    });
  }, 180_000);
});

describe('accounts: passwords', () => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let emails: AccountEmailHandler;

  beforeAll(async () => {
    t = await createTestApp();
    smtp = await startSmtpCatcher();
    const mailConfig = loadConfig(testEnv(t.db, { SMTP_URL: `smtp://127.0.0.1:${smtp.port}` }));
    emails = new AccountEmailHandler(
      t.app.get(TenantDatabase),
      new MailerService(mailConfig),
      mailConfig,
      t.app.get(Clock),
    );
  });
  afterAll(async () => {
    await smtp.close();
    await t.close();
  });

  const signIn = async (slug: string, email: string, password = TEST_PASSWORD) =>
    (await t.http().post('/v1/auth/login').send({ clinic: slug, email, password }).expect(200)).body as {
      accessToken: string;
      refreshToken: string;
    };

  it.each(['password', '12345678', 'aaaaaaaa'])(
    'refuses the guessable password %p at sign-up (was: accepted)',
    async (password) => {
      const res = await t
        .http()
        .post('/v1/clinics')
        .send({
          name: 'Weak',
          slug: `weak-${password.charCodeAt(0)}-${Date.now() % 100000}`,
          timezone: 'UTC',
          admin: { name: 'W', email: 'w@weak.example', password },
        })
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'admin.password' })]);
    },
  );

  it('refuses a guessable password when accepting an invitation', async () => {
    const clinic = await newClinic(t);
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, { type: 'bearer' })
      .send({ name: 'Theo', email: 'theo@weak.example', role: 'therapist' })
      .expect(201);
    const token = (invited.body.invitationUrl as string).split('/').pop();
    await t.http().post(`/v1/invitations/${token}/accept`).send({ password: '12345678' }).expect(400);
  });

  it('rates a password by strength for feedback while typing', async () => {
    const weak = await t.http().post('/v1/auth/password-strength').send({ password: 'password' }).expect(200);
    expect(weak.body).toMatchObject({ score: 0, isAcceptable: false, warning: expect.any(String) });
    const strong = await t.http().post('/v1/auth/password-strength').send({ password: TEST_PASSWORD }).expect(200);
    expect(strong.body).toMatchObject({ isAcceptable: true });
    // An optional list sent as null is "no words" (the fuzzer found a 500 here).
    const noWords = await t
      .http()
      .post('/v1/auth/password-strength')
      .send({ password: 'password', userInputs: null })
      .expect(200);
    expect(noWords.body).toMatchObject({ score: 0, isAcceptable: false });
  });

  it('changes the password with the current one and ends the other sign-ins (was: PATCH /v1/me {password} → 400)', async () => {
    const clinic = await newClinic(t);
    const other = await signIn(clinic.slug, clinic.admin.email);
    const bearer = { type: 'bearer' } as const;
    const wrong = await t
      .http()
      .post('/v1/me/password')
      .auth(clinic.admin.accessToken, bearer)
      .send({ currentPassword: 'not-the-password-1', newPassword: 'a brand new passphrase 42' })
      .expect(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
    await t
      .http()
      .post('/v1/me/password')
      .auth(clinic.admin.accessToken, bearer)
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'aaaaaaaa' })
      .expect(400);
    await t
      .http()
      .post('/v1/me/password')
      .auth(clinic.admin.accessToken, bearer)
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase 42' })
      .expect(204);
    // This sign-in stays; the other one ends (access and refresh).
    await t.http().get('/v1/me').auth(clinic.admin.accessToken, bearer).expect(200);
    await t.http().get('/v1/me').auth(other.accessToken, bearer).expect(401);
    await t.http().post('/v1/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
    await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD })
      .expect(401);
    await signIn(clinic.slug, clinic.admin.email, 'a brand new passphrase 42');
    const audit = await ownerQuery<{ action: string }>(
      t,
      `SELECT action FROM audit_event WHERE clinic_id = $1 AND action = 'user.password_change' AND outcome = 'success'`,
      [clinic.clinicId],
    );
    expect(audit).toHaveLength(1);
  });

  it('signs out everywhere', async () => {
    const clinic = await newClinic(t);
    const staff = await newStaff(t, clinic, 'therapist');
    const second = await signIn(clinic.slug, staff.email);
    await t.http().post('/v1/auth/logout-all').auth(staff.accessToken, { type: 'bearer' }).expect(204);
    for (const session of [staff, second]) {
      await t.http().get('/v1/me').auth(session.accessToken, { type: 'bearer' }).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    }
    // Other users are untouched.
    await t.http().get('/v1/me').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(200);
  });

  it('resets a forgotten password through a single-use emailed link that ends every sign-in', async () => {
    const clinic = await newClinic(t);
    const session = await signIn(clinic.slug, clinic.admin.email);
    const known = await t
      .http()
      .post('/v1/auth/password/forgot')
      .send({ clinic: clinic.slug, email: clinic.admin.email })
      .expect(202);
    const unknown = await t
      .http()
      .post('/v1/auth/password/forgot')
      .send({ clinic: clinic.slug, email: 'nobody@nowhere.example' })
      .expect(202);
    const noClinic = await t
      .http()
      .post('/v1/auth/password/forgot')
      .send({ clinic: 'no-such-clinic', email: clinic.admin.email })
      .expect(202);
    expect(known.text).toBe(unknown.text);
    expect(known.text).toBe(noClinic.text);

    const jobs = await ownerQuery<{ payload: { clinicId: string; resetId: string } }>(
      t,
      `SELECT payload FROM outbox WHERE clinic_id = $1 AND job_name = 'password-reset.email'`,
      [clinic.clinicId],
    );
    expect(jobs).toHaveLength(1);
    expect(await emails.passwordReset(jobs[0].payload)).toBe('sent');
    expect(await emails.passwordReset(jobs[0].payload)).toBe('skipped');
    const mail = smtp.mails.find((m) => m.to.includes(clinic.admin.email))!;
    const link = /http:\/\/mend\.test\/reset-password\?token=(pr_[A-Za-z0-9_-]+)/.exec(mail.body);
    expect(link).not.toBeNull();
    const token = link![1];

    await t.http().post('/v1/auth/password/reset').send({ token, password: 'password' }).expect(400);
    await t.http().post('/v1/auth/password/reset').send({ token, password: 'a reset passphrase 77' }).expect(204);
    await t.http().post('/v1/auth/password/reset').send({ token, password: 'another reset phrase 78' }).expect(410);
    await t.http().get('/v1/me').auth(session.accessToken, { type: 'bearer' }).expect(401);
    await t.http().get('/v1/me').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(401);
    await t.http().post('/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    await signIn(clinic.slug, clinic.admin.email, 'a reset passphrase 77');
  });

  it('limits reset requests per account without changing the answer', async () => {
    const clinic = await newClinic(t);
    for (let i = 0; i < 5; i++) {
      await t
        .http()
        .post('/v1/auth/password/forgot')
        .send({ clinic: clinic.slug, email: clinic.admin.email })
        .expect(202);
    }
    const rows = await ownerQuery(t, `SELECT id FROM password_reset WHERE clinic_id = $1`, [clinic.clinicId]);
    expect(rows).toHaveLength(3);
  });

  it('names the clinic and the inviter on the invitation details', async () => {
    const clinic = await newClinic(t);
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, { type: 'bearer' })
      .send({ name: 'Theo', email: 'theo@details.example', role: 'therapist' })
      .expect(201);
    const token = (invited.body.invitationUrl as string).split('/').pop();
    const details = await t.http().get(`/v1/invitations/${token}`).expect(200);
    expect(details.body).toMatchObject({
      clinicName: `Clinic ${clinic.slug}`,
      inviterName: 'Avery Admin',
      status: 'open',
    });
  });
});
