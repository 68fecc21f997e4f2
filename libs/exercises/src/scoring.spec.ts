import { builtinByKey } from './builtin-exercises.js';
import type { Answers, CheckInForm } from './form.types.js';
import { CSI4_CUTOFF, isSafetyScreen, scoreAnswers, validateScoring } from './scoring.js';

const csi4 = (happiness: number, warm_comfortable: number, rewarding: number, satisfied: number): Answers => ({
  happiness,
  warm_comfortable,
  rewarding,
  satisfied,
});

describe('CSI-4 scoring (Funk & Rogge, 2007)', () => {
  const scoring = { kind: 'csi4' } as const;

  it.each([
    ['all minimum', csi4(0, 0, 0, 0), 0, true],
    ['all maximum', csi4(6, 5, 5, 5), 21, false],
    ['just below the cut-off', csi4(4, 3, 3, 3), 13, true],
    ['just above the cut-off', csi4(5, 3, 3, 3), 14, false],
    ['item 1 alone at its maximum', csi4(6, 0, 0, 0), 6, true],
    ['items 2–4 at maximum, item 1 at minimum', csi4(0, 5, 5, 5), 15, false],
    ['middle of every scale', csi4(3, 3, 3, 3), 12, true],
  ])('%s totals %i (distress: %s)', (_, answers, total, isBelowCutoff) => {
    expect(scoreAnswers(scoring, answers)).toEqual({ kind: 'csi4', value: total, isBelowCutoff, cutoff: 13.5 });
  });

  it('uses the published cut-off of 13.5', () => {
    expect(CSI4_CUTOFF).toBe(13.5);
  });

  it('ignores unscored fields and scores nothing when an item is missing or out of its range', () => {
    expect(scoreAnswers(scoring, { ...csi4(3, 3, 3, 3), note: 'extra' })?.value).toBe(12);
    expect(scoreAnswers(scoring, { happiness: 3, warm_comfortable: 3, rewarding: 3 })).toBeNull();
    expect(scoreAnswers(scoring, csi4(7, 3, 3, 3))).toBeNull();
    expect(scoreAnswers(scoring, csi4(3, 6, 3, 3))).toBeNull();
    expect(scoreAnswers(scoring, { ...csi4(3, 3, 3, 3), satisfied: '3' } as unknown as Answers)).toBeNull();
  });

  it("scores the built-in CSI-4 form's own items", () => {
    const builtin = builtinByKey('csi4')!;
    const answers = Object.fromEntries(builtin.form.fields.map((f) => [f.key, f.type === 'scale' ? f.max : 0]));
    expect(scoreAnswers(builtin.scoring, answers)).toMatchObject({ value: 21, isBelowCutoff: false });
  });
});

describe('trust pulse scoring', () => {
  const scoring = { kind: 'trust_pulse', field: 'trust' } as const;

  it.each([0, 4, 10])('reads the trust field (%i)', (trust) => {
    expect(scoreAnswers(scoring, { trust, safety: 3 })).toEqual({ kind: 'trust_pulse', value: trust });
  });

  it('scores nothing without a 0–10 reading', () => {
    expect(scoreAnswers(scoring, { safety: 3 })).toBeNull();
    expect(scoreAnswers(scoring, { trust: 11 })).toBeNull();
    expect(scoreAnswers(scoring, { trust: 'high' })).toBeNull();
  });

  it('answers null for versions that are not scored', () => {
    expect(scoreAnswers(null, { trust: 5 })).toBeNull();
  });
});

describe('trust pulse scoring with a watched safety answer', () => {
  const scoring = { kind: 'trust_pulse', field: 'trust', safetyField: 'safety' } as const;

  it('carries the safety reading beside the trust reading, 0 included', () => {
    expect(scoreAnswers(scoring, { trust: 7, safety: 0 })).toEqual({ kind: 'trust_pulse', value: 7, safety: 0 });
    expect(scoreAnswers(scoring, { trust: 7 })).toEqual({ kind: 'trust_pulse', value: 7 });
    expect(scoreAnswers({ kind: 'trust_pulse', field: 'trust' }, { trust: 7, safety: 1 })).toEqual({
      kind: 'trust_pulse',
      value: 7,
    });
  });

  it('accepts a safetyField only when it names a 0–10 scale', () => {
    const pulse = builtinByKey('trust_pulse')!;
    expect(validateScoring(scoring, pulse.form)).toEqual([]);
    expect(validateScoring({ ...scoring, safetyField: 'note' }, pulse.form)).toEqual([
      { field: 'scoring.safetyField', message: 'safetyField must name a scale field of the form running from 0 to 10' },
    ]);
  });
});

describe('validateScoring', () => {
  const form: CheckInForm = {
    fields: [
      { key: 'trust', type: 'scale', label: 'Trust', required: true, min: 0, max: 10 },
      { key: 'mood', type: 'scale', label: 'Mood', required: true, min: 1, max: 5 },
      { key: 'optional_trust', type: 'scale', label: 'Maybe', required: false, min: 0, max: 10 },
    ],
  };

  it('accepts a trust pulse on a required 0–10 scale and no scoring at all', () => {
    expect(validateScoring({ kind: 'trust_pulse', field: 'trust' }, form)).toEqual([]);
    expect(validateScoring(null, form)).toEqual([]);
    expect(validateScoring(undefined, form)).toEqual([]);
  });

  it('refuses a trust pulse on a missing, non 0–10 or optional field', () => {
    for (const field of ['nope', 'mood', 'optional_trust']) {
      expect(validateScoring({ kind: 'trust_pulse', field }, form)).toEqual([
        { field: 'scoring.field', message: expect.stringContaining('0 to 10') },
      ]);
    }
  });

  it('refuses csi4 on a form without the four items, and accepts it on the built-in form', () => {
    expect(validateScoring({ kind: 'csi4' }, form)[0]).toMatchObject({
      field: 'scoring',
      message: expect.stringContaining('happiness'),
    });
    expect(validateScoring({ kind: 'csi4' }, builtinByKey('csi4')!.form)).toEqual([]);
  });

  it('refuses unknown kinds and extra properties', () => {
    expect(validateScoring({ kind: 'mood' }, form)).toEqual([
      { field: 'scoring.kind', message: 'kind must be trust_pulse or csi4' },
    ]);
    expect(validateScoring({ kind: 'csi4', field: 'x' }, form)[0].field).toBe('scoring');
    expect(validateScoring('csi4', form)[0].field).toBe('scoring');
  });
});

describe('the safety check', () => {
  const screen = builtinByKey('safety_check')!;
  const calm = {
    safe_at_home: true,
    afraid: 'never',
    threatened: false,
    hurt: false,
    talk_alone: false,
  };

  it('is scored on the built-in form and refused on a form without its questions', () => {
    expect(validateScoring({ kind: 'safety_screen' }, screen.form)).toEqual([]);
    expect(validateScoring({ kind: 'safety_screen' }, builtinByKey('csi4')!.form)[0]).toMatchObject({
      field: 'scoring',
      message: expect.stringContaining('safe_at_home'),
    });
    expect(isSafetyScreen(screen.scoring)).toBe(true);
    expect(isSafetyScreen(builtinByKey('trust_pulse')!.scoring)).toBe(false);
  });

  it('raises no concern when no answer indicates danger (wanting to talk alone and free text included)', () => {
    expect(scoreAnswers(screen.scoring, calm)).toEqual({ kind: 'safety_screen', value: 0, isSafetyConcern: false });
    expect(
      scoreAnswers(screen.scoring, { ...calm, talk_alone: true, controlled: [], anything_else: 'x' }),
    ).toMatchObject({ isSafetyConcern: false });
  });

  it.each([
    ['not safe at home', { safe_at_home: false }],
    ['afraid sometimes', { afraid: 'sometimes' }],
    ['afraid often', { afraid: 'often' }],
    ['threatened', { threatened: true }],
    ['hurt', { hurt: true }],
    ['controlled', { controlled: ['money'] }],
  ])('counts "%s" as a concern', (_, answer) => {
    expect(scoreAnswers(screen.scoring, { ...calm, ...answer })).toEqual({
      kind: 'safety_screen',
      value: 1,
      isSafetyConcern: true,
    });
  });

  it('counts every sign', () => {
    expect(
      scoreAnswers(screen.scoring, {
        safe_at_home: false,
        afraid: 'often',
        threatened: true,
        hurt: true,
        controlled: ['phone', 'people'],
        talk_alone: true,
      }),
    ).toEqual({ kind: 'safety_screen', value: 5, isSafetyConcern: true });
  });
});
