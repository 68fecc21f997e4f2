import type { MigrationInterface, QueryRunner } from 'typeorm';

import { enableTenantIsolation } from './1764086400000-CreateFoundation.js';

/**
 * Clinical core: couples and partners, the exercise library with immutable versions,
 * assignments and their occurrences, check-ins, sessions and progress alerts.
 * Same tenancy rules as the foundation: clinic_id leads every key and index; RLS forced.
 */
export class CreateClinicalCore1764172800000 implements MigrationInterface {
  name = 'CreateClinicalCore1764172800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE couple (
        clinic_id     uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id            uuid NOT NULL,
        label         text CHECK (char_length(label) <= 200),
        therapist_id  uuid NOT NULL,
        status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'closed')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT couple_therapist_fk FOREIGN KEY (clinic_id, therapist_id) REFERENCES "user" (clinic_id, id)
      )`);
    await q.query(`CREATE INDEX couple_therapist_idx ON couple (clinic_id, therapist_id, status, id)`);
    await q.query(`CREATE INDEX couple_status_idx ON couple (clinic_id, status, id)`);

    await q.query(`
      CREATE TABLE couple_partner (
        clinic_id  uuid NOT NULL,
        couple_id  uuid NOT NULL,
        user_id    uuid NOT NULL,
        position   smallint NOT NULL CHECK (position IN (1, 2)),
        PRIMARY KEY (clinic_id, couple_id, user_id),
        CONSTRAINT couple_partner_position_key UNIQUE (clinic_id, couple_id, position),
        CONSTRAINT couple_partner_user_key UNIQUE (clinic_id, user_id),
        CONSTRAINT couple_partner_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT couple_partner_user_fk FOREIGN KEY (clinic_id, user_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE exercise (
        clinic_id        uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        id               uuid NOT NULL,
        builtin_key      text,
        current_version  integer NOT NULL DEFAULT 1,
        archived_at      timestamptz,
        created_by       uuid,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT exercise_builtin_key UNIQUE (clinic_id, builtin_key)
      )`);
    await q.query(`
      CREATE TABLE exercise_version (
        clinic_id        uuid NOT NULL,
        exercise_id      uuid NOT NULL,
        version          integer NOT NULL CHECK (version >= 1),
        title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        category         text NOT NULL,
        instructions     text NOT NULL CHECK (char_length(instructions) <= 10000),
        mode             text NOT NULL CHECK (mode IN ('individual', 'joint')),
        default_cadence  jsonb,
        form             jsonb NOT NULL,
        scoring          jsonb,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, exercise_id, version),
        CONSTRAINT exercise_version_exercise_fk FOREIGN KEY (clinic_id, exercise_id) REFERENCES exercise (clinic_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE assignment (
        clinic_id         uuid NOT NULL,
        id                uuid NOT NULL,
        couple_id         uuid NOT NULL,
        exercise_id       uuid NOT NULL,
        exercise_version  integer NOT NULL,
        instructions      text CHECK (char_length(instructions) <= 5000),
        schedule_type     text NOT NULL CHECK (schedule_type IN ('once', 'recurring')),
        due_at            timestamptz,
        rrule             text,
        starts_on         date,
        until             date,
        status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'cancelled', 'completed')),
        reminders         jsonb NOT NULL DEFAULT '{}'::jsonb,
        materialized_until timestamptz,
        created_by        uuid,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT assignment_schedule_check CHECK (
          (schedule_type = 'once' AND due_at IS NOT NULL AND rrule IS NULL)
          OR (schedule_type = 'recurring' AND rrule IS NOT NULL AND starts_on IS NOT NULL)),
        CONSTRAINT assignment_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT assignment_version_fk FOREIGN KEY (clinic_id, exercise_id, exercise_version) REFERENCES exercise_version (clinic_id, exercise_id, version)
      )`);
    await q.query(`CREATE INDEX assignment_couple_idx ON assignment (clinic_id, couple_id, status, id)`);

    // One due instance per partner (individual mode) or per couple (joint mode: partner_id NULL).
    await q.query(`
      CREATE TABLE occurrence (
        clinic_id      uuid NOT NULL,
        id             uuid NOT NULL,
        assignment_id  uuid NOT NULL,
        couple_id      uuid NOT NULL,
        partner_id     uuid,
        due_at         timestamptz NOT NULL,
        closes_at      timestamptz NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT occurrence_assignment_fk FOREIGN KEY (clinic_id, assignment_id) REFERENCES assignment (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT occurrence_partner_fk FOREIGN KEY (clinic_id, partner_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE UNIQUE INDEX occurrence_slot_key ON occurrence
        (clinic_id, assignment_id, due_at, coalesce(partner_id, '00000000-0000-0000-0000-000000000000'::uuid))`);
    await q.query(`CREATE INDEX occurrence_couple_due_idx ON occurrence (clinic_id, couple_id, due_at)`);
    await q.query(`CREATE INDEX occurrence_partner_due_idx ON occurrence (clinic_id, partner_id, due_at)`);

    await q.query(`
      CREATE TABLE check_in (
        clinic_id      uuid NOT NULL,
        id             uuid NOT NULL,
        occurrence_id  uuid NOT NULL,
        assignment_id  uuid NOT NULL,
        couple_id      uuid NOT NULL,
        author_id      uuid NOT NULL,
        answers        jsonb NOT NULL,
        score          jsonb,
        visibility     text NOT NULL CHECK (visibility IN ('private', 'shared')),
        is_late        boolean NOT NULL DEFAULT false,
        submitted_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT check_in_occurrence_key UNIQUE (clinic_id, occurrence_id),
        CONSTRAINT check_in_occurrence_fk FOREIGN KEY (clinic_id, occurrence_id) REFERENCES occurrence (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT check_in_author_fk FOREIGN KEY (clinic_id, author_id) REFERENCES "user" (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX check_in_couple_time_idx ON check_in (clinic_id, couple_id, submitted_at, id)`);
    await q.query(`CREATE INDEX check_in_assignment_idx ON check_in (clinic_id, assignment_id, submitted_at)`);

    await q.query(`
      CREATE TABLE therapy_session (
        clinic_id     uuid NOT NULL,
        id            uuid NOT NULL,
        couple_id     uuid NOT NULL,
        therapist_id  uuid NOT NULL,
        starts_at     timestamptz NOT NULL,
        ends_at       timestamptz NOT NULL,
        status        text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show')),
        notes         text CHECK (char_length(notes) <= 20000),
        source        text NOT NULL DEFAULT 'manual',
        external_id   text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT therapy_session_time_check CHECK (ends_at > starts_at),
        CONSTRAINT therapy_session_external_key UNIQUE (clinic_id, source, external_id),
        CONSTRAINT therapy_session_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE,
        CONSTRAINT therapy_session_therapist_fk FOREIGN KEY (clinic_id, therapist_id) REFERENCES "user" (clinic_id, id)
      )`);
    await q.query(`CREATE INDEX therapy_session_couple_idx ON therapy_session (clinic_id, couple_id, starts_at)`);
    await q.query(`CREATE INDEX therapy_session_therapist_idx ON therapy_session (clinic_id, therapist_id, starts_at)`);

    await q.query(`
      CREATE TABLE alert (
        clinic_id        uuid NOT NULL,
        id               uuid NOT NULL,
        couple_id        uuid NOT NULL,
        partner_id       uuid,
        kind             text NOT NULL CHECK (kind IN ('trust_drop', 'missed_streak', 'partners_diverging', 'measure_below_cutoff')),
        window_start     timestamptz NOT NULL,
        detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
        status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
        opened_at        timestamptz NOT NULL DEFAULT now(),
        acknowledged_at  timestamptz,
        acknowledged_by  uuid,
        PRIMARY KEY (clinic_id, id),
        CONSTRAINT alert_couple_fk FOREIGN KEY (clinic_id, couple_id) REFERENCES couple (clinic_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE UNIQUE INDEX alert_identity_key ON alert
        (clinic_id, couple_id, kind, window_start, coalesce(partner_id, '00000000-0000-0000-0000-000000000000'::uuid))`);
    await q.query(`CREATE INDEX alert_open_idx ON alert (clinic_id, status, couple_id)`);

    // A retried creating POST answers what the first one answered (keys expire after 24 h).
    await q.query(`
      CREATE TABLE idempotency_record (
        clinic_id      uuid NOT NULL REFERENCES clinic (id) ON DELETE CASCADE,
        actor_id       uuid NOT NULL,
        key            text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
        request_hash   text NOT NULL,
        status_code    integer,
        response       jsonb,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (clinic_id, actor_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_record_created_idx ON idempotency_record (clinic_id, created_at)`);

    const tables = [
      'couple',
      'couple_partner',
      'exercise',
      'exercise_version',
      'assignment',
      'occurrence',
      'check_in',
      'therapy_session',
      'alert',
      'idempotency_record',
    ];
    for (const table of tables) await enableTenantIsolation(q, table);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables.join(', ')} TO mend_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE IF EXISTS idempotency_record, alert, therapy_session, check_in, occurrence, assignment, exercise_version, exercise, couple_partner, couple`,
    );
  }
}
