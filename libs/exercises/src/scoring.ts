import type { FieldProblem } from '@mend/core';

import type { Answers, AnswerValue, CheckInForm, FormField, ScaleField, Score, Scoring } from './form.types.js';

/** Below this CSI-4 total a relationship is in the distressed range (Funk & Rogge, 2007). */
export const CSI4_CUTOFF = 13.5;
export const CSI4_MAX_TOTAL = 21;

/**
 * The CSI-4 items as the built-in form keys them, with their published scoring ranges:
 * item 1 is scored 0–6, items 2–4 are scored 0–5 (total 0–21).
 */
export const CSI4_ITEMS = [
  { key: 'happiness', min: 0, max: 6 },
  { key: 'warm_comfortable', min: 0, max: 5 },
  { key: 'rewarding', min: 0, max: 5 },
  { key: 'satisfied', min: 0, max: 5 },
] as const;

/** Trust readings are 0–10 everywhere, so windows, partners and alert thresholds compare. */
export const TRUST_PULSE_RANGE = { min: 0, max: 10 } as const;

/**
 * The safety check's questions that can indicate danger, and the answers that do. Any one of
 * them is a safety concern: the screen is for finding the partner who needs help, so it errs
 * towards telling the therapist (a false alarm costs a conversation, a miss can cost more).
 * Wanting to talk alone and the free text are read by the therapist but raise nothing by themselves.
 */
export const SAFETY_SCREEN_SIGNS: ReadonlyArray<{
  key: string;
  type: FormField['type'];
  isDanger: (answer: AnswerValue | undefined) => boolean;
}> = [
  { key: 'safe_at_home', type: 'boolean', isDanger: (a) => a === false },
  { key: 'afraid', type: 'choice', isDanger: (a) => typeof a === 'string' && a !== 'never' },
  { key: 'threatened', type: 'boolean', isDanger: (a) => a === true },
  { key: 'hurt', type: 'boolean', isDanger: (a) => a === true },
  { key: 'controlled', type: 'multi', isDanger: (a) => Array.isArray(a) && a.length > 0 },
];

/** The safety check: assigned to one partner only, and its answers are never shared. */
export function isSafetyScreen(scoring: Scoring | null | undefined): boolean {
  return scoring?.kind === 'safety_screen';
}

function isScore(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Scores validated answers. Null when the version is not scored, or when the answers lack what
 * the score needs (it never guesses a missing item).
 */
export function scoreAnswers(scoring: Scoring | null, answers: Answers): Score | null {
  if (!scoring) return null;
  switch (scoring.kind) {
    case 'trust_pulse': {
      const value = answers[scoring.field];
      if (!isScore(value, TRUST_PULSE_RANGE.min, TRUST_PULSE_RANGE.max)) return null;
      const safety = scoring.safetyField === undefined ? undefined : answers[scoring.safetyField];
      return isScore(safety, TRUST_PULSE_RANGE.min, TRUST_PULSE_RANGE.max)
        ? { kind: 'trust_pulse', value, safety }
        : { kind: 'trust_pulse', value };
    }
    case 'csi4': {
      let total = 0;
      for (const item of CSI4_ITEMS) {
        const value = answers[item.key];
        if (!isScore(value, item.min, item.max)) return null;
        total += value;
      }
      return { kind: 'csi4', value: total, isBelowCutoff: total < CSI4_CUTOFF, cutoff: CSI4_CUTOFF };
    }
    case 'safety_screen': {
      const signs = SAFETY_SCREEN_SIGNS.filter((sign) => sign.isDanger(answers[sign.key])).length;
      return { kind: 'safety_screen', value: signs, isSafetyConcern: signs > 0 };
    }
    default:
      return null;
  }
}

/**
 * Checks that a scoring rule fits the form it scores: a trust pulse needs a required 0–10 scale
 * under the named key; CSI-4 needs its four items as required scales with the published ranges.
 */
export function validateScoring(scoring: unknown, form: CheckInForm, path = 'scoring'): FieldProblem[] {
  if (scoring === null || scoring === undefined) return [];
  if (typeof scoring !== 'object' || Array.isArray(scoring))
    return [{ field: path, message: 'scoring must be an object with a kind' }];
  const rule = scoring as Record<string, unknown>;
  const scaleOf = (key: string): ScaleField | undefined =>
    form.fields.find((f): f is ScaleField => f.key === key && f.type === 'scale');
  switch (rule.kind) {
    case 'trust_pulse': {
      const extra = Object.keys(rule).filter((k) => k !== 'kind' && k !== 'field' && k !== 'safetyField');
      if (extra.length)
        return [{ field: path, message: 'a trust_pulse scoring takes only kind, field and safetyField' }];
      if (typeof rule.field !== 'string')
        return [{ field: `${path}.field`, message: "field must name the form's trust scale" }];
      const scale = scaleOf(rule.field);
      if (!scale || scale.min !== TRUST_PULSE_RANGE.min || scale.max !== TRUST_PULSE_RANGE.max || !scale.required) {
        return [
          {
            field: `${path}.field`,
            message: 'field must name a required scale field of the form running from 0 to 10',
          },
        ];
      }
      if (rule.safetyField !== undefined) {
        const safety = typeof rule.safetyField === 'string' ? scaleOf(rule.safetyField) : undefined;
        if (!safety || safety.min !== TRUST_PULSE_RANGE.min || safety.max !== TRUST_PULSE_RANGE.max)
          return [
            {
              field: `${path}.safetyField`,
              message: 'safetyField must name a scale field of the form running from 0 to 10',
            },
          ];
      }
      return [];
    }
    case 'csi4': {
      if (Object.keys(rule).some((k) => k !== 'kind'))
        return [{ field: path, message: 'a csi4 scoring takes only kind' }];
      const missing = CSI4_ITEMS.filter((item) => {
        const scale = scaleOf(item.key);
        return !scale || scale.min !== item.min || scale.max !== item.max || !scale.required;
      });
      if (missing.length === 0) return [];
      return [
        {
          field: path,
          message: `csi4 scoring needs required scale fields ${CSI4_ITEMS.map((i) => `${i.key} (${i.min}–${i.max})`).join(', ')}; these are missing or different: ${missing.map((i) => i.key).join(', ')}`,
        },
      ];
    }
    case 'safety_screen': {
      if (Object.keys(rule).some((k) => k !== 'kind'))
        return [{ field: path, message: 'a safety_screen scoring takes only kind' }];
      const missing = SAFETY_SCREEN_SIGNS.filter(
        (sign) => !form.fields.some((f) => f.key === sign.key && f.type === sign.type),
      );
      if (missing.length === 0) return [];
      return [
        {
          field: path,
          message: `safety_screen scoring needs fields ${SAFETY_SCREEN_SIGNS.map((s) => `${s.key} (${s.type})`).join(', ')}; these are missing or different: ${missing.map((s) => s.key).join(', ')}`,
        },
      ];
    }
    default:
      return [{ field: `${path}.kind`, message: 'kind must be trust_pulse or csi4' }];
  }
}
