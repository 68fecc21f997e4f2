import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Check-in links and the short sessions of the client check-in page.
 *
 * `check_in_link`: one row per link a reminder carries (per partner and occurrence; an occurrence
 * may have many). Only the SHA-256 of the token is stored. A link works until `expires_at` (the
 * occurrence's close, never more than 7 days after issue), until revoked, or until the assignment
 * is cancelled (checked when the link is used). Deleting the occurrence deletes its links.
 *
 * `check_in_page_session`: created by the Continue button of a link's landing page (never by
 * opening the link), identified by a cookie whose hash is stored here; bound to one link, so to one
 * partner and one occurrence. Idle after `idle_expires_at`, over at `expires_at` whatever happens.
 */
export class CreateCheckInLinks1764432000000 implements MigrationInterface {
  name = 'CreateCheckInLinks1764432000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE check_in_link (
        clinic_id      uuid NOT NULL,
        id             uuid NOT NULL,
        occurrence_id  uuid NOT NULL,
        partner_id     uuid NOT NULL,
        token_hash     text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        expires_at     timestamptz NOT NULL,
        revoked_at     timestamptz,
        revoked_by     uuid,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT check_in_link_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT check_in_link_lifetime_check CHECK (expires_at > created_at AND expires_at <= created_at + interval '7 days'),
        CONSTRAINT check_in_link_occurrence_fk FOREIGN KEY (clinic_id, occurrence_id) REFERENCES occurrence (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT check_in_link_partner_fk FOREIGN KEY (clinic_id, partner_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX check_in_link_occurrence_idx ON check_in_link (clinic_id, occurrence_id)`);
    await q.query(`CREATE INDEX check_in_link_partner_idx ON check_in_link (clinic_id, partner_id)`);
    await q.query(
      `COMMENT ON COLUMN check_in_link.token_hash IS 'SHA-256 (hex) of the emailed token; the token itself is never stored or logged'`,
    );

    await q.query(`
      CREATE TABLE check_in_page_session (
        clinic_id        uuid NOT NULL,
        id               uuid NOT NULL,
        token_hash       text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        link_id          uuid NOT NULL,
        occurrence_id    uuid NOT NULL,
        partner_id       uuid NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        last_seen_at     timestamptz NOT NULL DEFAULT now(),
        idle_expires_at  timestamptz NOT NULL,
        expires_at       timestamptz NOT NULL,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT check_in_page_session_token_hash_key UNIQUE (clinic_id, token_hash),
        CONSTRAINT check_in_page_session_expiry_check CHECK (idle_expires_at <= expires_at AND expires_at > created_at),
        CONSTRAINT check_in_page_session_link_fk FOREIGN KEY (clinic_id, link_id) REFERENCES check_in_link (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT check_in_page_session_occurrence_fk FOREIGN KEY (clinic_id, occurrence_id) REFERENCES occurrence (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT check_in_page_session_partner_fk FOREIGN KEY (clinic_id, partner_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX check_in_page_session_link_idx ON check_in_page_session (clinic_id, link_id)`);
    await q.query(
      `CREATE INDEX check_in_page_session_occurrence_idx ON check_in_page_session (clinic_id, occurrence_id)`,
    );
    await q.query(`CREATE INDEX check_in_page_session_partner_idx ON check_in_page_session (clinic_id, partner_id)`);
    await q.query(`CREATE INDEX check_in_page_session_expiry_idx ON check_in_page_session (clinic_id, expires_at)`);

    for (const table of ['check_in_link', 'check_in_page_session']) await enableTenantIsolation(q, table);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON check_in_link, check_in_page_session TO mend_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS check_in_page_session, check_in_link`);
  }
}
