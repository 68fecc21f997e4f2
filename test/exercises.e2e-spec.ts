import { TenantDatabase } from '@mend/database';
import { BUILTIN_EXERCISES, BUILTIN_KEYS, getVersion } from '@mend/exercises';
import { insertClientUser, newClinic, newStaff, type ClinicContext, type StaffContext } from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const PROBLEM = /^application\/problem\+json/;
const auth = { type: 'bearer' } as const;

const CLOSENESS = {
  title: 'Weekly closeness check',
  category: 'time_together',
  instructions:
    'At the end of each week, think back on the moments you felt close to your partner and the ones you did not.',
  mode: 'individual',
  defaultCadence: { type: 'recurring', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0' },
  form: {
    fields: [
      {
        key: 'closeness',
        type: 'scale',
        label: 'How close did you feel?',
        required: true,
        min: 0,
        max: 10,
        minLabel: 'Distant',
        maxLabel: 'Very close',
      },
      { key: 'kept_promise', type: 'boolean', label: 'Did you keep your promise?', required: true },
      { key: 'note', type: 'text', label: 'Anything else?', required: false, maxLength: 500 },
    ],
  },
};

interface ExerciseBody {
  id: string;
  builtinKey: string | null;
  isBuiltin: boolean;
  version: number;
  title: string;
  category: string;
  archivedAt: string | null;
  form: { fields: Array<Record<string, unknown>> };
}

describe('exercise library', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
  });
  afterAll(async () => {
    await t.close();
  });

  const list = async (token: string, query = ''): Promise<ExerciseBody[]> => {
    const res = await t.http().get(`/v1/exercises${query}`).auth(token, auth).expect(200);
    return res.body.data;
  };
  const create = (token: string, body: object) => t.http().post('/v1/exercises').auth(token, auth).send(body);
  const patch = (token: string, id: string, body: object) =>
    t.http().patch(`/v1/exercises/${id}`).auth(token, auth).send(body);

  it('lists the built-ins to staff, each read-only with a stable key and a form', async () => {
    const data = await list(therapist.accessToken, '?limit=200');
    expect(data.map((e) => e.builtinKey)).toEqual(BUILTIN_KEYS);
    for (const exercise of data) {
      expect(exercise).toMatchObject({ isBuiltin: true, version: 1, archivedAt: null, createdBy: null });
      expect(exercise.form.fields.length).toBeGreaterThan(0);
    }
    const pulse = data.find((e) => e.builtinKey === 'trust_pulse')!;
    expect(pulse).toMatchObject({
      category: 'measure',
      mode: 'individual',
      scoring: { kind: 'trust_pulse', field: 'trust' },
      defaultCadence: { type: 'recurring' },
    });
    // Responses are views, never rows.
    expect(pulse).not.toHaveProperty('clinic_id');
    expect(pulse).not.toHaveProperty('current_version');
  });

  it("syncs the built-ins once, even when a clinic's first requests race", async () => {
    const fresh = await newClinic(t);
    const pages = await Promise.all(
      Array.from({ length: 6 }, () => t.http().get('/v1/exercises?limit=200').auth(fresh.admin.accessToken, auth)),
    );
    for (const page of pages) expect(page.status).toBe(200);
    const after = await list(fresh.admin.accessToken, '?limit=200');
    expect(after.map((e) => e.builtinKey)).toEqual(BUILTIN_KEYS);
    // Each clinic has its own copies (ids differ between clinics).
    const mine = await list(therapist.accessToken, '?limit=200&source=builtin');
    expect(new Set([...mine, ...after].map((e) => e.id)).size).toBe(2 * BUILTIN_KEYS.length);
  });

  it('creates a clinic exercise at version 1, lists it with the built-ins, and audits the creation', async () => {
    const res = await create(therapist.accessToken, CLOSENESS).expect(201);
    expect(res.body).toMatchObject({
      isBuiltin: false,
      builtinKey: null,
      version: 1,
      title: CLOSENESS.title,
      category: 'time_together',
      mode: 'individual',
      defaultCadence: CLOSENESS.defaultCadence,
      form: CLOSENESS.form,
      scoring: null,
      archivedAt: null,
      createdBy: therapist.id,
    });
    const all = await list(therapist.accessToken, '?limit=200');
    expect(all).toHaveLength(BUILTIN_KEYS.length + 1);
    expect(all[all.length - 1].id).toBe(res.body.id);
    expect((await list(clinic.admin.accessToken, '?source=clinic')).map((e) => e.id)).toEqual([res.body.id]);
    expect(
      (await list(therapist.accessToken, '?category=time_together&limit=200')).every(
        (e) => e.category === 'time_together',
      ),
    ).toBe(true);
    expect((await list(therapist.accessToken, '?mode=joint&limit=200')).map((e) => e.builtinKey).sort()).toEqual(
      BUILTIN_EXERCISES.filter((b) => b.mode === 'joint')
        .map((b) => b.key)
        .sort(),
    );
    const audit = await t
      .http()
      .get(`/v1/audit-events?action=exercise.create&resourceId=${res.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ actorId: therapist.id, resourceType: 'exercise' });
  });

  it('paginates with a cursor without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.http().get(`/v1/exercises${query}`).auth(therapist.accessToken, auth).expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.data.map((e: ExerciseBody) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await list(therapist.accessToken, '?limit=200');
    expect(seen).toEqual(all.map((e) => e.id));
    await t.http().get('/v1/exercises?cursor=not-a-cursor').auth(therapist.accessToken, auth).expect(400);
  });

  it('adds version 2 on edit, shows the latest, and keeps version 1 intact for existing assignments', async () => {
    const created = await create(therapist.accessToken, CLOSENESS).expect(201);
    const id: string = created.body.id;
    const newForm = {
      fields: [
        ...CLOSENESS.form.fields,
        {
          key: 'distance',
          type: 'choice',
          label: 'What created distance?',
          required: false,
          options: [{ value: 'work', label: 'Work' }],
        },
      ],
    };
    const edited = await patch(clinic.admin.accessToken, id, { title: 'Closeness and distance', form: newForm }).expect(
      200,
    );
    expect(edited.body).toMatchObject({
      id,
      version: 2,
      title: 'Closeness and distance',
      instructions: CLOSENESS.instructions,
      form: newForm,
    });

    const got = await t.http().get(`/v1/exercises/${id}`).auth(therapist.accessToken, auth).expect(200);
    expect(got.body).toMatchObject({ version: 2, title: 'Closeness and distance' });

    const db = t.app.get(TenantDatabase);
    const [v1, v2] = await db.withClinic(clinic.clinicId, (tx) =>
      Promise.all([getVersion(tx, clinic.clinicId, id, 1), getVersion(tx, clinic.clinicId, id, 2)]),
    );
    expect(v1).toMatchObject({
      exerciseId: id,
      version: 1,
      title: CLOSENESS.title,
      form: CLOSENESS.form,
      mode: 'individual',
    });
    expect(v2).toMatchObject({ version: 2, title: 'Closeness and distance', form: newForm });

    // Saving the same content again is not a new version.
    const same = await patch(therapist.accessToken, id, { title: 'Closeness and distance' }).expect(200);
    expect(same.body.version).toBe(2);

    const audit = await t
      .http()
      .get(`/v1/audit-events?action=exercise.update&resourceId=${id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data).toHaveLength(1);
  });

  it('archives with {archived: true}: off the shelf, still readable, no new version', async () => {
    const created = await create(therapist.accessToken, { ...CLOSENESS, title: 'To archive' }).expect(201);
    const id: string = created.body.id;
    const archived = await patch(therapist.accessToken, id, { archived: true }).expect(200);
    expect(archived.body.version).toBe(1);
    expect(archived.body.archivedAt).toEqual(expect.any(String));
    expect((await list(therapist.accessToken, '?limit=200')).map((e) => e.id)).not.toContain(id);
    expect((await list(therapist.accessToken, '?limit=200&includeArchived=true')).map((e) => e.id)).toContain(id);
    await t.http().get(`/v1/exercises/${id}`).auth(therapist.accessToken, auth).expect(200);
    const restored = await patch(therapist.accessToken, id, { archived: false }).expect(200);
    expect(restored.body.archivedAt).toBeNull();
  });

  it('refuses edits to a built-in with 409 and suggests copying it', async () => {
    const [pulse] = await list(therapist.accessToken, '?source=builtin&limit=1');
    for (const body of [{ title: 'My pulse' }, { archived: true }]) {
      const res = await patch(therapist.accessToken, pulse.id, body).expect(409);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.detail).toMatch(/read-only.*POST \/v1\/exercises/);
    }
    const after = await t.http().get(`/v1/exercises/${pulse.id}`).auth(therapist.accessToken, auth).expect(200);
    expect(after.body).toMatchObject({ version: 1, title: pulse.title, archivedAt: null });
  });

  it('lets a clinic copy a built-in measure, scoring included', async () => {
    const pulse = (await list(therapist.accessToken, '?limit=200')).find(
      (e) => e.builtinKey === 'trust_pulse',
    )! as unknown as Record<string, unknown>;
    const copy = await create(therapist.accessToken, {
      title: 'Our trust pulse',
      category: pulse.category,
      instructions: pulse.instructions,
      mode: pulse.mode,
      defaultCadence: pulse.defaultCadence,
      form: pulse.form,
      scoring: pulse.scoring,
    }).expect(201);
    expect(copy.body).toMatchObject({ isBuiltin: false, form: pulse.form });
    // The copy still watches the safety answer, as the built-in does.
    expect(copy.body.scoring).toEqual({ kind: 'trust_pulse', field: 'trust', safetyField: 'safety' });
  });

  describe('validation', () => {
    const expectFields = async (
      body: object,
      fields: string[],
      send = (b: object) => create(therapist.accessToken, b),
    ) => {
      const res = await send(body).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(fields));
      return res.body.errors as Array<{ field: string; message: string }>;
    };

    it('names each bad top-level field and refuses unknown ones', async () => {
      await expectFields({ ...CLOSENESS, title: '', category: 'misc', mode: 'both', instructions: 7, clinicId: 'x' }, [
        'title',
        'category',
        'mode',
        'instructions',
        'clinicId',
      ]);
      await expectFields({ title: 'x' }, ['category', 'instructions', 'mode', 'form']);
    });

    it('names each bad form field by its position', async () => {
      const errors = await expectFields(
        {
          ...CLOSENESS,
          form: {
            fields: [
              { key: 'ok', type: 'boolean', label: 'Fine', required: true },
              { key: 'ok', type: 'scale', label: 'Range', required: true, min: 5, max: 2 },
              { key: 'pick', type: 'choice', label: 'Pick', required: true, options: [] },
              { key: 'note', type: 'text', label: 'Note', required: false, maxLength: 9000 },
            ],
          },
        },
        ['form.fields[1].key', 'form.fields[1].max', 'form.fields[2].options', 'form.fields[3].maxLength'],
      );
      expect(errors).toHaveLength(4);
      await expectFields({ ...CLOSENESS, form: { fields: [] } }, ['form.fields']);
      await expectFields({ ...CLOSENESS, form: 'a form' }, ['form']);
      await expectFields({ ...CLOSENESS, form: [] }, ['form']);
      await expectFields(
        { ...CLOSENESS, form: { fields: [{ key: 'x', type: 'boolean', label: 'X', required: true }, 5] } },
        ['form.fields[1]'],
      );
      await expectFields(
        { ...CLOSENESS, form: { fields: [{ key: 'x', type: 'boolean', label: 'X', required: true }], extra: true } },
        ['form.extra'],
      );
    });

    it('checks the cadence and that scoring fits the form', async () => {
      await expectFields({ ...CLOSENESS, defaultCadence: { type: 'recurring', rrule: 'FREQ=MINUTELY' } }, [
        'defaultCadence.rrule',
      ]);
      await expectFields({ ...CLOSENESS, defaultCadence: { type: 'recurring' } }, ['defaultCadence.rrule']);
      await expectFields({ ...CLOSENESS, scoring: { kind: 'trust_pulse', field: 'note' } }, ['scoring.field']);
      await expectFields({ ...CLOSENESS, scoring: { kind: 'csi4' } }, ['scoring']);
    });

    it('validates edits against the merged result, and refuses null where null means nothing', async () => {
      const created = await create(therapist.accessToken, CLOSENESS).expect(201);
      const send = (b: object) => patch(therapist.accessToken, created.body.id, b);
      await expectFields(
        { form: { fields: [{ key: 'x', type: 'scale', label: 'X', required: true, min: 0, max: 0 }] } },
        ['form.fields[0].max'],
        send,
      );
      await expectFields({ title: null, archived: 'yes' }, ['title', 'archived'], send);
      const unchanged = await t
        .http()
        .get(`/v1/exercises/${created.body.id}`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      expect(unchanged.body.version).toBe(1);
      // null clears the cadence (a content change: version 2).
      const cleared = await send({ defaultCadence: null }).expect(200);
      expect(cleared.body).toMatchObject({ version: 2, defaultCadence: null });
    });

    it('checks list filters', async () => {
      const res = await t
        .http()
        .get('/v1/exercises?category=misc&includeArchived=maybe')
        .auth(therapist.accessToken, auth)
        .expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['category', 'includeArchived']),
      );
    });
  });

  describe('access', () => {
    it("answers 404 for another clinic's exercise (own or built-in) on GET and PATCH, like a missing one", async () => {
      const other = await newClinic(t);
      const foreignOwn = await create(other.admin.accessToken, CLOSENESS).expect(201);
      const [foreignBuiltin] = await list(other.admin.accessToken, '?source=builtin&limit=1');
      const missing = await t
        .http()
        .get('/v1/exercises/00000000-0000-7000-8000-000000000000')
        .auth(therapist.accessToken, auth)
        .expect(404);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      for (const id of [foreignOwn.body.id, foreignBuiltin.id]) {
        const got = await t.http().get(`/v1/exercises/${id}`).auth(therapist.accessToken, auth).expect(404);
        expect(strip(got.body)).toEqual(strip(missing.body));
        await patch(therapist.accessToken, id, { title: 'Mine now' }).expect(404);
        await patch(clinic.admin.accessToken, id, { archived: true }).expect(404);
      }
      await t.http().get('/v1/exercises/not-a-uuid').auth(therapist.accessToken, auth).expect(404);
      const untouched = await t
        .http()
        .get(`/v1/exercises/${foreignOwn.body.id}`)
        .auth(other.admin.accessToken, auth)
        .expect(200);
      expect(untouched.body).toMatchObject({ version: 1, title: CLOSENESS.title, archivedAt: null });
      expect((await list(therapist.accessToken, '?limit=200')).map((e) => e.id)).not.toContain(foreignOwn.body.id);
    });

    it('refuses clients (403): they see exercises only through their assignments', async () => {
      const client = await insertClientUser(t, clinic);
      const [any] = await list(therapist.accessToken, '?limit=1');
      for (const res of [
        await t.http().get('/v1/exercises').auth(client.accessToken, auth),
        await t.http().get(`/v1/exercises/${any.id}`).auth(client.accessToken, auth),
        await create(client.accessToken, CLOSENESS),
        await patch(client.accessToken, any.id, { archived: true }),
      ]) {
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
    });

    it('refuses requests without a token', async () => {
      await t.http().get('/v1/exercises').expect(401);
    });
  });
});
