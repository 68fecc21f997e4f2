import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

import { exerciseOpens, type ExerciseCategory, type ExerciseVersionView, type ExerciseView } from './exercise.types.js';
import type { Cadence, CheckInForm, ExerciseMode, Scoring } from './form.types.js';

/** An exercise joined with its current version. */
export interface ExerciseRow {
  id: string;
  builtin_key: string | null;
  current_version: number;
  archived_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  title: string;
  category: ExerciseCategory;
  instructions: string;
  mode: ExerciseMode;
  default_cadence: Cadence | null;
  form: CheckInForm;
  scoring: Scoring | null;
}

interface VersionRow {
  exercise_id: string;
  version: number;
  builtin_key: string | null;
  title: string;
  category: ExerciseCategory;
  instructions: string;
  mode: ExerciseMode;
  default_cadence: Cadence | null;
  form: CheckInForm;
  scoring: Scoring | null;
  created_at: Date;
}

export interface VersionContent {
  title: string;
  category: ExerciseCategory;
  instructions: string;
  mode: ExerciseMode;
  defaultCadence: Cadence | null;
  form: CheckInForm;
  scoring: Scoring | null;
}

const SELECT_CURRENT = `
  SELECT e.id, e.builtin_key, e.current_version, e.archived_at, e.created_by, e.created_at, e.updated_at,
         v.title, v.category, v.instructions, v.mode, v.default_cadence, v.form, v.scoring
  FROM exercise e
  JOIN exercise_version v ON v.clinic_id = e.clinic_id AND v.exercise_id = e.id AND v.version = e.current_version`;

export function toExerciseView(row: ExerciseRow): ExerciseView {
  return {
    id: row.id,
    builtinKey: row.builtin_key,
    isBuiltin: row.builtin_key !== null,
    version: row.current_version,
    title: row.title,
    category: row.category,
    instructions: row.instructions,
    mode: row.mode,
    defaultCadence: row.default_cadence,
    opens: exerciseOpens(row.default_cadence),
    form: row.form,
    scoring: row.scoring,
    archivedAt: row.archived_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersionView(row: VersionRow): ExerciseVersionView {
  return {
    exerciseId: row.exercise_id,
    version: row.version,
    builtinKey: row.builtin_key,
    title: row.title,
    category: row.category,
    instructions: row.instructions,
    mode: row.mode,
    defaultCadence: row.default_cadence,
    form: row.form,
    scoring: row.scoring,
    createdAt: row.created_at,
  };
}

/** Plain SQL, every statement keyed by clinic_id first (RLS is the second wall). */
export const exercisesRepository = {
  async findById(
    tx: EntityManager,
    clinicId: string,
    id: string,
    options: { lock?: boolean } = {},
  ): Promise<ExerciseRow | null> {
    const rows: ExerciseRow[] = await tx.query(
      `${SELECT_CURRENT} WHERE e.clinic_id = $1 AND e.id = $2 ${options.lock ? 'FOR UPDATE OF e' : ''}`,
      [clinicId, id],
    );
    return rows[0] ?? null;
  },

  async list(
    tx: EntityManager,
    clinicId: string,
    filter: {
      category?: string;
      mode?: string;
      source?: 'builtin' | 'clinic';
      includeArchived: boolean;
      afterId?: string;
      limit: number;
    },
  ): Promise<ExerciseRow[]> {
    return tx.query(
      `${SELECT_CURRENT}
       WHERE e.clinic_id = $1
         AND ($2::text IS NULL OR v.category = $2)
         AND ($3::text IS NULL OR v.mode = $3)
         AND ($4::text IS NULL OR ($4 = 'builtin') = (e.builtin_key IS NOT NULL))
         AND ($5 OR e.archived_at IS NULL)
         AND ($6::uuid IS NULL OR e.id > $6)
       ORDER BY e.id
       LIMIT $7`,
      [
        clinicId,
        filter.category ?? null,
        filter.mode ?? null,
        filter.source ?? null,
        filter.includeArchived,
        filter.afterId ?? null,
        filter.limit,
      ],
    );
  },

  async insertExercise(tx: EntityManager, row: { clinicId: string; id: string; createdBy: string }): Promise<void> {
    await tx.query(`INSERT INTO exercise (clinic_id, id, current_version, created_by) VALUES ($1, $2, 1, $3)`, [
      row.clinicId,
      row.id,
      row.createdBy,
    ]);
  },

  async insertVersion(
    tx: EntityManager,
    clinicId: string,
    exerciseId: string,
    version: number,
    content: VersionContent,
    options: { ifAbsent?: boolean } = {},
  ): Promise<void> {
    await tx.query(
      `INSERT INTO exercise_version (clinic_id, exercise_id, version, title, category, instructions, mode, default_cadence, form, scoring)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb)
       ${options.ifAbsent ? 'ON CONFLICT (clinic_id, exercise_id, version) DO NOTHING' : ''}`,
      [
        clinicId,
        exerciseId,
        version,
        content.title,
        content.category,
        content.instructions,
        content.mode,
        content.defaultCadence ? JSON.stringify(content.defaultCadence) : null,
        JSON.stringify(content.form),
        content.scoring ? JSON.stringify(content.scoring) : null,
      ],
    );
  },

  /** Moves the exercise to a newer version; never backwards (a stale writer changes nothing). */
  async advanceVersion(tx: EntityManager, clinicId: string, id: string, version: number): Promise<void> {
    await queryRows(
      tx,
      `UPDATE exercise SET current_version = $3, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2 AND current_version < $3 RETURNING id`,
      [clinicId, id, version],
    );
  },

  async setArchived(tx: EntityManager, clinicId: string, id: string, isArchived: boolean): Promise<void> {
    await queryRows(
      tx,
      `UPDATE exercise SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, mend_now()) ELSE NULL END, updated_at = mend_now()
       WHERE clinic_id = $1 AND id = $2 RETURNING id`,
      [clinicId, id, isArchived],
    );
  },

  async findVersion(
    tx: EntityManager,
    clinicId: string,
    exerciseId: string,
    version: number,
  ): Promise<ExerciseVersionView | null> {
    const rows: VersionRow[] = await tx.query(
      `SELECT v.exercise_id, v.version, e.builtin_key, v.title, v.category, v.instructions, v.mode, v.default_cadence, v.form, v.scoring, v.created_at
       FROM exercise_version v JOIN exercise e ON e.clinic_id = v.clinic_id AND e.id = v.exercise_id
       WHERE v.clinic_id = $1 AND v.exercise_id = $2 AND v.version = $3`,
      [clinicId, exerciseId, version],
    );
    return rows[0] ? toVersionView(rows[0]) : null;
  },

  /** The synced built-ins of a clinic and the catalog version each is at. */
  async builtinVersions(tx: EntityManager, clinicId: string): Promise<Map<string, number>> {
    const rows: Array<{ builtin_key: string; current_version: number }> = await tx.query(
      `SELECT builtin_key, current_version FROM exercise WHERE clinic_id = $1 AND builtin_key IS NOT NULL`,
      [clinicId],
    );
    return new Map(rows.map((r) => [r.builtin_key, r.current_version]));
  },

  /** Claims the clinic's row for a built-in (concurrent syncs meet on the unique key) and answers its id. */
  async claimBuiltin(tx: EntityManager, clinicId: string, id: string, key: string, version: number): Promise<string> {
    await tx.query(
      `INSERT INTO exercise (clinic_id, id, builtin_key, current_version) VALUES ($1, $2, $3, $4) ON CONFLICT (clinic_id, builtin_key) DO NOTHING`,
      [clinicId, id, key, version],
    );
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT id FROM exercise WHERE clinic_id = $1 AND builtin_key = $2 FOR UPDATE`,
      [clinicId, key],
    );
    return rows[0].id;
  },
};
