import type { Cadence, CheckInForm, ExerciseMode, Scoring } from './form.types.js';

/** The library's shelves; each maps to a pillar of the trust-repair approach, plus scored measures. */
export const EXERCISE_CATEGORIES = [
  'communication',
  'repair_plan',
  'honesty',
  'time_together',
  'caring',
  'support',
  'measure',
] as const;
export type ExerciseCategory = (typeof EXERCISE_CATEGORIES)[number];

export const EXERCISE_MODES = ['individual', 'joint'] as const satisfies readonly ExerciseMode[];

/** One immutable version of an exercise: what an assignment was given and what its check-ins answer. */
export interface ExerciseVersionView {
  exerciseId: string;
  version: number;
  /** Set for built-ins (stable across clinics); null for a clinic's own exercises. */
  builtinKey: string | null;
  title: string;
  category: ExerciseCategory;
  instructions: string;
  mode: ExerciseMode;
  defaultCadence: Cadence | null;
  form: CheckInForm;
  scoring: Scoring | null;
  createdAt: Date;
}

/**
 * When an exercise's homework opens for check-ins: `on_assign` (a one-off such as a letter: from
 * when it is assigned, so it can be written days ahead) or `window` (recurring: a window before
 * each due time). Follows the default cadence; an assignment's own schedule decides in the end.
 */
export type ExerciseOpens = 'on_assign' | 'window';

export function exerciseOpens(defaultCadence: Cadence | null): ExerciseOpens {
  return defaultCadence?.type === 'once' ? 'on_assign' : 'window';
}

/** An exercise as the library shows it: its current version plus library state. */
export interface ExerciseView {
  id: string;
  builtinKey: string | null;
  isBuiltin: boolean;
  /** The current version; an edit adds a version, assignments keep the one they were given. */
  version: number;
  title: string;
  category: ExerciseCategory;
  instructions: string;
  mode: ExerciseMode;
  defaultCadence: Cadence | null;
  opens: ExerciseOpens;
  form: CheckInForm;
  scoring: Scoring | null;
  archivedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The content of a version, as a clinic writes it. */
export interface ExerciseContentInput {
  title: string;
  category: ExerciseCategory;
  instructions: string;
  mode: ExerciseMode;
  defaultCadence?: Cadence | null;
  form: CheckInForm;
  scoring?: Scoring | null;
}

export type CreateExerciseInput = ExerciseContentInput;

/** Any content field given makes a new version; `archived` alone only moves the exercise on or off the shelf. */
export interface UpdateExerciseInput extends Partial<ExerciseContentInput> {
  archived?: boolean;
}

export interface ListExercisesQuery {
  category?: ExerciseCategory;
  mode?: ExerciseMode;
  /** `builtin`: only the shipped library; `clinic`: only the clinic's own. */
  source?: 'builtin' | 'clinic';
  includeArchived?: boolean;
  limit: number;
  cursor?: string;
}
