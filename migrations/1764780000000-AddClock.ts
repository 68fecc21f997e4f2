import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One clock for the SQL too. The application binds its clock's "now" to each transaction as the
 * setting `mend.now` (TenantDatabase.withClinic), and every statement that records or decides
 * something from the time reads `mend_now()` instead of PostgreSQL's `now()`, so a suite pinned to
 * an instant sees the same instant in TypeScript and in SQL. Outside such a transaction (psql, a
 * migration) `mend_now()` is the transaction's own `now()`.
 */
export class AddClock1764780000000 implements MigrationInterface {
  name = 'AddClock1764780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION mend_now() RETURNS timestamptz
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT coalesce(nullif(current_setting('mend.now', true), '')::timestamptz, now()) $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION mend_now() TO mend_app`);

    // Column defaults that stamp a row (created_at, submitted_at, …) follow the same clock.
    const columns: Array<{ table_name: string; column_name: string }> = await q.query(`
      SELECT c.table_name, c.column_name FROM information_schema.columns c
       WHERE c.table_schema = current_schema() AND c.column_default = 'now()'`);
    for (const { table_name, column_name } of columns) {
      await q.query(`ALTER TABLE "${table_name}" ALTER COLUMN "${column_name}" SET DEFAULT mend_now()`);
    }

    // The relay's cross-clinic scan runs outside a tenant transaction: "now" is an argument.
    await q.query(`
      CREATE FUNCTION mend_outbox_due(p_limit integer, p_now timestamptz) RETURNS TABLE (clinic_id uuid, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT o.clinic_id, o.id FROM outbox o
            WHERE o.published_at IS NULL AND o.available_at <= p_now
            ORDER BY o.available_at, o.id LIMIT p_limit $$`);
    await q.query(`REVOKE ALL ON FUNCTION mend_outbox_due(integer, timestamptz) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION mend_outbox_due(integer, timestamptz) TO mend_app`);
    await q.query(`DROP FUNCTION mend_outbox_due(integer)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION mend_outbox_due(p_limit integer) RETURNS TABLE (clinic_id uuid, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT o.clinic_id, o.id FROM outbox o
            WHERE o.published_at IS NULL AND o.available_at <= now()
            ORDER BY o.available_at, o.id LIMIT p_limit $$`);
    await q.query(`REVOKE ALL ON FUNCTION mend_outbox_due(integer) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION mend_outbox_due(integer) TO mend_app`);
    await q.query(`DROP FUNCTION mend_outbox_due(integer, timestamptz)`);
    const columns: Array<{ table_name: string; column_name: string }> = await q.query(`
      SELECT c.table_name, c.column_name FROM information_schema.columns c
       WHERE c.table_schema = current_schema() AND c.column_default = 'mend_now()'`);
    for (const { table_name, column_name } of columns) {
      await q.query(`ALTER TABLE "${table_name}" ALTER COLUMN "${column_name}" SET DEFAULT now()`);
    }
    await q.query(`DROP FUNCTION mend_now()`);
  }
}
