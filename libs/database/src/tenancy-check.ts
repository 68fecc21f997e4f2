import type { DataSource } from 'typeorm';

export class TenancyBootCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Refusing to start: tenant isolation is not enforced by the database:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'TenancyBootCheckError';
  }
}

/**
 * The app must not be able to see across clinics even if a query forgets its filter:
 * its role may not bypass RLS or own the tables, and every tenant table must force a policy.
 */
export async function assertTenantIsolation(dataSource: DataSource): Promise<void> {
  const problems: string[] = [];
  const [role] = (await dataSource.query(
    `SELECT current_user AS name, rolsuper AS super, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`,
  )) as Array<{ name: string; super: boolean; bypass: boolean }>;
  if (role.super) problems.push(`database role "${role.name}" is a superuser`);
  if (role.bypass) problems.push(`database role "${role.name}" has BYPASSRLS`);

  const tables = (await dataSource.query(`
    SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
           pg_has_role(current_user, c.relowner, 'USAGE') AS owned,
           EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND (c.relname = 'clinic' OR EXISTS (
        SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'clinic_id' AND NOT a.attisdropped))
    ORDER BY c.relname`)) as Array<{
    name: string;
    enabled: boolean;
    forced: boolean;
    owned: boolean;
    has_policy: boolean;
  }>;

  if (tables.length === 0) problems.push('no tenant tables found: have the migrations run?');
  for (const t of tables) {
    if (t.owned) problems.push(`database role "${role.name}" owns table ${t.name} (owners can bypass policies)`);
    if (!t.enabled || !t.forced) problems.push(`table ${t.name} does not have row-level security enabled and forced`);
    if (!t.has_policy) problems.push(`table ${t.name} has no row-level security policy`);
  }
  if (problems.length > 0) throw new TenancyBootCheckError(problems);
}
