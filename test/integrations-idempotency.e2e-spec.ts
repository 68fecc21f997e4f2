import { randomBytes } from 'node:crypto';

import { DateTime } from 'luxon';

import { TenantDatabase } from '@mend/database';
import {
  builtinExerciseId,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

interface CreatingPost {
  name: string;
  path: string;
  token: () => string;
  body: () => object;
  /** How many resources the request made (must be exactly one after a burst). */
  count: () => Promise<number>;
  /** Secrets shown once: in the first answer, absent from a replay (and documented as such). */
  shownOnce?: string[];
}

/**
 * Every creating POST takes an Idempotency-Key: 20 identical requests sent at once make one
 * resource (the others answer 409 while the first runs, or replay its answer once it is done);
 * the same key with another body answers 422; a key belongs to its caller.
 */
describe('Idempotency-Key on every creating POST', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let posts: CreatingPost[];

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const rows: Array<{ n: number }> = await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) => tx.query(sql, params));
    return rows[0].n;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const letterId = await builtinExerciseId(t, therapist.accessToken, 'letter_instead_of_fight');
    // A due occurrence for the check-in burst.
    const assignment = await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 2 }).toISO() },
    });
    const mine = (await t.http().get('/v1/me/assignments').auth(couple.partners[0].accessToken, auth).expect(200)).body
      .data as Array<{ id: string; occurrences: Array<{ dueAt: string }> }>;
    const dueAt = mine.find((a) => a.id === assignment.id)!.occurrences[0].dueAt;
    const marker = randomBytes(4).toString('hex');

    posts = [
      {
        name: 'couples',
        path: '/v1/couples',
        token: () => therapist.accessToken,
        body: () => ({
          label: `Burst ${marker}`,
          partners: [{ name: 'Quinn Burst', email: `quinn-${marker}@couples.example`, timezone: 'Europe/Paris' }],
        }),
        count: () => count(`SELECT count(*)::int AS n FROM couple WHERE label = $1`, [`Burst ${marker}`]),
      },
      {
        name: 'users',
        shownOnce: ['invitationUrl', 'invitationExpiresAt'],
        path: '/v1/users',
        token: () => clinic.admin.accessToken,
        body: () => ({ name: 'Burst Therapist', email: `burst-${marker}@clinic.example`, role: 'therapist' }),
        count: () =>
          count(`SELECT count(*)::int AS n FROM "user" WHERE email = $1`, [`burst-${marker}@clinic.example`]),
      },
      {
        name: 'api-keys',
        shownOnce: ['key'],
        path: '/v1/api-keys',
        token: () => clinic.admin.accessToken,
        body: () => ({ name: `burst-${marker}`, scopes: ['sessions:read'] }),
        count: () => count(`SELECT count(*)::int AS n FROM api_key WHERE name = $1`, [`burst-${marker}`]),
      },
      {
        name: 'exercises',
        path: '/v1/exercises',
        token: () => therapist.accessToken,
        body: () => ({
          title: `Burst ${marker}`,
          category: 'caring',
          mode: 'individual',
          instructions: 'Write one thing you appreciated today.',
          form: { fields: [{ key: 'note', type: 'text', label: 'Note', required: true, maxLength: 500 }] },
        }),
        count: () => count(`SELECT count(*)::int AS n FROM exercise_version WHERE title = $1`, [`Burst ${marker}`]),
      },
      {
        name: 'assignments',
        path: `/v1/couples/${couple.coupleId}/assignments`,
        token: () => therapist.accessToken,
        body: () => ({
          exerciseId: letterId,
          schedule: { type: 'once', dueAt: DateTime.utc().plus({ days: 3 }).startOf('hour').toISO() },
        }),
        count: () =>
          count(`SELECT count(*)::int AS n FROM assignment WHERE couple_id = $1 AND exercise_id = $2`, [
            couple.coupleId,
            letterId,
          ]),
      },
      {
        name: 'check-ins',
        path: `/v1/assignments/${assignment.id}/check-ins`,
        token: () => couple.partners[0].accessToken,
        body: () => ({ occurrenceAt: dueAt, answers: { trust: 7, safety: 6 }, visibility: 'private' }),
        count: () =>
          count(`SELECT count(*)::int AS n FROM check_in WHERE assignment_id = $1 AND author_id = $2`, [
            assignment.id,
            couple.partners[0].id,
          ]),
      },
      {
        name: 'sessions',
        path: `/v1/couples/${couple.coupleId}/sessions`,
        token: () => therapist.accessToken,
        body: () => ({ startsAt: '2031-05-06T17:00:00-04:00', endsAt: '2031-05-06T17:50:00-04:00' }),
        count: () =>
          count(`SELECT count(*)::int AS n FROM therapy_session WHERE couple_id = $1 AND starts_at = $2`, [
            couple.coupleId,
            '2031-05-06T21:00:00Z',
          ]),
      },
      {
        name: 'webhook endpoints',
        shownOnce: ['secret'],
        path: '/v1/webhook-endpoints',
        token: () => clinic.admin.accessToken,
        body: () => ({ url: `http://127.0.0.1:9/burst-${marker}`, events: ['session.created'] }),
        count: () =>
          count(`SELECT count(*)::int AS n FROM webhook_endpoint WHERE url = $1`, [
            `http://127.0.0.1:9/burst-${marker}`,
          ]),
      },
      {
        name: 'integrations',
        shownOnce: ['webhookUrl'],
        path: '/v1/integrations',
        token: () => clinic.admin.accessToken,
        body: () => ({ provider: 'calendly', signingSecret: 'burst-signing-secret', name: `burst-${marker}` }),
        count: () => count(`SELECT count(*)::int AS n FROM integration WHERE name = $1`, [`burst-${marker}`]),
      },
      {
        name: 'calendar feeds',
        shownOnce: ['url'],
        path: '/v1/calendar-feeds',
        token: () => couple.partners[1].accessToken,
        body: () => ({}),
        count: () => count(`SELECT count(*)::int AS n FROM calendar_feed WHERE user_id = $1`, [couple.partners[1].id]),
      },
    ];
  });
  afterAll(async () => {
    await t.close();
  });

  it('makes one resource from 20 identical POSTs sent at once, for every creating POST', async () => {
    for (const post of posts) {
      const key = `burst-${post.name.replace(/\s/g, '-')}-${randomBytes(4).toString('hex')}`;
      const burst = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.http().post(post.path).auth(post.token(), auth).set('Idempotency-Key', key).send(post.body()),
        ),
      );
      const statuses = burst.map((r) => r.status);
      expect({ post: post.name, unexpected: statuses.filter((s) => s !== 201 && s !== 409) }).toEqual({
        post: post.name,
        unexpected: [],
      });
      const created = burst.filter((r) => r.status === 201);
      expect({ post: post.name, hasCreated: created.length >= 1 }).toEqual({ post: post.name, hasCreated: true });
      expect({ post: post.name, ids: new Set(created.map((r) => r.body.id)).size }).toEqual({
        post: post.name,
        ids: 1,
      });
      for (const conflict of burst.filter((r) => r.status === 409))
        expect(conflict.headers['content-type']).toMatch(/problem\+json/);
      expect({ post: post.name, count: await post.count() }).toEqual({ post: post.name, count: 1 });

      // Afterwards: the stored first answer, marked as a replay.
      const replay = await t
        .http()
        .post(post.path)
        .auth(post.token(), auth)
        .set('Idempotency-Key', key)
        .send(post.body())
        .expect(201);
      expect({ post: post.name, id: replay.body.id, replayed: replay.headers['idempotent-replayed'] }).toEqual({
        post: post.name,
        id: created[0].body.id,
        replayed: 'true',
      });
      const first = created.find((r) => r.headers['idempotent-replayed'] !== 'true')!;
      for (const field of post.shownOnce ?? []) {
        expect({ post: post.name, field, first: first.body[field] !== undefined }).toEqual({
          post: post.name,
          field,
          first: true,
        });
        expect({ post: post.name, field, replayed: replay.body[field] }).toEqual({
          post: post.name,
          field,
          replayed: undefined,
        });
        // Nor is it kept where the replay comes from: the stored record holds the created id only.
        const secret = first.body[field];
        if (typeof secret !== 'string') continue;
        const stored = await count(
          `SELECT count(*)::int AS n FROM idempotency_record r WHERE strpos(r::text, $1) > 0`,
          [secret.split('/').pop()],
        );
        expect({ post: post.name, field, stored }).toEqual({ post: post.name, field, stored: 0 });
      }
      expect({
        post: post.name,
        records: await count(`SELECT count(*)::int AS n FROM idempotency_record WHERE key = $1`, [key]),
      }).toEqual({ post: post.name, records: 1 });
    }
  });

  it('answers 422 for the same key with another body, and scopes keys to their caller', async () => {
    const key = `scoped-${randomBytes(4).toString('hex')}`;
    const first = await t
      .http()
      .post('/v1/api-keys')
      .auth(clinic.admin.accessToken, auth)
      .set('Idempotency-Key', key)
      .send({ name: 'first', scopes: ['sessions:read'] })
      .expect(201);
    const mismatch = await t
      .http()
      .post('/v1/api-keys')
      .auth(clinic.admin.accessToken, auth)
      .set('Idempotency-Key', key)
      .send({ name: 'second', scopes: ['sessions:read'] })
      .expect(422);
    expect(mismatch.body.errors[0].field).toBe('Idempotency-Key');
    // The same key from another admin is theirs alone.
    const otherAdmin = await newStaff(t, clinic, 'admin', 'Other Admin');
    const theirs = await t
      .http()
      .post('/v1/api-keys')
      .auth(otherAdmin.accessToken, auth)
      .set('Idempotency-Key', key)
      .send({ name: 'first', scopes: ['sessions:read'] })
      .expect(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    // And another clinic's.
    const other = await newClinic(t);
    await t
      .http()
      .post('/v1/api-keys')
      .auth(other.admin.accessToken, auth)
      .set('Idempotency-Key', key)
      .send({ name: 'first', scopes: ['sessions:read'] })
      .expect(201);
    await t
      .http()
      .post('/v1/api-keys')
      .auth(clinic.admin.accessToken, auth)
      .set('Idempotency-Key', ' bad key ')
      .send({ name: 'x', scopes: ['sessions:read'] })
      .expect(400);
  });
});
