import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import { DateTime } from 'luxon';

import { TEST_PASSWORD } from '@mend/testing';

import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app.js';
import {
  auth,
  buildWorld,
  concretePath,
  newTally,
  operationsOf,
  problemsWith,
  report,
  type AbuseWorld,
  type Operation,
  type Tally,
} from './abuse-fixture.js';

const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function sign(header: object, payload: object, secret: string, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac(algorithm, secret).update(body).digest('base64url')}`;
}

/** Fields a caller might slip into a body to act as someone else, somewhere else, or as something else. */
const INJECTED = ['clinicId', 'clinic_id', 'role', 'therapistId', 'id', 'createdAt', 'authorId', 'userId'] as const;

describe('abuse: forged tokens and mass assignment', () => {
  let t: TestApp;
  let w: AbuseWorld;
  let operations: Operation[];
  const tally: Tally = newTally();

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
    ({ operations } = await operationsOf(t));
  });
  afterAll(async () => {
    report('forgery and mass assignment', tally);
    await t.close();
  });

  const expectRefused = async (name: string, token: string, path: string, expected: number | number[]) => {
    const res = await t.http().get(path).set('authorization', `Bearer ${token}`);
    tally.requests++;
    if (res.status < 300) tally.forbiddenSuccesses++;
    if (res.status >= 500) tally.serverErrors++;
    for (const p of problemsWith(res)) tally.findings.push(`${name}: ${p}`);
    const allowed = Array.isArray(expected) ? expected : [expected];
    expect({ name, status: res.status, isExpected: allowed.includes(res.status) }).toEqual({
      name,
      status: res.status,
      isExpected: true,
    });
  };

  it('refuses every forged, expired or misused token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: w.owner.id,
      cid: w.a.clinicId,
      role: 'therapist',
      fam: randomUUID(),
      typ: 'access',
      iat: now,
      exp: now + 600,
      iss: 'mend',
      aud: 'mend-api',
    };
    const [, realPayload, realSignature] = w.owner.accessToken.split('.');
    const decoded = JSON.parse(Buffer.from(realPayload, 'base64url').toString()) as Record<string, unknown>;
    const retag = (changes: Record<string, unknown>) =>
      `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...decoded, ...changes })}.${realSignature}`;
    const forged: Array<[string, string]> = [
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`],
      ['alg none, no signature part', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}`],
      ['wrong key', sign({ alg: 'HS256', typ: 'JWT' }, claims, randomBytes(32).toString('hex'))],
      [
        'HS512 with the real secret (algorithm not allowed)',
        sign({ alg: 'HS512', typ: 'JWT' }, claims, TEST_JWT_SECRET, 'sha512'),
      ],
      ['RS256 header over an HMAC signature', sign({ alg: 'RS256', typ: 'JWT' }, claims, TEST_JWT_SECRET)],
      ['tampered role (admin), original signature', retag({ role: 'admin' })],
      ['tampered clinic, original signature', retag({ cid: w.b.clinicId })],
      ['tampered subject, original signature', retag({ sub: w.a.admin.id })],
      ['tampered expiry, original signature', retag({ exp: now + 86_400 * 365 })],
      [
        'expired, real secret',
        sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET),
      ],
      ['wrong issuer, real secret', sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'evil' }, TEST_JWT_SECRET)],
      [
        'wrong audience, real secret',
        sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'another-api' }, TEST_JWT_SECRET),
      ],
      ['typ refresh, real secret', sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, typ: 'refresh' }, TEST_JWT_SECRET)],
      [
        'user of clinic B under clinic A, real secret',
        sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, sub: w.b.admin.id }, TEST_JWT_SECRET),
      ],
      [
        'unknown user, real secret',
        sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, sub: randomUUID() }, TEST_JWT_SECRET),
      ],
      [
        'non-uuid claims, real secret',
        sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, cid: "' OR 1=1 --" }, TEST_JWT_SECRET),
      ],
      ['refresh token as access token', w.owner.refreshToken],
      ['API key of clinic B on a user route', w.bKey.key],
      ['garbage', 'not-a-token'],
      ['empty', ''],
      ['three empty parts', '..'],
    ];
    for (const [name, token] of forged) {
      await expectRefused(name, token, '/v1/me', name === 'API key of clinic B on a user route' ? 403 : 401);
      await expectRefused(
        `${name} (couple route)`,
        token,
        `/v1/couples/${w.couple.coupleId}`,
        name === 'API key of clinic B on a user route' ? 403 : 401,
      );
    }
    // An API key never reaches another clinic's objects (403 without the route's scope, 404 with it).
    await expectRefused(
      "API key of clinic B on clinic A's couple",
      w.bKey.key,
      `/v1/couples/${w.couple.coupleId}/sessions`,
      [403, 404],
    );
    // A token whose refresh family was revoked (logout) stops working at once.
    const login = await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: w.a.slug, email: w.owner.email, password: TEST_PASSWORD })
      .expect(200);
    await t.http().post('/v1/auth/logout').auth(login.body.accessToken, auth).expect(204);
    tally.requests += 2;
    await expectRefused('access token of a logged-out session', login.body.accessToken, '/v1/me', 401);
    expect(tally.findings).toEqual([]);
  });

  it('never lets an injected clinicId, role, therapistId, id or createdAt take effect', async () => {
    const suffix = () => randomBytes(3).toString('hex');
    const future = (days: number) => DateTime.utc().plus({ days }).toISO();
    const bases: Record<string, () => object> = {
      'POST /v1/clinics': () => {
        const slug = `mass-${suffix()}`;
        return {
          name: 'Mass Clinic',
          slug,
          timezone: 'Europe/Berlin',
          admin: { name: 'Mass Admin', email: `admin@${slug}.example`, password: TEST_PASSWORD },
        };
      },
      'POST /v1/auth/login': () => ({ clinic: w.a.slug, email: w.owner.email, password: TEST_PASSWORD }),
      'POST /v1/users': () => ({ name: 'Mass User', email: `mass-${suffix()}@${w.a.slug}.example`, role: 'therapist' }),
      'PATCH /v1/me': () => ({ name: 'Owner Therapist' }),
      'POST /v1/api-keys': () => ({ name: 'mass', scopes: ['sessions:read'] }),
      'POST /v1/couples': () => ({
        label: 'Mass couple',
        partners: [{ name: 'Mass Partner', email: `mass-${suffix()}@couples.example`, timezone: 'Europe/Berlin' }],
      }),
      'PATCH /v1/couples/{id}': () => ({ label: 'Relabelled' }),
      'POST /v1/exercises': () => ({
        title: 'Mass exercise',
        category: 'caring',
        mode: 'individual',
        instructions: 'Write.',
        form: { fields: [{ key: 'note', type: 'text', label: 'Note', required: true, maxLength: 500 }] },
      }),
      'POST /v1/couples/{id}/assignments': () => ({
        exerciseId: w.pulseId,
        schedule: { type: 'once', dueAt: future(2) },
      }),
      'POST /v1/couples/{id}/sessions': () => ({
        startsAt: future(9),
        endsAt: DateTime.utc().plus({ days: 9, hours: 1 }).toISO(),
      }),
      'PATCH /v1/alerts/{id}': () => ({ status: 'acknowledged' }),
    };
    const callerFor = (op: Operation): string | null => {
      if (op.rule === 'public' || op.rule === undefined) return null;
      if (op.rule === 'api-key') return w.aKey.key;
      if (op.rule.includes('therapist')) return w.owner.accessToken;
      if (op.rule.includes('admin')) return w.a.admin.accessToken;
      return w.couple.partners[0].accessToken;
    };
    const injectedValues: Record<(typeof INJECTED)[number], unknown> = {
      clinicId: w.b.clinicId,
      clinic_id: w.b.clinicId,
      role: 'admin',
      therapistId: w.otherTherapist.id,
      id: randomUUID(),
      createdAt: '2000-01-01T00:00:00.000Z',
      authorId: w.couple.partners[1].id,
      userId: w.a.admin.id,
    };
    let attempts = 0;
    for (const op of operations.filter(
      (o) => (o.method === 'POST' || o.method === 'PATCH') && !o.route.includes('/auth/logout'),
    )) {
      const declared = new Set(Object.keys(op.body?.properties ?? {}));
      for (const field of INJECTED) {
        if (declared.has(field)) continue; // a field the route takes on purpose (e.g. role when inviting staff)
        const body = { ...(bases[op.route]?.() ?? {}), [field]: injectedValues[field] };
        const req = t.http()[op.method.toLowerCase() as 'post'](concretePath(op, w.ids, () => randomUUID()));
        const token = callerFor(op);
        if (token) req.auth(token, auth);
        const res = await req.send(body);
        tally.requests++;
        attempts++;
        if (res.status >= 500) tally.serverErrors++;
        for (const p of problemsWith(res)) tally.findings.push(`${op.route} with ${field}: ${p}`);
        if (res.status < 300) {
          // Accepted (a route without a body schema ignores bodies): the field must have changed nothing.
          const text = JSON.stringify(res.body ?? {});
          const leaked =
            (field.startsWith('clinic') && text.includes(w.b.clinicId)) ||
            (field === 'id' && text.includes(String(injectedValues.id))) ||
            (field === 'createdAt' && text.includes('2000-01-01')) ||
            (field === 'therapistId' && text.includes(`"therapistId":"${w.otherTherapist.id}"`)) ||
            (field === 'role' && /"role":"admin"/.test(text) && op.route !== 'POST /v1/clinics');
          if (leaked) {
            tally.forbiddenSuccesses++;
            tally.findings.push(`${op.route}: injected ${field} took effect`);
          }
        } else {
          expect({ route: op.route, field, status: res.status }).toEqual({
            route: op.route,
            field,
            status: expect.any(Number),
          });
        }
      }
    }
    expect(attempts).toBeGreaterThan(50);

    // A therapist may not move their couple to another caseload (admins only), and nobody's role moved.
    const moved = await t
      .http()
      .patch(`/v1/couples/${w.couple.coupleId}`)
      .auth(w.owner.accessToken, auth)
      .send({ therapistId: w.otherTherapist.id });
    tally.requests++;
    if (moved.status < 300) tally.forbiddenSuccesses++;
    expect(moved.status).toBeGreaterThanOrEqual(400);
    const couple = await t.http().get(`/v1/couples/${w.couple.coupleId}`).auth(w.owner.accessToken, auth).expect(200);
    expect(couple.body.therapistId).toBe(w.owner.id);
    const me = await t.http().get('/v1/me').auth(w.owner.accessToken, auth).expect(200);
    expect(me.body.user.role).toBe('therapist');
    expect(me.body.clinic.id).toBe(w.a.clinicId);
    const partnerMe = await t.http().get('/v1/me').auth(w.couple.partners[0].accessToken, auth).expect(200);
    expect(partnerMe.body.user.role).toBe('client');
    const bCouples = await t.http().get('/v1/couples?limit=200').auth(w.b.admin.accessToken, auth).expect(200);
    expect((bCouples.body.data as Array<{ id: string }>).map((c) => c.id)).toEqual([w.bCouple.coupleId]);
    tally.requests += 5;
    expect(tally.findings).toEqual([]);
  });
});
