import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Account security (issue #14): password resets, TOTP second factor with recovery codes, and an
 * absolute lifetime per refresh-token family.
 *
 * - `password_reset`: a single-use emailed link. The API stores the request without a token; the
 *   worker mints the token, stores only its hash and emails it (like invitations).
 * - `user.mfa_secret` holds the TOTP secret encrypted (AES-256-GCM, key derived from JWT_SECRET):
 *   unlike a password it must be read back to verify a code, so it cannot be hashed.
 * - `refresh_token.family_expires_at`: set at sign-in and copied on rotation, so rotating never
 *   extends a sign-in beyond its absolute lifetime.
 * - `mend_access_role` looks the family up (it must exist for this user, be unrevoked and
 *   unexpired) instead of only checking that no revoked row carries its id.
 */
export class AddAccountSecurity1764800000000 implements MigrationInterface {
  name = 'AddAccountSecurity1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "user"
        ADD COLUMN mfa_secret text,
        ADD COLUMN mfa_enabled_at timestamptz,
        ADD COLUMN mfa_last_step bigint,
        ADD COLUMN password_changed_at timestamptz`);

    await q.query(`ALTER TABLE refresh_token ADD COLUMN family_expires_at timestamptz`);
    await q.query(`
      UPDATE refresh_token r SET family_expires_at = f.started + interval '30 days'
        FROM (SELECT clinic_id, family_id, min(created_at) AS started FROM refresh_token GROUP BY 1, 2) f
       WHERE f.clinic_id = r.clinic_id AND f.family_id = r.family_id`);
    await q.query(`ALTER TABLE refresh_token ALTER COLUMN family_expires_at SET NOT NULL`);

    await q.query(`
      CREATE TABLE password_reset (
        clinic_id    uuid NOT NULL,
        id           uuid NOT NULL,
        user_id      uuid NOT NULL,
        token_hash   text,
        expires_at   timestamptz NOT NULL,
        used_at      timestamptz,
        created_at   timestamptz NOT NULL DEFAULT mend_now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT password_reset_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT password_reset_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX password_reset_user_idx ON password_reset (clinic_id, user_id)`);

    await q.query(`
      CREATE TABLE mfa_recovery_code (
        clinic_id   uuid NOT NULL,
        id          uuid NOT NULL,
        user_id     uuid NOT NULL,
        code_hash   text NOT NULL,
        used_at     timestamptz,
        created_at  timestamptz NOT NULL DEFAULT mend_now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT mfa_recovery_code_hash_key UNIQUE (clinic_id, user_id, code_hash),
        CONSTRAINT mfa_recovery_code_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);

    for (const table of ['password_reset', 'mfa_recovery_code']) {
      await enableTenantIsolation(q, table);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO mend_app`);
    }

    await q.query(`
      CREATE OR REPLACE FUNCTION mend_access_role(p_clinic_id uuid, p_user_id uuid, p_family_id uuid) RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT u.role FROM "user" u
             WHERE u.clinic_id = p_clinic_id AND u.id = p_user_id AND u.disabled_at IS NULL
               AND EXISTS (SELECT 1 FROM refresh_token r
                            WHERE r.clinic_id = p_clinic_id AND r.family_id = p_family_id
                              AND r.user_id = p_user_id AND r.family_expires_at > mend_now())
               AND NOT EXISTS (SELECT 1 FROM refresh_token r
                                WHERE r.clinic_id = p_clinic_id AND r.family_id = p_family_id AND r.revoked_at IS NOT NULL) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION mend_access_role(p_clinic_id uuid, p_user_id uuid, p_family_id uuid) RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT u.role FROM "user" u
             WHERE u.clinic_id = p_clinic_id AND u.id = p_user_id AND u.disabled_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM refresh_token r
                                WHERE r.clinic_id = p_clinic_id AND r.family_id = p_family_id AND r.revoked_at IS NOT NULL) $$`);
    await q.query(`DROP TABLE IF EXISTS mfa_recovery_code, password_reset`);
    await q.query(`ALTER TABLE refresh_token DROP COLUMN IF EXISTS family_expires_at`);
    await q.query(
      `ALTER TABLE "user" DROP COLUMN IF EXISTS mfa_secret, DROP COLUMN IF EXISTS mfa_enabled_at,
         DROP COLUMN IF EXISTS mfa_last_step, DROP COLUMN IF EXISTS password_changed_at`,
    );
  }
}
