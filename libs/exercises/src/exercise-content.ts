import type { FieldProblem } from '@mend/core';

import { normalizeCadence, validateCadence } from './cadence.js';
import { EXERCISE_CATEGORIES, EXERCISE_MODES, type ExerciseContentInput } from './exercise.types.js';
import type { VersionContent } from './exercises.repository.js';
import type { CheckInForm, Scoring } from './form.types.js';
import { normalizeForm, validateFormDefinition } from './form.validator.js';
import { validateScoring } from './scoring.js';

export const EXERCISE_LIMITS = { maxTitleLength: 200, maxInstructionsLength: 10000 } as const;

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max;
}

/**
 * Every problem with the content of an exercise version: the request layer checks shapes, this
 * checks the whole (form fields, scoring that fits the form, the cadence's RRULE) for any caller.
 */
export function validateExerciseContent(content: Partial<Record<keyof ExerciseContentInput, unknown>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isText(content.title, EXERCISE_LIMITS.maxTitleLength))
    problems.push({ field: 'title', message: `title must be 1 to ${EXERCISE_LIMITS.maxTitleLength} characters` });
  if (!(EXERCISE_CATEGORIES as readonly unknown[]).includes(content.category)) {
    problems.push({ field: 'category', message: `category must be one of ${EXERCISE_CATEGORIES.join(', ')}` });
  }
  if (!isText(content.instructions, EXERCISE_LIMITS.maxInstructionsLength)) {
    problems.push({
      field: 'instructions',
      message: `instructions must be 1 to ${EXERCISE_LIMITS.maxInstructionsLength} characters`,
    });
  }
  if (!(EXERCISE_MODES as readonly unknown[]).includes(content.mode))
    problems.push({ field: 'mode', message: 'mode must be individual or joint' });
  problems.push(...validateCadence(content.defaultCadence, 'defaultCadence'));
  const formProblems = validateFormDefinition(content.form, 'form');
  problems.push(...formProblems);
  // Scoring is checked against the form only once the form itself is sound.
  if (formProblems.length === 0)
    problems.push(...validateScoring(content.scoring, content.form as CheckInForm, 'scoring'));
  return problems;
}

/** The stored shape of valid content: trimmed text, only known properties. */
export function normalizeContent(content: ExerciseContentInput): VersionContent {
  return {
    title: content.title.trim(),
    category: content.category,
    instructions: content.instructions.trim(),
    mode: content.mode,
    defaultCadence: normalizeCadence(content.defaultCadence),
    form: normalizeForm(content.form),
    scoring: normalizeScoring(content.scoring),
  };
}

function normalizeScoring(scoring: Scoring | null | undefined): Scoring | null {
  if (!scoring) return null;
  // The safety field is kept: without it a clinic's own (or copied) pulse would stop watching safety answers.
  if (scoring.kind === 'trust_pulse')
    return scoring.safetyField === undefined
      ? { kind: 'trust_pulse', field: scoring.field }
      : { kind: 'trust_pulse', field: scoring.field, safetyField: scoring.safetyField };
  return scoring.kind === 'csi4' ? { kind: 'csi4' } : { kind: 'safety_screen' };
}
