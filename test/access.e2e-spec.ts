import { API_KEY_SCOPES } from '@mend/core';
import {
  insertClientUser,
  newApiKey,
  newClinic,
  newStaff,
  TEST_PASSWORD,
  type ClinicContext,
  type StaffContext,
} from '@mend/testing';

import { ACCESS, ALL, SCOPES_OF } from './support/access-rules.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

describe('access rules on every route', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let tokens: Record<'admin' | 'therapist' | 'client', string>;
  let apiKey: string;
  let routes: string[];

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    const therapist: StaffContext = await newStaff(t, clinic);
    const client = await insertClientUser(t, clinic);
    tokens = { admin: clinic.admin.accessToken, therapist: therapist.accessToken, client: client.accessToken };
    apiKey = (
      await newApiKey(t, clinic, [
        'sessions:read',
        'sessions:write',
        'couples:read',
        'webhooks:manage',
        'calendar:read',
      ])
    ).key;
    const doc = await t.http().get('/docs-json').expect(200);
    routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (route: string, token?: string) => {
    const [method, path] = route.split(' ');
    const url = path
      .replace('{id}', UNKNOWN_ID)
      .replace('{partnerId}', UNKNOWN_ID)
      .replace('{deliveryId}', UNKNOWN_ID)
      .replace('{source}', 'clinic-scheduler')
      .replace('{externalId}', 'appt-1')
      .replace('{token}', 'inv_unknown');
    const req = t.http()[method.toLowerCase() as 'get'](url);
    if (token) req.auth(token, { type: 'bearer' });
    return method === 'GET' || method === 'DELETE' ? req : req.send({});
  };

  it('has an access rule for every route in the OpenAPI document, and a document entry for every rule', () => {
    expect([...routes].sort()).toEqual(Object.keys(ACCESS).sort());
  });

  it('refuses every non-public route without a token (401 problem+json)', async () => {
    for (const route of routes.filter((r) => ACCESS[r] !== 'public')) {
      const res = await call(route);
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });

  it('lets each role through exactly the routes it may use', async () => {
    for (const route of routes) {
      const rule = ACCESS[route];
      if (rule === 'public') continue;
      for (const role of ALL) {
        // Covered below and in the accounts suite: they would end the session.
        if (route === 'POST /v1/auth/logout' || route === 'POST /v1/auth/logout-all') continue;
        const res = await call(route, tokens[role]);
        const allowed = Array.isArray(rule) && rule.includes(role);
        if (allowed)
          expect({ route, role, refused: [401, 403].includes(res.status) }).toEqual({ route, role, refused: false });
        else expect({ route, role, status: res.status }).toEqual({ route, role, status: 403 });
      }
    }
  });

  it('accepts API keys only on routes that take a scope', async () => {
    for (const route of routes) {
      const rule = ACCESS[route];
      if (rule === 'public') continue;
      const res = await call(route, apiKey);
      if (rule === 'api-key') expect({ route, status: res.status }).toEqual({ route, status: 200 });
      // Routes for roles and keys alike: the key gets past the guard (the empty body may then be refused).
      else if (rule.includes('api-key'))
        expect({ route, refused: [401, 403].includes(res.status) }).toEqual({ route, refused: false });
      else expect({ route, status: res.status }).toEqual({ route, status: 403 });
    }
  });

  it('opens each route to exactly the API-key scopes it names (every scope × every route)', async () => {
    const apiKeyRoutes = Object.entries(ACCESS)
      .filter(([, rule]) => rule === 'api-key' || (Array.isArray(rule) && rule.includes('api-key')))
      .map(([route]) => route)
      .sort();
    expect(Object.keys(SCOPES_OF).sort()).toEqual(apiKeyRoutes);
    for (const scope of API_KEY_SCOPES) {
      const { key } = await newApiKey(t, clinic, [scope]);
      for (const route of routes) {
        if (ACCESS[route] === 'public') continue;
        const res = await call(route, key);
        const isRefused = [401, 403].includes(res.status);
        expect({ route, scope, isRefused }).toEqual({ route, scope, isRefused: !SCOPES_OF[route]?.includes(scope) });
      }
    }
  });

  it('lets every role log out', async () => {
    for (const role of ALL) {
      const email = role === 'admin' ? clinic.admin.email : undefined;
      if (!email) continue;
      const login = await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: clinic.slug, email, password: TEST_PASSWORD })
        .expect(200);
      await t.http().post('/v1/auth/logout').auth(login.body.accessToken, { type: 'bearer' }).expect(204);
    }
    await t.http().post('/v1/auth/logout').auth(tokens.client, { type: 'bearer' }).expect(204);
    await t.http().post('/v1/auth/logout').auth(tokens.therapist, { type: 'bearer' }).expect(204);
  });
});

describe("another clinic's ids", () => {
  let t: TestApp;
  let a: ClinicContext;
  let b: ClinicContext;
  let bStaff: StaffContext;
  let bKey: { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    a = await newClinic(t);
    b = await newClinic(t);
    bStaff = await newStaff(t, b);
    bKey = await newApiKey(t, b, ['sessions:read']);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 404 for every route taking an id, exactly like a missing id', async () => {
    const auth = { type: 'bearer' } as const;
    const bExercise = await t
      .http()
      .post('/v1/exercises')
      .auth(bStaff.accessToken, auth)
      .send({
        title: 'B only',
        category: 'caring',
        instructions: "Clinic B's own exercise.",
        mode: 'individual',
        form: { fields: [{ key: 'done', type: 'boolean', label: 'Done?', required: true }] },
      })
      .expect(201);
    const cases: Array<[string, (id: string) => PromiseLike<{ status: number; body: Record<string, unknown> }>]> = [
      ['GET /v1/users/{id}', (id) => t.http().get(`/v1/users/${id}`).auth(a.admin.accessToken, auth)],
      [
        'PATCH /v1/users/{id}',
        (id) => t.http().patch(`/v1/users/${id}`).auth(a.admin.accessToken, auth).send({ disabled: true }),
      ],
      [
        'POST /v1/users/{id}/invitations',
        (id) => t.http().post(`/v1/users/${id}/invitations`).auth(a.admin.accessToken, auth),
      ],
      ['DELETE /v1/api-keys/{id}', (id) => t.http().delete(`/v1/api-keys/${id}`).auth(a.admin.accessToken, auth)],
      ['GET /v1/exercises/{id}', (id) => t.http().get(`/v1/exercises/${id}`).auth(a.admin.accessToken, auth)],
      [
        'PATCH /v1/exercises/{id}',
        (id) => t.http().patch(`/v1/exercises/${id}`).auth(a.admin.accessToken, auth).send({ archived: true }),
      ],
    ];
    const foreignIds: Record<string, string> = {
      'GET /v1/users/{id}': bStaff.id,
      'PATCH /v1/users/{id}': bStaff.id,
      'POST /v1/users/{id}/invitations': bStaff.id,
      'DELETE /v1/api-keys/{id}': bKey.id,
      'GET /v1/exercises/{id}': bExercise.body.id,
      'PATCH /v1/exercises/{id}': bExercise.body.id,
    };
    for (const [route, send] of cases) {
      const foreign = await send(foreignIds[route]);
      const missing = await send(UNKNOWN_ID);
      expect({ route, status: foreign.status }).toEqual({ route, status: 404 });
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(foreign.body)).toEqual(strip(missing.body));
    }
    // And nothing changed in clinic B.
    await t.http().get('/v1/me').auth(bStaff.accessToken, auth).expect(200);
  });
});
