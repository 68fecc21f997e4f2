import { validateAnswers, type CheckInForm } from '@mend/exercises';

import { answersFromPost, fieldErrors, fieldModels, visibilityFromPost } from './check-in-page.form.js';
import { messagesFor } from './check-in-page.messages.js';

const m = messagesFor('en');
const FORM: CheckInForm = {
  fields: [
    {
      key: 'trust',
      type: 'scale',
      label: 'Trust',
      required: true,
      min: 0,
      max: 10,
      minLabel: 'None',
      maxLabel: 'Complete',
      anchors: [{ value: 5, label: 'Unsure' }],
    },
    {
      key: 'happy',
      type: 'scale',
      label: 'Happiness',
      required: true,
      min: 0,
      max: 2,
      anchors: [
        { value: 0, label: 'Unhappy' },
        { value: 1, label: 'Fine' },
        { value: 2, label: 'Happy' },
      ],
    },
    { key: 'talked', type: 'boolean', label: 'Talked?', required: true },
    {
      key: 'mood',
      type: 'choice',
      label: 'Mood',
      required: false,
      options: [
        { value: 'calm', label: 'Calm' },
        { value: 'tense', label: 'Tense' },
      ],
    },
    {
      key: 'helped',
      type: 'multi',
      label: 'Helped',
      required: false,
      minSelected: 1,
      maxSelected: 2,
      options: [
        { value: 'a', label: 'A' },
        { value: 'b', label: 'B' },
        { value: 'c', label: 'C' },
      ],
    },
    { key: 'note', type: 'text', label: 'Note', required: true, maxLength: 5 },
  ],
};

describe('answers from a posted form', () => {
  it("become the API's shapes: numbers, booleans, lists, text with browser line breaks normalised", () => {
    const answers = answersFromPost(FORM, {
      a_trust: '7',
      a_happy: '2',
      a_talked: 'no',
      a_mood: 'calm',
      a_helped: ['a', 'b'],
      a_note: 'a\r\nb',
      csrf: 'x',
      a_unknown: 'y',
    });
    expect(answers).toEqual({ trust: 7, happy: 2, talked: false, mood: 'calm', helped: ['a', 'b'], note: 'a\nb' });
    expect(validateAnswers(FORM, answers)).toEqual([]);
  });

  it('leave out what was not answered, and a single checkbox is still a list', () => {
    expect(answersFromPost(FORM, { a_trust: '', a_note: '   ', a_helped: 'c' })).toEqual({ helped: ['c'] });
  });

  it('pass tampered values on as they came, for the validator to refuse', () => {
    const answers = answersFromPost(FORM, {
      a_trust: '7.5',
      a_talked: 'maybe',
      a_mood: ['calm', 'tense'],
      a_note: ['x', 'y'],
    });
    expect(answers).toEqual({ trust: '7.5', talked: 'maybe', mood: ['calm', 'tense'], note: ['x', 'y'] });
    expect(
      validateAnswers(FORM, answers)
        .map((p) => p.field)
        .sort(),
    ).toEqual(['answers.happy', 'answers.mood', 'answers.note', 'answers.talked', 'answers.trust']);
  });

  it('take the visibility chosen; a couple of one is always private', () => {
    expect(visibilityFromPost({ visibility: 'shared' }, true)).toBe('shared');
    expect(visibilityFromPost({ visibility: 'private' }, true)).toBe('private');
    expect(visibilityFromPost({ visibility: 'everyone' }, true)).toBeNull();
    expect(visibilityFromPost({}, true)).toBeNull();
    expect(visibilityFromPost({ visibility: 'shared' }, false)).toBe('private');
  });
});

describe('validator problems as words for the partner', () => {
  it('say what to do for each field type, without repeating the answer', () => {
    const posted = { a_helped: ['a', 'b', 'c'], a_note: 'too long!' };
    const errors = fieldErrors(FORM, validateAnswers(FORM, answersFromPost(FORM, posted)), posted, m);
    expect(Object.fromEntries(errors)).toEqual({
      trust: 'Choose a number from 0 to 10',
      happy: 'Choose a number from 0 to 2',
      talked: 'Choose yes or no',
      helped: 'Choose no more than 2',
      note: 'Use 5 characters or fewer',
    });
    const blank = fieldErrors(FORM, [{ field: 'answers.note', message: 'note is required' }], { a_note: '' }, m);
    expect(blank.get('note')).toBe('Write an answer');
  });
});

describe('field models', () => {
  it('lay scales out as numbered points with the anchors in the hint, fully worded scales as a list, nothing chosen at first', () => {
    const [trust, happy, talked, mood, helped, note] = fieldModels(FORM, null, new Map(), m);
    expect(trust).toMatchObject({
      kind: 'group',
      inputType: 'radio',
      layout: 'grid',
      legend: 'Trust',
      isOptional: false,
    });
    expect(trust.kind === 'group' && trust.options.map((o) => o.label)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
    expect(trust.hints).toEqual(['Choose a number from 0 to 10. 5 means “Unsure”.']);
    expect(happy).toMatchObject({ layout: 'list' });
    expect(happy.kind === 'group' && happy.options.map((o) => [o.value, o.label])).toEqual([
      ['0', 'Unhappy'],
      ['1', 'Fine'],
      ['2', 'Happy'],
    ]);
    expect(talked.kind === 'group' && talked.options.map((o) => o.label)).toEqual(['Yes', 'No']);
    expect(mood).toMatchObject({ isOptional: true, inputType: 'radio' });
    expect(helped).toMatchObject({ inputType: 'checkbox', hints: ['Select all that apply.'] });
    expect(note).toMatchObject({ kind: 'text', maxLength: 5, value: '', hints: ['Up to 5 characters.'] });
    const all = [trust, happy, talked, mood, helped].flatMap((f) => (f.kind === 'group' ? f.options : []));
    expect(all.some((o) => o.isChecked)).toBe(false);
    expect(new Set(all.map((o) => o.id)).size).toBe(all.length);
  });

  it("keep what was posted and carry each field's error", () => {
    const posted = { a_trust: '3', a_helped: ['a', 'c'], a_note: 'hi' };
    const [trust, , , , helped, note] = fieldModels(FORM, posted, new Map([['talked', 'Choose yes or no']]), m);
    expect(trust.kind === 'group' && trust.options.filter((o) => o.isChecked).map((o) => o.value)).toEqual(['3']);
    expect(helped.kind === 'group' && helped.options.filter((o) => o.isChecked).map((o) => o.value)).toEqual([
      'a',
      'c',
    ]);
    expect(note).toMatchObject({ value: 'hi', error: null });
    expect(fieldModels(FORM, posted, new Map([['talked', 'Choose yes or no']]), m)[2]).toMatchObject({
      error: 'Choose yes or no',
      errorId: 'f-talked-error',
    });
  });
});
