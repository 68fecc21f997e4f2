import { BUILTIN_EXERCISES, BUILTIN_KEYS, builtinByKey } from './builtin-exercises.js';
import { validateCadence } from './cadence.js';
import { validateExerciseContent } from './exercise-content.js';
import { EXERCISE_CATEGORIES } from './exercise.types.js';
import type { ScaleField } from './form.types.js';
import { validateFormDefinition } from './form.validator.js';
import { validateScoring } from './scoring.js';

describe('built-in exercises', () => {
  it('ships at least ten, with unique stable keys and a catalog version each', () => {
    expect(BUILTIN_EXERCISES.length).toBeGreaterThanOrEqual(10);
    expect(new Set(BUILTIN_KEYS).size).toBe(BUILTIN_KEYS.length);
    for (const builtin of BUILTIN_EXERCISES) {
      expect(builtin.key).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(Number.isInteger(builtin.version) && builtin.version >= 1).toBe(true);
    }
  });

  it('covers every category and both modes', () => {
    expect(new Set(BUILTIN_EXERCISES.map((b) => b.category))).toEqual(new Set(EXERCISE_CATEGORIES));
    expect(new Set(BUILTIN_EXERCISES.map((b) => b.mode))).toEqual(new Set(['individual', 'joint']));
  });

  it("covers the article's practices", () => {
    for (const key of [
      'breach_conversation',
      'repair_plan',
      'plan_check_in',
      'honesty_log',
      'letter_instead_of_fight',
      'device_free_date',
      'caring_gestures',
      'listening_support',
      'trust_pulse',
      'csi4',
    ]) {
      expect(builtinByKey(key)).toBeDefined();
    }
    expect(builtinByKey('repair_plan')!.mode).toBe('joint');
    expect(builtinByKey('device_free_date')!.mode).toBe('joint');
  });

  it.each(BUILTIN_EXERCISES.map((b) => [b.key, b] as const))(
    '%s has a valid form, cadence, scoring and content',
    (_, builtin) => {
      expect(validateFormDefinition(builtin.form)).toEqual([]);
      expect(validateCadence(builtin.defaultCadence)).toEqual([]);
      expect(validateScoring(builtin.scoring, builtin.form)).toEqual([]);
      expect(validateExerciseContent(builtin)).toEqual([]);
    },
  );

  it.each(BUILTIN_EXERCISES.map((b) => [b.key, b.instructions] as const))(
    '%s has instructions of three to six sentences',
    (_, instructions) => {
      const sentences = instructions.split(/(?<=[.!?])\s+/).filter(Boolean);
      expect(sentences.length).toBeGreaterThanOrEqual(3);
      expect(sentences.length).toBeLessThanOrEqual(6);
    },
  );

  it('scores the trust pulse from a labelled 0–10 trust scale', () => {
    const pulse = builtinByKey('trust_pulse')!;
    expect(pulse.scoring).toEqual({ kind: 'trust_pulse', field: 'trust', safetyField: 'safety' });
    const trust = pulse.form.fields.find((f) => f.key === 'trust') as ScaleField;
    expect(trust).toMatchObject({
      type: 'scale',
      min: 0,
      max: 10,
      required: true,
      minLabel: expect.any(String),
      maxLabel: expect.any(String),
    });
    expect(
      pulse.form.fields
        .filter((f) => f.type === 'scale')
        .every((f) => (f as ScaleField).min === 0 && (f as ScaleField).max === 10),
    ).toBe(true);
  });

  it('asks the published CSI-4 items with their response scales', () => {
    const csi4 = builtinByKey('csi4')!;
    expect(csi4.scoring).toEqual({ kind: 'csi4' });
    const [happiness, warm, rewarding, satisfied] = csi4.form.fields as ScaleField[];
    expect(happiness).toMatchObject({
      label: 'Please indicate the degree of happiness, all things considered, of your relationship.',
      min: 0,
      max: 6,
    });
    expect(happiness.anchors!.map((a) => a.label)).toEqual([
      'Extremely unhappy',
      'Fairly unhappy',
      'A little unhappy',
      'Happy',
      'Very happy',
      'Extremely happy',
      'Perfect',
    ]);
    expect(warm).toMatchObject({
      label: 'I have a warm and comfortable relationship with my partner.',
      min: 0,
      max: 5,
    });
    expect(rewarding).toMatchObject({ label: 'How rewarding is your relationship with your partner?', min: 0, max: 5 });
    expect(satisfied).toMatchObject({
      label: 'In general, how satisfied are you with your relationship?',
      min: 0,
      max: 5,
    });
    expect(csi4.form.fields.every((f) => f.required)).toBe(true);
  });
});
