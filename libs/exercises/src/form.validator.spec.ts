import type { CheckInForm, FormField } from './form.types.js';
import { normalizeForm, validateAnswers, validateFormDefinition } from './form.validator.js';

const FORM: CheckInForm = {
  fields: [
    {
      key: 'trust',
      type: 'scale',
      label: 'Trust today',
      required: true,
      min: 0,
      max: 10,
      minLabel: 'None',
      maxLabel: 'Complete',
    },
    { key: 'mood', type: 'scale', label: 'Mood', required: false, min: -3, max: 3 },
    { key: 'note', type: 'text', label: 'Note', required: false, maxLength: 20 },
    { key: 'letter', type: 'text', label: 'Letter', required: true, maxLength: 100 },
    { key: 'kept_plan', type: 'boolean', label: 'Kept the plan?', required: true },
    { key: 'slept_well', type: 'boolean', label: 'Slept well?', required: false },
    {
      key: 'feeling',
      type: 'choice',
      label: 'Feeling',
      required: true,
      options: [
        { value: 'better', label: 'Better' },
        { value: 'worse', label: 'Worse' },
      ],
    },
    { key: 'when', type: 'choice', label: 'When', required: false, options: [{ value: 'am', label: 'Morning' }] },
    {
      key: 'gestures',
      type: 'multi',
      label: 'Gestures',
      required: true,
      maxSelected: 2,
      options: [
        { value: 'hug', label: 'Hug' },
        { value: 'chore', label: 'Chore' },
        { value: 'note', label: 'Note' },
      ],
    },
    {
      key: 'topics',
      type: 'multi',
      label: 'Topics',
      required: false,
      minSelected: 2,
      options: [
        { value: 'money', label: 'Money' },
        { value: 'plans', label: 'Plans' },
        { value: 'feelings', label: 'Feelings' },
      ],
    },
  ],
};

const VALID = { trust: 7, letter: 'Dear you', kept_plan: true, feeling: 'better', gestures: ['hug'] };

function problemsFor(answers: unknown) {
  return validateAnswers(FORM, answers);
}

function fieldsOf(answers: unknown): string[] {
  return problemsFor(answers).map((p) => p.field);
}

describe('validateAnswers', () => {
  it('accepts valid answers with every optional field left out', () => {
    expect(problemsFor(VALID)).toEqual([]);
  });

  it('accepts valid answers to every field, at the ends of each range', () => {
    expect(
      problemsFor({
        ...VALID,
        trust: 0,
        mood: -3,
        note: 'x'.repeat(20),
        slept_well: false,
        when: 'am',
        gestures: ['hug', 'chore'],
        topics: ['money', 'plans', 'feelings'],
      }),
    ).toEqual([]);
    expect(problemsFor({ ...VALID, trust: 10, mood: 3, note: '' })).toEqual([]);
  });

  it('refuses answers that are not an object', () => {
    for (const answers of [null, 'x', 3, [], undefined]) {
      expect(problemsFor(answers)).toEqual([{ field: 'answers', message: expect.any(String) }]);
    }
  });

  it('names every missing required field', () => {
    expect(fieldsOf({})).toEqual([
      'answers.trust',
      'answers.letter',
      'answers.kept_plan',
      'answers.feeling',
      'answers.gestures',
    ]);
    expect(problemsFor({ ...VALID, trust: undefined })).toEqual([
      { field: 'answers.trust', message: 'trust is required' },
    ]);
    expect(problemsFor({ ...VALID, kept_plan: null })).toEqual([
      { field: 'answers.kept_plan', message: 'kept_plan is required' },
    ]);
  });

  it('refuses null for an optional field (leave it out instead)', () => {
    expect(problemsFor({ ...VALID, mood: null })).toEqual([
      { field: 'answers.mood', message: expect.stringContaining('left out') },
    ]);
  });

  it('refuses keys that are not fields of the form', () => {
    expect(problemsFor({ ...VALID, extra: 1 })).toEqual([
      { field: 'answers.extra', message: 'extra is not a field of this form' },
    ]);
    expect(problemsFor({ ...VALID, 'Bad Key!': 1 })).toEqual([{ field: 'answers', message: expect.any(String) }]);
    expect(
      fieldsOf(
        JSON.parse('{"trust":7,"letter":"a","kept_plan":true,"feeling":"better","gestures":["hug"],"__proto__":1}'),
      ),
    ).toEqual(['answers']);
  });

  describe('scale', () => {
    it.each([['7'], [7.5], [true], [[7]], [Number.NaN]])('refuses the wrong type %p', (trust) => {
      expect(problemsFor({ ...VALID, trust })).toEqual([
        { field: 'answers.trust', message: 'trust must be a whole number from 0 to 10' },
      ]);
    });
    it.each([-1, 11, 1000])('refuses %i, out of range', (trust) => {
      expect(problemsFor({ ...VALID, trust })).toEqual([
        { field: 'answers.trust', message: 'trust must be between 0 and 10' },
      ]);
    });
    it('handles negative ranges', () => {
      expect(fieldsOf({ ...VALID, mood: -4 })).toEqual(['answers.mood']);
      expect(fieldsOf({ ...VALID, mood: -2 })).toEqual([]);
    });
  });

  describe('text', () => {
    it('refuses non-text', () => {
      expect(problemsFor({ ...VALID, note: 5 })).toEqual([{ field: 'answers.note', message: 'note must be text' }]);
    });
    it('refuses text longer than maxLength, counting characters not bytes', () => {
      expect(problemsFor({ ...VALID, note: 'x'.repeat(21) })).toEqual([
        { field: 'answers.note', message: 'note must be at most 20 characters' },
      ]);
      expect(problemsFor({ ...VALID, note: '💛'.repeat(20) })).toEqual([]);
    });
    it('refuses a blank required text', () => {
      expect(problemsFor({ ...VALID, letter: '   ' })).toEqual([
        { field: 'answers.letter', message: expect.stringContaining('required') },
      ]);
    });
  });

  describe('boolean', () => {
    it.each([['true'], [1], [0], ['yes']])('refuses %p', (kept_plan) => {
      expect(problemsFor({ ...VALID, kept_plan })).toEqual([
        { field: 'answers.kept_plan', message: 'kept_plan must be true or false' },
      ]);
    });
    it('accepts false for a required boolean', () => {
      expect(problemsFor({ ...VALID, kept_plan: false })).toEqual([]);
    });
  });

  describe('choice', () => {
    it.each([['same'], ['Better'], [1], [['better']]])('refuses %p, not an option value', (feeling) => {
      expect(problemsFor({ ...VALID, feeling })).toEqual([
        { field: 'answers.feeling', message: 'feeling must be one of: better, worse' },
      ]);
    });
  });

  describe('multi', () => {
    it('refuses a non-list', () => {
      expect(fieldsOf({ ...VALID, gestures: 'hug' })).toEqual(['answers.gestures']);
    });
    it('refuses values that are not options', () => {
      expect(problemsFor({ ...VALID, gestures: ['hug', 'kiss'] })).toEqual([
        { field: 'answers.gestures', message: expect.stringContaining('only contain') },
      ]);
      expect(fieldsOf({ ...VALID, gestures: ['hug', 3] })).toEqual(['answers.gestures']);
    });
    it('refuses duplicate values', () => {
      expect(problemsFor({ ...VALID, gestures: ['hug', 'hug'] })).toEqual([
        { field: 'answers.gestures', message: 'gestures must not list the same option twice' },
      ]);
    });
    it('needs at least one selection when required, and respects minSelected and maxSelected', () => {
      expect(problemsFor({ ...VALID, gestures: [] })).toEqual([
        { field: 'answers.gestures', message: 'gestures needs at least one selection' },
      ]);
      expect(problemsFor({ ...VALID, gestures: ['hug', 'chore', 'note'] })).toEqual([
        { field: 'answers.gestures', message: 'gestures allows at most 2 selections' },
      ]);
      expect(problemsFor({ ...VALID, topics: ['money'] })).toEqual([
        { field: 'answers.topics', message: 'topics needs at least 2 selections' },
      ]);
      expect(problemsFor({ ...VALID, topics: ['money', 'plans'] })).toEqual([]);
    });
  });

  it('never repeats the answer in a message', () => {
    const secret = 'MARKER-7f3a';
    const problems = problemsFor({
      trust: secret,
      note: secret.repeat(10),
      letter: 7,
      kept_plan: secret,
      feeling: secret,
      gestures: [secret],
      topics: secret,
    });
    expect(problems.length).toBeGreaterThan(5);
    expect(JSON.stringify(problems)).not.toContain('7f3a');
  });
});

const field = (overrides: Partial<Record<string, unknown>> = {}): Record<string, unknown> => ({
  key: 'trust',
  type: 'scale',
  label: 'Trust',
  required: true,
  min: 0,
  max: 10,
  ...overrides,
});
const formOf = (...fields: unknown[]) => ({ fields });

describe('validateFormDefinition', () => {
  it('accepts a form using every field type', () => {
    expect(validateFormDefinition(FORM)).toEqual([]);
  });

  it('refuses a missing or empty field list and unknown form properties', () => {
    expect(validateFormDefinition(null)).toEqual([{ field: 'form', message: expect.any(String) }]);
    expect(validateFormDefinition({})).toEqual([{ field: 'form.fields', message: expect.any(String) }]);
    expect(validateFormDefinition({ fields: [] })).toEqual([{ field: 'form.fields', message: expect.any(String) }]);
    expect(
      validateFormDefinition({ fields: Array.from({ length: 51 }, (_, i) => field({ key: `f${i}` })) })[0].field,
    ).toBe('form.fields');
    expect(validateFormDefinition({ fields: [field()], title: 'x' })).toEqual([
      { field: 'form.title', message: 'title is not allowed on a form' },
    ]);
  });

  it('checks keys are well-formed and unique', () => {
    const problems = validateFormDefinition(
      formOf(
        field({ key: 'Trust' }),
        field({ key: 'a' }),
        field({ key: 'a' }),
        field({ key: '1x' }),
        field({ key: 'x'.repeat(51) }),
      ),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'form.fields[0].key',
      'form.fields[2].key',
      'form.fields[3].key',
      'form.fields[4].key',
    ]);
    expect(problems[1].message).toContain('unique');
  });

  it('checks the common properties and the type', () => {
    const problems = validateFormDefinition(
      formOf(
        field({ label: '' }),
        field({ key: 'b', required: 'yes', hint: '' }),
        field({ key: 'c', type: 'slider' }),
        'x',
      ),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'form.fields[0].label',
      'form.fields[1].hint',
      'form.fields[1].required',
      'form.fields[2].type',
      'form.fields[3]',
    ]);
  });

  it('checks scale bounds: whole numbers within ±100, min below max', () => {
    expect(validateFormDefinition(formOf(field({ max: 0 })))).toEqual([
      { field: 'form.fields[0].max', message: 'max must be greater than min' },
    ]);
    expect(validateFormDefinition(formOf(field({ min: 5, max: 5 })))).toEqual([
      { field: 'form.fields[0].max', message: 'max must be greater than min' },
    ]);
    expect(validateFormDefinition(formOf(field({ min: 0.5, max: 1000 }))).map((p) => p.field)).toEqual([
      'form.fields[0].min',
      'form.fields[0].max',
    ]);
    expect(validateFormDefinition(formOf(field({ min: undefined }))).map((p) => p.field)).toEqual([
      'form.fields[0].min',
    ]);
    expect(validateFormDefinition(formOf(field({ minLabel: '' }))).map((p) => p.field)).toEqual([
      'form.fields[0].minLabel',
    ]);
  });

  it('checks scale anchors lie within the scale, once each', () => {
    const anchors = [
      { value: 0, label: 'None' },
      { value: 0, label: 'Again' },
      { value: 11, label: 'Beyond' },
      { value: 5, label: '' },
    ];
    expect(validateFormDefinition(formOf(field({ anchors }))).map((p) => p.field)).toEqual([
      'form.fields[0].anchors[1].value',
      'form.fields[0].anchors[2].value',
      'form.fields[0].anchors[3].label',
    ]);
    expect(validateFormDefinition(formOf(field({ anchors: [] })))[0].field).toBe('form.fields[0].anchors');
  });

  it('checks text maxLength is 1 to 5000', () => {
    const text = (maxLength: unknown) => ({ key: 'note', type: 'text', label: 'Note', required: false, maxLength });
    expect(validateFormDefinition(formOf(text(5000)))).toEqual([]);
    for (const bad of [0, 5001, 1.5, '100', undefined]) {
      expect(validateFormDefinition(formOf(text(bad)))).toEqual([
        { field: 'form.fields[0].maxLength', message: 'maxLength must be a whole number from 1 to 5000' },
      ]);
    }
  });

  it('checks choice options are present, well-formed and unique', () => {
    const choice = (options: unknown) => ({ key: 'pick', type: 'choice', label: 'Pick', required: true, options });
    expect(validateFormDefinition(formOf(choice([])))).toEqual([
      { field: 'form.fields[0].options', message: expect.any(String) },
    ]);
    expect(validateFormDefinition(formOf(choice(undefined)))[0].field).toBe('form.fields[0].options');
    const problems = validateFormDefinition(
      formOf(
        choice([
          { value: 'a', label: 'A' },
          { value: 'a', label: 'Again' },
          { value: '', label: 'Empty' },
          { value: 'b', label: '' },
          { value: 'c', label: 'C', colour: 'red' },
          'd',
        ]),
      ),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'form.fields[0].options[1].value',
      'form.fields[0].options[2].value',
      'form.fields[0].options[3].label',
      'form.fields[0].options[4].colour',
      'form.fields[0].options[5]',
    ]);
  });

  it('checks multi selection bounds against the options', () => {
    const options = [
      { value: 'a', label: 'A' },
      { value: 'b', label: 'B' },
    ];
    const multi = (extra: Record<string, unknown>) => ({
      key: 'many',
      type: 'multi',
      label: 'Many',
      required: false,
      options,
      ...extra,
    });
    expect(validateFormDefinition(formOf(multi({ minSelected: 0, maxSelected: 2 })))).toEqual([]);
    expect(validateFormDefinition(formOf(multi({ maxSelected: 3 }))).map((p) => p.field)).toEqual([
      'form.fields[0].maxSelected',
    ]);
    expect(validateFormDefinition(formOf(multi({ minSelected: 3 }))).map((p) => p.field)).toEqual([
      'form.fields[0].minSelected',
    ]);
    expect(validateFormDefinition(formOf(multi({ maxSelected: 0 }))).map((p) => p.field)).toEqual([
      'form.fields[0].maxSelected',
    ]);
    expect(validateFormDefinition(formOf(multi({ minSelected: 2, maxSelected: 1 })))).toEqual([
      { field: 'form.fields[0].maxSelected', message: 'maxSelected must not be less than minSelected' },
    ]);
  });

  it('refuses properties that belong to another field type', () => {
    expect(
      validateFormDefinition(formOf({ key: 'ok', type: 'boolean', label: 'OK?', required: true, maxLength: 3 })),
    ).toEqual([{ field: 'form.fields[0].maxLength', message: 'maxLength is not allowed on a boolean field' }]);
    expect(validateFormDefinition(formOf(field({ options: [] })))[0].field).toBe('form.fields[0].options');
  });

  it('reports every problem at once, under the path it is given', () => {
    const problems = validateFormDefinition(
      formOf(field({ max: 0 }), { key: 'note', type: 'text', label: 'Note', required: false }),
      'payload',
    );
    expect(problems.map((p) => p.field)).toEqual(['payload.fields[0].max', 'payload.fields[1].maxLength']);
  });
});

describe('normalizeForm', () => {
  it('keeps exactly the contract, trimmed and with anchors in order', () => {
    const form = {
      fields: [
        {
          key: 'trust',
          type: 'scale',
          label: '  Trust ',
          required: true,
          min: 0,
          max: 2,
          anchors: [
            { value: 2, label: 'High' },
            { value: 0, label: 'Low' },
          ],
        },
      ],
    } as CheckInForm;
    expect(normalizeForm(form)).toEqual({
      fields: [
        {
          key: 'trust',
          label: 'Trust',
          required: true,
          type: 'scale',
          min: 0,
          max: 2,
          anchors: [
            { value: 0, label: 'Low' },
            { value: 2, label: 'High' },
          ],
        } satisfies FormField,
      ],
    });
  });
});
