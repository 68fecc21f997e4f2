import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Foundation schema: clinics, users, auth tokens, invitations, API keys, audit log, outbox.
 *
 * Tenancy rules every later migration follows:
 * - tenant tables carry `clinic_id NOT NULL`, first in the primary key, every unique
 *   constraint, foreign key and index (so the schema can be distributed by clinic_id);
 * - row-level security is ENABLED and FORCED with the `tenant_isolation` policy on
 *   `app.clinic_id`, set per transaction by the application;
 * - the application role `mend_app` gets only the privileges it needs (audit is append-only).
 */
export class CreateFoundation1764086400000 implements MigrationInterface {
  name = 'CreateFoundation1764086400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mend_app') THEN
          CREATE ROLE mend_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$`);

    await q.query(`
      CREATE FUNCTION mend_current_clinic() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT nullif(current_setting('app.clinic_id', true), '')::uuid $$`);

    await q.query(`
      CREATE TABLE clinic (
        id          uuid PRIMARY KEY,
        name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        slug        text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$'),
        timezone    text NOT NULL,
        settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT clinic_slug_key UNIQUE (slug)
      )`);

    await q.query(`
      CREATE TABLE "user" (
        clinic_id          uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id                 uuid NOT NULL,
        email              text NOT NULL CHECK (email = lower(email) AND char_length(email) <= 254),
        name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        role               text NOT NULL CHECK (role IN ('admin', 'therapist', 'client')),
        password_hash      text,
        timezone           text NOT NULL,
        locale             text NOT NULL DEFAULT 'en',
        quiet_hours_start  time,
        quiet_hours_end    time,
        disabled_at        timestamptz,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT user_email_key UNIQUE (clinic_id, email)
      )`);
    await q.query(`CREATE INDEX user_role_idx ON "user" (clinic_id, role, id)`);

    await q.query(`
      CREATE TABLE refresh_token (
        clinic_id       uuid NOT NULL,
        id              uuid NOT NULL,
        user_id         uuid NOT NULL,
        family_id       uuid NOT NULL,
        token_hash      text NOT NULL,
        expires_at      timestamptz NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        rotated_at      timestamptz,
        revoked_at      timestamptz,
        revoked_reason  text,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT refresh_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT refresh_token_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX refresh_token_family_idx ON refresh_token (clinic_id, family_id)`);
    await q.query(`CREATE INDEX refresh_token_user_idx ON refresh_token (clinic_id, user_id)`);

    await q.query(`
      CREATE TABLE invitation (
        clinic_id    uuid NOT NULL,
        id           uuid NOT NULL,
        user_id      uuid NOT NULL,
        token_hash   text NOT NULL,
        expires_at   timestamptz NOT NULL,
        accepted_at  timestamptz,
        revoked_at   timestamptz,
        created_by   uuid,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT invitation_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT invitation_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX invitation_user_idx ON invitation (clinic_id, user_id)`);

    await q.query(`
      CREATE TABLE api_key (
        clinic_id     uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id            uuid NOT NULL,
        name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        key_prefix    text NOT NULL,
        key_hash      text NOT NULL,
        scopes        text[] NOT NULL,
        created_by    uuid,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT api_key_hash_key UNIQUE (clinic_id, key_hash)
      )`);

    await q.query(`
      CREATE TABLE audit_event (
        clinic_id      uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id             uuid NOT NULL,
        occurred_at    timestamptz NOT NULL DEFAULT now(),
        actor_type     text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'anonymous')),
        actor_id       uuid,
        action         text NOT NULL,
        resource_type  text,
        resource_id    uuid,
        outcome        text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        request_id     text,
        ip             text,
        PRIMARY KEY (clinic_id, id)
      )`);
    await q.query(`CREATE INDEX audit_event_time_idx ON audit_event (clinic_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_event_resource_idx ON audit_event (clinic_id, resource_type, resource_id)`);

    await q.query(`
      CREATE TABLE outbox (
        clinic_id     uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id            uuid NOT NULL,
        queue         text NOT NULL,
        job_name      text NOT NULL,
        payload       jsonb NOT NULL,
        available_at  timestamptz NOT NULL DEFAULT now(),
        published_at  timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id)
      )`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (clinic_id, available_at) WHERE published_at IS NULL`);

    for (const table of ['"user"', 'refresh_token', 'invitation', 'api_key', 'audit_event', 'outbox']) {
      await enableTenantIsolation(q, table);
    }
    // The clinic row is its own tenant: it is visible only inside its own clinic's transaction.
    await q.query(`ALTER TABLE clinic ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE clinic FORCE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY tenant_isolation ON clinic USING (id = mend_current_clinic()) WITH CHECK (id = mend_current_clinic())`,
    );

    // Narrow, id-only lookups that must work before a clinic is known (login by slug, the
    // worker's fan-out). They run as the owner (which may bypass RLS) and return no content.
    await q.query(`
      CREATE FUNCTION mend_clinic_id_by_slug(p_slug text) RETURNS uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT id FROM clinic WHERE slug = p_slug $$`);
    await q.query(`
      CREATE FUNCTION mend_clinic_ids() RETURNS SETOF uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT id FROM clinic ORDER BY id $$`);
    await q.query(`
      CREATE FUNCTION mend_outbox_due(p_limit integer) RETURNS TABLE (clinic_id uuid, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ SELECT o.clinic_id, o.id FROM outbox o
            WHERE o.published_at IS NULL AND o.available_at <= now()
            ORDER BY o.available_at, o.id LIMIT p_limit $$`);

    await q.query(`GRANT USAGE ON SCHEMA public TO mend_app`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON clinic, "user", refresh_token, invitation, api_key, outbox TO mend_app`,
    );
    // Audit is append-only for the application.
    await q.query(`GRANT SELECT, INSERT ON audit_event TO mend_app`);
    for (const fn of [
      'mend_current_clinic()',
      'mend_clinic_id_by_slug(text)',
      'mend_clinic_ids()',
      'mend_outbox_due(integer)',
    ]) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO mend_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS mend_outbox_due(integer), mend_clinic_ids(), mend_clinic_id_by_slug(text)`);
    await q.query(`DROP TABLE IF EXISTS outbox, audit_event, api_key, invitation, refresh_token, "user", clinic`);
    await q.query(`DROP FUNCTION IF EXISTS mend_current_clinic()`);
  }
}

export async function enableTenantIsolation(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await q.query(
    `CREATE POLICY tenant_isolation ON ${table} USING (clinic_id = mend_current_clinic()) WITH CHECK (clinic_id = mend_current_clinic())`,
  );
}
