import { createHash } from 'node:crypto';

import { QueryFailedError, type EntityManager } from 'typeorm';

/**
 * Where the DataSource carries DATABASE_PREPARED_STATEMENTS (dataSourceOptions puts it in
 * `extra`, which node-postgres ignores), so a repository that only holds the transaction's
 * EntityManager can tell without a setting of its own.
 */
export const PREPARED_STATEMENTS_OPTION = 'mendPreparedStatements';

/** A fixed statement text with the name it is prepared under. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Names a fixed statement. The name carries a hash of the text: node-postgres refuses a name
 * already prepared on the connection with another text, and a statement edited between two
 * deploys must never run an old plan under the new name.
 */
export function preparedStatement(label: string, text: string): PreparedStatement {
  return { name: `${label}_${createHash('sha256').update(text).digest('hex').slice(0, 12)}`, text };
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ command: string; rows: unknown[] }>;
}

/**
 * Runs a fixed statement on the transaction's own connection (so its clinic binding and
 * row-level security apply) as a named prepared statement: PostgreSQL plans it once per
 * connection instead of on every call, where planning was most of its CPU for the check-in
 * submit. Parameters go to node-postgres unchanged, as tx.query passes them, and the answer is
 * tx.query's for a statement that returns rows (its rows). Row-level security stays per
 * execution: PostgreSQL checks the policies' current_setting at run time, and re-plans when the
 * role or the policies change. Without the setting (PgBouncer in transaction mode before 1.21)
 * or outside a transaction it is tx.query.
 */
export async function queryPrepared<T>(
  tx: EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const runner = tx.queryRunner;
  const extra = (tx.connection.options as { extra?: Record<string, unknown> }).extra;
  if (!runner || runner.isReleased || extra?.[PREPARED_STATEMENTS_OPTION] !== true)
    return tx.query(statement.text, values);
  // PostgresQueryRunner.connect() answers the pool client the transaction holds.
  const client = (await runner.connect()) as PgClient;
  try {
    const result = await client.query({ name: statement.name, text: statement.text, values });
    return result.rows as T[];
  } catch (error) {
    // As tx.query reports it, so callers that read the driver error (code, constraint) see the same.
    throw new QueryFailedError(statement.text, values, error as Error);
  }
}
