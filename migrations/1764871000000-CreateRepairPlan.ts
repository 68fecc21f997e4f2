import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * The repair plan: the agreements a couple makes with their therapist (what, who keeps it, how
 * often), and each partner's rating of how well each was kept and whether it still fits.
 * - `repair_plan_version`: every change of the plan is a new version holding the whole plan
 *   (agreements as written then) and what changed, by whom, when; old versions stay readable.
 * - `repair_agreement`: an agreement's identity across versions (ratings point at it); retired
 *   when a version drops it.
 * - `repair_agreement_rating`: one rating per partner, agreement and period — the partner's local
 *   week, or a completed session — replaced when the partner rates that period again.
 * Same tenancy rules as the clinical core: clinic_id leads every key and index; RLS forced. All
 * of it hangs off the couple, so erasing the couple removes it.
 */
export class CreateRepairPlan1764871000000 implements MigrationInterface {
  name = 'CreateRepairPlan1764871000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repair_plan_version (
        clinic_id   uuid NOT NULL,
        couple_id   uuid NOT NULL,
        version     integer NOT NULL CHECK (version >= 1),
        agreements  jsonb NOT NULL CHECK (jsonb_typeof(agreements) = 'array'),
        changes     jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array'),
        changed_by  uuid NOT NULL,
        changed_at  timestamptz NOT NULL,
        PRIMARY KEY (clinic_id, couple_id, version),
        CONSTRAINT repair_plan_version_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE repair_agreement (
        clinic_id        uuid NOT NULL,
        id               uuid NOT NULL,
        couple_id        uuid NOT NULL,
        added_version    integer NOT NULL,
        retired_version  integer,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT repair_agreement_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX repair_agreement_couple_idx ON repair_agreement (clinic_id, couple_id, id)`);
    await q.query(`
      CREATE TABLE repair_agreement_rating (
        clinic_id     uuid NOT NULL,
        id            uuid NOT NULL,
        couple_id     uuid NOT NULL,
        agreement_id  uuid NOT NULL,
        partner_id    uuid NOT NULL,
        plan_version  integer NOT NULL,
        week_start    date,
        session_id    uuid,
        kept          smallint NOT NULL CHECK (kept BETWEEN 0 AND 10),
        still_fits    boolean NOT NULL,
        note          text CHECK (char_length(note) <= 2000),
        rated_at      timestamptz NOT NULL,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT repair_agreement_rating_period_check CHECK ((week_start IS NULL) <> (session_id IS NULL)),
        CONSTRAINT repair_agreement_rating_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT repair_agreement_rating_agreement_fk FOREIGN KEY (clinic_id, agreement_id) REFERENCES repair_agreement (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT repair_agreement_rating_partner_fk FOREIGN KEY (clinic_id, partner_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT repair_agreement_rating_session_fk FOREIGN KEY (clinic_id, session_id) REFERENCES therapy_session (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE UNIQUE INDEX repair_agreement_rating_week_key ON repair_agreement_rating (clinic_id, agreement_id, partner_id, week_start)
        WHERE week_start IS NOT NULL`);
    await q.query(`
      CREATE UNIQUE INDEX repair_agreement_rating_session_key ON repair_agreement_rating (clinic_id, agreement_id, partner_id, session_id)
        WHERE session_id IS NOT NULL`);
    // The progress trend and the caseload's latest rating per agreement and partner.
    await q.query(`
      CREATE INDEX repair_agreement_rating_couple_idx ON repair_agreement_rating (clinic_id, couple_id, agreement_id, partner_id, rated_at)`);
    const tables = ['repair_plan_version', 'repair_agreement', 'repair_agreement_rating'];
    for (const table of tables) await enableTenantIsolation(q, table);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables.join(', ')} TO mend_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS repair_agreement_rating, repair_agreement, repair_plan_version`);
  }
}
