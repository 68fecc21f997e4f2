import pg from 'pg';
import { DataSource } from 'typeorm';

import { loadConfig } from '@mend/config';
import { assertTenantIsolation, TenancyBootCheckError } from '@mend/database';
import { createTestDatabase, newApiKey, newClinic, newStaff } from '@mend/testing';

import { createTestApp, testEnv, type TestApp } from './support/test-app.js';

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function tenantTables(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ name: string }>(`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND (c.relname = 'clinic' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'clinic_id' AND NOT a.attisdropped))
      ORDER BY 1`);
    return rows.map((r) => r.name);
  });
}

describe('tenant isolation in the database', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof newClinic>>;
  let b: Awaited<ReturnType<typeof newClinic>>;

  beforeAll(async () => {
    t = await createTestApp();
    a = await newClinic(t);
    b = await newClinic(t);
    // Put a row in every foundation table for both clinics.
    for (const clinic of [a, b]) {
      await newStaff(t, clinic);
      await newApiKey(t, clinic, ['sessions:read']);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the app role 0 rows in every tenant table when no clinic is set (while the owner sees data)', async () => {
    const tables = await tenantTables(t.db.ownerUrl);
    expect(tables).toEqual(
      expect.arrayContaining(['api_key', 'audit_event', 'clinic', 'invitation', 'outbox', 'refresh_token', 'user']),
    );
    await withClient(t.db.appUrl, async (app) => {
      for (const table of tables) {
        const { rows } = await app.query(`SELECT count(*)::int AS n FROM "${table}"`);
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
    });
    await withClient(t.db.ownerUrl, async (owner) => {
      const { rows } = await owner.query(`SELECT count(*)::int AS n FROM "user"`);
      expect(rows[0].n).toBeGreaterThanOrEqual(4);
    });
  });

  it('shows the app role only its own clinic once the clinic is set', async () => {
    await withClient(t.db.appUrl, async (app) => {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.clinic_id', $1, true)`, [a.clinicId]);
      const { rows } = await app.query(`SELECT DISTINCT clinic_id FROM "user"`);
      expect(rows).toEqual([{ clinic_id: a.clinicId }]);
      const clinics = await app.query(`SELECT id FROM clinic`);
      expect(clinics.rows).toEqual([{ id: a.clinicId }]);
      await app.query('ROLLBACK');
    });
  });

  it('refuses to insert a row for another clinic, or with no clinic set', async () => {
    await withClient(t.db.appUrl, async (app) => {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.clinic_id', $1, true)`, [a.clinicId]);
      await expect(
        app.query(
          `INSERT INTO "user" (clinic_id, id, email, name, role, timezone) VALUES ($1, gen_random_uuid(), 'x@x.example', 'X', 'admin', 'UTC')`,
          [b.clinicId],
        ),
      ).rejects.toThrow(/row-level security/);
      await app.query('ROLLBACK');
      await expect(
        app.query(
          `INSERT INTO audit_event (clinic_id, id, actor_type, action, outcome) VALUES ($1, gen_random_uuid(), 'system', 'x', 'success')`,
          [b.clinicId],
        ),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('keeps the audit log append-only for the app role', async () => {
    await withClient(t.db.appUrl, async (app) => {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.clinic_id', $1, true)`, [a.clinicId]);
      await expect(app.query(`UPDATE audit_event SET action = 'x'`)).rejects.toThrow(/permission denied/);
      await app.query('ROLLBACK');
      await expect(app.query(`DELETE FROM audit_event`)).rejects.toThrow(/permission denied/);
    });
  });

  it('has the app role neither superuser, owner nor BYPASSRLS, and every tenant table forced', async () => {
    const ds = new DataSource({ type: 'postgres', url: t.db.appUrl });
    await ds.initialize();
    await expect(assertTenantIsolation(ds)).resolves.toBeUndefined();
    await ds.destroy();
  });
});

describe('the boot check', () => {
  it('refuses to start the API with a role that can bypass row-level security', async () => {
    const db = await createTestDatabase();
    try {
      await expect(createTestApp({ db, env: { DATABASE_URL: db.ownerUrl } })).rejects.toThrow(TenancyBootCheckError);
      await expect(createTestApp({ db, env: { DATABASE_URL: db.ownerUrl } })).rejects.toThrow(
        /has BYPASSRLS|owns table/,
      );
    } finally {
      await db.drop();
    }
  });

  it('refuses to start when a tenant table is not forced', async () => {
    const db = await createTestDatabase();
    try {
      await withClient(db.ownerUrl, (c) => c.query('ALTER TABLE api_key NO FORCE ROW LEVEL SECURITY'));
      await expect(createTestApp({ db })).rejects.toThrow(
        /table api_key does not have row-level security enabled and forced/,
      );
      const config = loadConfig(testEnv(db));
      expect(config.database.url).toBe(db.appUrl);
    } finally {
      await db.drop();
    }
  });
});
