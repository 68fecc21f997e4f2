import pg from 'pg';

export interface ProvisionOptions {
  /** A superuser connection (e.g. postgres://postgres@127.0.0.1:5432/postgres). */
  adminUrl: string;
  database: string;
  ownerPassword: string;
  appPassword: string;
  /** Clone this database instead of creating an empty one (test isolation). */
  template?: string;
}

export interface ProvisionedUrls {
  ownerUrl: string;
  appUrl: string;
}

export const OWNER_ROLE = 'mend_owner';
export const APP_ROLE = 'mend_app';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function urlFor(adminUrl: string, user: string, password: string, database: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates the two roles and the database the way a DBA would: the owner runs migrations
 * (and may bypass RLS for id-only lookup functions); the app role is bound by RLS.
 * Idempotent, so the embedded launcher can run it on every start.
 */
export async function provisionDatabase(options: ProvisionOptions): Promise<ProvisionedUrls> {
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    // Role creation races between parallel test workers; the advisory lock serialises it.
    await admin.query('SELECT pg_advisory_lock(727274)');
    try {
      for (const [role, password, extra] of [
        [OWNER_ROLE, options.ownerPassword, 'BYPASSRLS CREATEROLE'],
        [APP_ROLE, options.appPassword, 'NOBYPASSRLS'],
      ] as const) {
        const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
        const verb = exists.rowCount ? 'ALTER' : 'CREATE';
        await admin.query(
          `${verb} ROLE ${quoteIdent(role)} LOGIN NOSUPERUSER ${extra} PASSWORD ${quoteLiteral(password)}`,
        );
      }
      const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
      if (!db.rowCount) {
        const template = options.template ? ` TEMPLATE ${quoteIdent(options.template)}` : '';
        await admin.query(`CREATE DATABASE ${quoteIdent(options.database)} OWNER ${quoteIdent(OWNER_ROLE)}${template}`);
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock(727274)');
    }
  } finally {
    await admin.end();
  }
  const owner = new pg.Client({
    connectionString: urlFor(options.adminUrl, OWNER_ROLE, options.ownerPassword, options.database),
  });
  await owner.connect();
  try {
    await owner.query(`REVOKE ALL ON DATABASE ${quoteIdent(options.database)} FROM PUBLIC`);
    await owner.query(
      `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(options.database)} TO ${quoteIdent(APP_ROLE)}`,
    );
    await owner.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  } finally {
    await owner.end();
  }
  return {
    ownerUrl: urlFor(options.adminUrl, OWNER_ROLE, options.ownerPassword, options.database),
    appUrl: urlFor(options.adminUrl, APP_ROLE, options.appPassword, options.database),
  };
}
