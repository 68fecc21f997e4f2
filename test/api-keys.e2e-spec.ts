import { newApiKey, newClinic, type ClinicContext } from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

describe('API keys', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  const auth = { type: 'bearer' } as const;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the key once, with a recognisable prefix and 256 random bits, and lists only a hint', async () => {
    const created = await t
      .http()
      .post('/v1/api-keys')
      .auth(clinic.admin.accessToken, auth)
      .send({ name: 'Cal.com', scopes: ['sessions:write', 'sessions:read'] })
      .expect(201);
    expect(created.body.key).toMatch(/^mk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.scopes).toEqual(['sessions:read', 'sessions:write']);
    const list = await t.http().get('/v1/api-keys').auth(clinic.admin.accessToken, auth).expect(200);
    const listed = list.body.data.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: 'Cal.com', keyHint: `mk_…${created.body.key.slice(-4)}` });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  });

  it('stores only a hash of the key', async () => {
    const { key } = await newApiKey(t, clinic, ['calendar:read']);
    const pg = (await import('pg')).default;
    const owner = new pg.Client({ connectionString: t.db.ownerUrl });
    await owner.connect();
    const { rows } = await owner.query(`SELECT key_hash, key_prefix FROM api_key`);
    await owner.end();
    for (const row of rows) {
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.key_hash).not.toContain(key.slice(-43));
    }
  });

  it('authenticates on routes whose scope it holds and is refused elsewhere', async () => {
    const { key } = await newApiKey(t, clinic, ['calendar:read']);
    const self = await t.http().get('/v1/api-keys/self').auth(key, auth).expect(200);
    expect(self.body.scopes).toEqual(['calendar:read']);
    await t.http().get('/v1/users').auth(key, auth).expect(403);
    await t
      .http()
      .post('/v1/api-keys')
      .auth(key, auth)
      .send({ name: 'escalate', scopes: ['webhooks:manage'] })
      .expect(403);
  });

  it('stops working as soon as it is revoked', async () => {
    const { id, key } = await newApiKey(t, clinic, ['sessions:read']);
    await t.http().get('/v1/api-keys/self').auth(key, auth).expect(200);
    await t.http().delete(`/v1/api-keys/${id}`).auth(clinic.admin.accessToken, auth).expect(204);
    await t.http().get('/v1/api-keys/self').auth(key, auth).expect(401);
    const audit = await t
      .http()
      .get(`/v1/audit-events?resourceId=${id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(['api_key.revoke', 'api_key.create']);
  });

  it("is bound to its clinic: moving it to another clinic's id fails, and it never sees another clinic", async () => {
    const other = await newClinic(t);
    const { key } = await newApiKey(t, clinic, ['sessions:read']);
    const moved = key.replace(clinic.clinicId.replace(/-/g, ''), other.clinicId.replace(/-/g, ''));
    await t.http().get('/v1/api-keys/self').auth(moved, auth).expect(401);
    const otherKey = await newApiKey(t, other, ['sessions:read']);
    await t.http().delete(`/v1/api-keys/${otherKey.id}`).auth(clinic.admin.accessToken, auth).expect(404);
    await t.http().get('/v1/api-keys/self').auth(otherKey.key, auth).expect(200);
  });

  it('validates scopes', async () => {
    const res = await t
      .http()
      .post('/v1/api-keys')
      .auth(clinic.admin.accessToken, auth)
      .send({ name: 'x', scopes: ['root'] })
      .expect(400);
    expect(res.body.errors[0].field).toBe('scopes');
    await t
      .http()
      .post('/v1/api-keys')
      .auth(clinic.admin.accessToken, auth)
      .send({ name: 'x', scopes: [] })
      .expect(400);
  });
});
