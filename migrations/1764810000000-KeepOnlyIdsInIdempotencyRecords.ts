import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An Idempotency-Key record keeps the status and the created resource's id only; a replay reads
 * the resource again. Stored answers used to carry check-in answers and secrets shown once (API
 * keys, invitation and feed links, webhook secrets) in clear for a day: they are reduced to the id.
 */
export class KeepOnlyIdsInIdempotencyRecords1764810000000 implements MigrationInterface {
  name = 'KeepOnlyIdsInIdempotencyRecords1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE idempotency_record
         SET response = jsonb_build_object('id', coalesce(response->>'id', response->'user'->>'id'))
       WHERE response IS NOT NULL`);
    await q.query(`DELETE FROM idempotency_record WHERE response IS NOT NULL AND response->>'id' IS NULL`);
    await q.query(
      `COMMENT ON COLUMN idempotency_record.response IS 'The created resource as {"id": …} only: never a body (answers, secrets)'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`COMMENT ON COLUMN idempotency_record.response IS NULL`);
  }
}
