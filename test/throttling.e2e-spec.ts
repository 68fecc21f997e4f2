import { newClinic, TEST_PASSWORD } from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

describe('login throttling', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { RATE_LIMIT_LOGIN_PER_IP: '7', RATE_LIMIT_LOGIN_FAILURES_PER_SOURCE: '2', RATE_LIMIT_SIGNUP_PER_IP: '3' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a source after its repeated failures for one account, even with the right password, without affecting others', async () => {
    const a = await newClinic(t);
    const b = await newClinic(t);
    for (let i = 0; i < 2; i++) {
      await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: a.slug, email: a.admin.email, password: 'wrong-password-1' })
        .expect(401);
    }
    const locked = await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: a.slug, email: a.admin.email, password: TEST_PASSWORD })
      .expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.headers['content-type']).toMatch(/problem\+json/);
    await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: b.slug, email: b.admin.email, password: TEST_PASSWORD })
      .expect(200);
  });

  it('limits attempts per IP address with Retry-After', async () => {
    // Four attempts were spent above (the refused one counts too); three more are allowed, then 429.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: 'nowhere', email: `x${i}@y.example`, password: 'whatever-123' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('limits clinic sign-ups per IP address', async () => {
    // Two sign-ups (newClinic above) were spent; the third is allowed, the fourth refused.
    await newClinic(t);
    const res = await t
      .http()
      .post('/v1/clinics')
      .send({
        name: 'Too many',
        slug: 'too-many-signups',
        timezone: 'UTC',
        admin: { name: 'A', email: 'a@b.example', password: TEST_PASSWORD },
      })
      .expect(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});
