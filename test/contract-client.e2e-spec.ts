import { DateTime } from 'luxon';
import createClient, { type Client } from 'openapi-fetch';

import { TEST_PASSWORD, uniqueSlug } from '@mend/testing';

import type { paths } from '../openapi/mend-api.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The main flows as an integrator (or the web app) calls them: through a client generated from
 * the committed document with openapi-typescript + openapi-fetch, against the real app listening
 * on a port. The test app validates every answer against the document as well.
 */
describe('the main flows through the generated client', () => {
  let t: TestApp;
  let api: Client<paths>;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  /** Login and acceptance answer a session or (second factor) a challenge; these users have none. */
  const sessionOf = <T extends object>(answer: T) => {
    if ('mfaRequired' in answer) throw new Error('unexpected MFA challenge');
    return answer as Exclude<T, { mfaRequired: true }>;
  };
  const slug = uniqueSlug('contract');

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = createClient<paths>({ baseUrl: await t.app.getUrl() });
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs up, signs in, builds a couple, assigns, checks in, reads progress and subscribes a webhook', async () => {
    const signUp = await api.POST('/v1/clinics', {
      body: {
        name: 'Contract Clinic',
        slug,
        timezone: 'Europe/Berlin',
        admin: { name: 'Avery Admin', email: `admin@${slug}.example`, password: TEST_PASSWORD },
      },
    });
    expect(signUp.response.status).toBe(201);
    expect(signUp.data!.clinic.slug).toBe(slug);

    const login = await api.POST('/v1/auth/login', {
      body: { clinic: slug, email: `admin@${slug}.example`, password: TEST_PASSWORD },
    });
    // No second factor here: the answer is the session, not an MFA challenge.
    const session = sessionOf(login.data!);
    expect(session.user.role).toBe('admin');
    const admin = bearer(session.accessToken);

    const wrong = await api.POST('/v1/auth/login', {
      body: { clinic: slug, email: `admin@${slug}.example`, password: 'not the password at all' },
    });
    expect(wrong.response.status).toBe(401);
    expect(wrong.error!.status).toBe(401);

    const invited = await api.POST('/v1/users', {
      headers: admin,
      body: { name: 'Theo Therapist', email: `theo@${slug}.example`, role: 'therapist' },
    });
    const therapistToken = invited.data!.invitationUrl!.split('/').pop()!;
    const accepted = await api.POST('/v1/invitations/{token}/accept', {
      params: { path: { token: therapistToken } },
      body: { password: TEST_PASSWORD },
    });
    const therapist = bearer(sessionOf(accepted.data!).accessToken);

    const couple = await api.POST('/v1/couples', {
      headers: therapist,
      body: {
        label: 'Rivera–Chen',
        partners: [
          { name: 'Alex Rivera', email: `alex@${slug}.example`, timezone: 'America/New_York' },
          { name: 'Blake Chen', email: `blake@${slug}.example`, timezone: 'Europe/Berlin' },
        ],
      },
    });
    expect(couple.response.status).toBe(201);
    const coupleId = couple.data!.id;
    const partnerLogin = await api.POST('/v1/invitations/{token}/accept', {
      params: { path: { token: couple.data!.partners[0].invitationUrl!.split('/').pop()! } },
      body: { password: TEST_PASSWORD },
    });
    const partner = bearer(sessionOf(partnerLogin.data!).accessToken);

    const renamed = await api.PATCH('/v1/couples/{id}', {
      headers: therapist,
      params: { path: { id: coupleId } },
      body: { label: null },
    });
    expect(renamed.data!.label).toBeNull();

    const exercises = await api.GET('/v1/exercises', { headers: therapist, params: { query: { limit: 200 } } });
    const trustPulse = exercises.data!.data.find((e) => e.builtinKey === 'trust_pulse')!;
    const assignment = await api.POST('/v1/couples/{id}/assignments', {
      headers: therapist,
      params: { path: { id: coupleId } },
      body: {
        exerciseId: trustPulse.id,
        schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 2 }).toISO()! },
        reminders: { overdueAfterMinutes: null },
      },
    });
    expect(assignment.response.status).toBe(201);
    const assignmentId = assignment.data!.id;
    const changed = await api.PATCH('/v1/assignments/{id}', {
      headers: therapist,
      params: { path: { id: assignmentId } },
      body: { instructions: null },
    });
    expect(changed.data!.instructions).toBeNull();

    const mine = await api.GET('/v1/me/assignments', { headers: partner });
    const due = mine.data!.data.find((a) => a.id === assignmentId)!.occurrences[0].dueAt;
    const invalid = await api.POST('/v1/assignments/{id}/check-ins', {
      headers: partner,
      params: { path: { id: assignmentId } },
      body: { occurrenceAt: due, answers: { trust: 11 }, visibility: 'shared' },
    });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error!.errors?.length).toBeGreaterThan(0);

    const checkIn = await api.POST('/v1/assignments/{id}/check-ins', {
      headers: partner,
      params: { path: { id: assignmentId } },
      body: { occurrenceAt: due, answers: { trust: 7, safety: 8 }, visibility: 'shared' },
    });
    expect(checkIn.response.status).toBe(201);
    expect(checkIn.data!.score?.value).toBe(7);
    const progress = await api.GET('/v1/couples/{id}/progress', {
      headers: therapist,
      params: { path: { id: coupleId } },
    });
    expect(progress.response.status).toBe(200);
    expect(progress.data!.windows.length).toBeGreaterThan(0);

    const endpoint = await api.POST('/v1/webhook-endpoints', {
      headers: admin,
      body: { url: 'http://127.0.0.1:9/mend', events: ['checkin.submitted', 'session.created'] },
    });
    expect(endpoint.response.status).toBe(201);
    expect(endpoint.data!.secret).toMatch(/^whsec_/);
    const listed = await api.GET('/v1/webhook-endpoints', { headers: admin });
    expect(listed.data!.data.map((e) => e.id)).toContain(endpoint.data!.id);

    const missing = await api.GET('/v1/couples/{id}', {
      headers: therapist,
      params: { path: { id: '00000000-0000-7000-8000-000000000000' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error!.title).toBe('Not Found');
  });
});
