import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 5545 SEQUENCE for calendar feeds: a session's revision number, raised by the database on
 * every change a calendar shows (times or status), whichever code path makes it (staff, an API
 * key, a Cal.com or Calendly event). Calendars ignore an update whose SEQUENCE did not grow.
 */
export class AddSessionSequence1764820000000 implements MigrationInterface {
  name = 'AddSessionSequence1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE therapy_session ADD COLUMN sequence integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION therapy_session_next_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.sequence := OLD.sequence + 1;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER therapy_session_sequence BEFORE UPDATE ON therapy_session FOR EACH ROW
        WHEN ((OLD.starts_at, OLD.ends_at, OLD.status) IS DISTINCT FROM (NEW.starts_at, NEW.ends_at, NEW.status))
        EXECUTE FUNCTION therapy_session_next_sequence()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER therapy_session_sequence ON therapy_session`);
    await q.query(`DROP FUNCTION therapy_session_next_sequence()`);
    await q.query(`ALTER TABLE therapy_session DROP COLUMN sequence`);
  }
}
