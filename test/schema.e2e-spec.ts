import pg from 'pg';

import { createTestDatabase, type TestDatabase } from '@mend/testing';

/**
 * The schema stays distributable by clinic_id (Citus): every primary key, unique constraint,
 * unique index, foreign key and index of a tenant table leads with clinic_id, and every tenant
 * table forces row-level security.
 */
describe('tenant schema rules', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.ownerUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const tenantTables = async (): Promise<string[]> =>
    (
      await client.query<{ name: string }>(`
        SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'clinic_id' AND NOT a.attisdropped)
        ORDER BY 1`)
    ).rows.map((r) => r.name);

  it('finds the tenant tables', async () => {
    expect(await tenantTables()).toEqual(
      expect.arrayContaining([
        'user',
        'couple',
        'check_in',
        'occurrence',
        'therapy_session',
        'alert',
        'outbox',
        'audit_event',
      ]),
    );
  });

  it('leads every primary key, unique constraint and foreign key of a tenant table with clinic_id', async () => {
    const { rows } = await client.query<{
      table: string;
      name: string;
      type: string;
      first: string;
      columns: string[];
    }>(
      `
      SELECT c.relname AS table, con.conname AS name, con.contype AS type,
             (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]) AS first,
             ARRAY(SELECT a.attname FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k) AS columns
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f') AND c.relname = ANY($1)`,
      [await tenantTables()],
    );
    expect(rows.length).toBeGreaterThan(20);
    const offenders = rows
      .filter((r) => r.first !== 'clinic_id')
      // A foreign key to the clinic itself is keyed by clinic_id alone.
      .map((r) => `${r.table}.${r.name} (${r.columns.join(', ')})`);
    expect(offenders).toEqual([]);
  });

  it('leads every index of a tenant table with clinic_id', async () => {
    const { rows } = await client.query<{ table: string; index: string; first: string | null; definition: string }>(
      `
      SELECT c.relname AS table, i.relname AS index,
             (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[0]) AS first,
             pg_get_indexdef(x.indexrelid) AS definition
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname = ANY($1)`,
      [await tenantTables()],
    );
    const offenders = rows.filter((r) => r.first !== 'clinic_id').map((r) => r.definition);
    expect(offenders).toEqual([]);
  });

  it('enables and forces row-level security with a policy on every tenant table', async () => {
    const { rows } = await client.query<{ name: string; enabled: boolean; forced: boolean; policies: number }>(
      `
      SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
      FROM pg_class c WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace`,
      [await tenantTables()],
    );
    for (const row of rows)
      expect(row).toEqual({ name: row.name, enabled: true, forced: true, policies: expect.any(Number) });
    expect(rows.every((r) => r.policies >= 1)).toBe(true);
  });
});
