import type { EntityManager } from 'typeorm';

/**
 * Rows of a data-changing statement with RETURNING. TypeORM answers `[rows, affectedCount]` for
 * UPDATE and DELETE (but plain rows for SELECT and INSERT); this hides that difference.
 */
export async function queryRows<T>(tx: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await tx.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}
