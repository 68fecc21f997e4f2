import type { EntityManager } from 'typeorm';

import { newId } from '@mend/core';

import { BUILTIN_EXERCISES, type BuiltinExercise } from './builtin-exercises.js';
import { exercisesRepository } from './exercises.repository.js';

/**
 * Makes the clinic's copy of the built-in library match the catalog in code. Built-ins are rows
 * like any exercise (so assignments reference them by (exercise_id, version) with a foreign key),
 * synced lazily on first use. When in sync this is one indexed query; a built-in whose catalog
 * version rose gets the new version added beside the old, which its assignments keep.
 * Safe to run concurrently: syncs meet on the (clinic_id, builtin_key) unique key.
 */
export async function ensureBuiltins(tx: EntityManager, clinicId: string): Promise<void> {
  const synced = await exercisesRepository.builtinVersions(tx, clinicId);
  const stale = BUILTIN_EXERCISES.filter((builtin) => (synced.get(builtin.key) ?? 0) < builtin.version);
  for (const builtin of stale) await syncBuiltin(tx, clinicId, builtin);
}

async function syncBuiltin(tx: EntityManager, clinicId: string, builtin: BuiltinExercise): Promise<void> {
  const id = await exercisesRepository.claimBuiltin(tx, clinicId, newId(), builtin.key, builtin.version);
  await exercisesRepository.insertVersion(
    tx,
    clinicId,
    id,
    builtin.version,
    {
      title: builtin.title,
      category: builtin.category,
      instructions: builtin.instructions,
      mode: builtin.mode,
      defaultCadence: builtin.defaultCadence,
      form: builtin.form,
      scoring: builtin.scoring,
    },
    { ifAbsent: true },
  );
  await exercisesRepository.advanceVersion(tx, clinicId, id, builtin.version);
}

/** The clinic's id for a built-in (syncing first), e.g. for demo data or tests that assign one. */
export async function builtinExerciseId(tx: EntityManager, clinicId: string, key: string): Promise<string> {
  await ensureBuiltins(tx, clinicId);
  const rows: Array<{ id: string }> = await tx.query(
    `SELECT id FROM exercise WHERE clinic_id = $1 AND builtin_key = $2`,
    [clinicId, key],
  );
  if (!rows[0]) throw new Error(`No built-in exercise with key ${key}`);
  return rows[0].id;
}
