import type { CheckInForm, ChoiceOption, FormField, MultiField, ScaleField, TextField } from './form.types.js';

/**
 * @mend/core's FieldProblem, by structure: this file imports nothing at run time or by type from
 * another lib, so the web app bundles the same answer rules (through @mend/check-in-form).
 */
interface FieldProblem {
  field: string;
  message: string;
}

/** Bounds a form definition must stay within (what a partner can reasonably answer on a phone). */
export const FORM_LIMITS = {
  maxFields: 50,
  maxKeyLength: 50,
  maxLabelLength: 300,
  maxHintLength: 1000,
  /** Scales are whole numbers with both ends within ±100. */
  scaleBound: 100,
  maxScaleLabelLength: 100,
  maxTextLength: 5000,
  maxOptions: 50,
  maxOptionLabelLength: 200,
} as const;

export const FIELD_TYPES = ['scale', 'text', 'boolean', 'choice', 'multi'] as const satisfies ReadonlyArray<
  FormField['type']
>;

const FIELD_KEY = /^[a-z][a-z0-9_]{0,49}$/;
const OPTION_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Property names safe to repeat in a problem's field path. */
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

const COMMON_PROPS = ['key', 'type', 'label', 'hint', 'required'];
const PROPS_BY_TYPE: Record<FormField['type'], string[]> = {
  scale: [...COMMON_PROPS, 'min', 'max', 'minLabel', 'maxLabel', 'anchors'],
  text: [...COMMON_PROPS, 'maxLength'],
  boolean: COMMON_PROPS,
  choice: [...COMMON_PROPS, 'options'],
  multi: [...COMMON_PROPS, 'options', 'minSelected', 'maxSelected'],
};

type Problems = FieldProblem[];
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isTextIn(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.trim().length >= min && [...value].length <= max;
}

function refuseUnknownProps(object: Json, allowed: string[], at: string, what: string, problems: Problems): void {
  for (const prop of Object.keys(object)) {
    if (allowed.includes(prop)) continue;
    problems.push(
      SAFE_NAME.test(prop)
        ? { field: `${at}.${prop}`, message: `${prop} is not allowed on ${what}` }
        : { field: at, message: `${what} has a property that is not allowed` },
    );
  }
}

/**
 * Checks a check-in form definition (from a request body or anywhere else untrusted) and answers
 * every problem found, with paths such as `form.fields[2].max`. An empty list means the value is
 * a well-formed {@link CheckInForm}.
 */
export function validateFormDefinition(form: unknown, path = 'form'): FieldProblem[] {
  const problems: Problems = [];
  if (!isObject(form)) return [{ field: path, message: `${path} must be an object with a fields list` }];
  refuseUnknownProps(form, ['fields'], path, 'a form', problems);
  const fields = form.fields;
  if (!Array.isArray(fields) || fields.length < 1 || fields.length > FORM_LIMITS.maxFields) {
    problems.push({
      field: `${path}.fields`,
      message: `fields must be a list of 1 to ${FORM_LIMITS.maxFields} fields`,
    });
    return problems;
  }
  const firstIndexByKey = new Map<string, number>();
  fields.forEach((field, index) => validateField(field, `${path}.fields[${index}]`, index, firstIndexByKey, problems));
  return problems;
}

function validateField(
  field: unknown,
  at: string,
  index: number,
  firstIndexByKey: Map<string, number>,
  problems: Problems,
): void {
  if (!isObject(field)) {
    problems.push({ field: at, message: 'each field must be an object with key, type, label and required' });
    return;
  }
  const type = field.type as FormField['type'];
  const isKnownType = (FIELD_TYPES as readonly unknown[]).includes(type);
  if (!isKnownType) problems.push({ field: `${at}.type`, message: `type must be one of ${FIELD_TYPES.join(', ')}` });

  if (typeof field.key !== 'string' || !FIELD_KEY.test(field.key)) {
    problems.push({
      field: `${at}.key`,
      message: `key must start with a lowercase letter and contain only lowercase letters, digits and underscores (at most ${FORM_LIMITS.maxKeyLength} characters)`,
    });
  } else if (firstIndexByKey.has(field.key)) {
    problems.push({
      field: `${at}.key`,
      message: `key must be unique within the form; fields[${firstIndexByKey.get(field.key)}] already uses it`,
    });
  } else {
    firstIndexByKey.set(field.key, index);
  }
  if (!isTextIn(field.label, 1, FORM_LIMITS.maxLabelLength)) {
    problems.push({ field: `${at}.label`, message: `label must be 1 to ${FORM_LIMITS.maxLabelLength} characters` });
  }
  if (field.hint !== undefined && !isTextIn(field.hint, 1, FORM_LIMITS.maxHintLength)) {
    problems.push({
      field: `${at}.hint`,
      message: `hint must be 1 to ${FORM_LIMITS.maxHintLength} characters when given`,
    });
  }
  if (typeof field.required !== 'boolean')
    problems.push({ field: `${at}.required`, message: 'required must be true or false' });
  if (!isKnownType) return;

  refuseUnknownProps(field, PROPS_BY_TYPE[type], at, `a ${type} field`, problems);
  switch (type) {
    case 'scale':
      validateScale(field, at, problems);
      break;
    case 'text':
      if (!isIntegerIn(field.maxLength, 1, FORM_LIMITS.maxTextLength)) {
        problems.push({
          field: `${at}.maxLength`,
          message: `maxLength must be a whole number from 1 to ${FORM_LIMITS.maxTextLength}`,
        });
      }
      break;
    case 'boolean':
      break;
    case 'choice':
      validateOptions(field.options, `${at}.options`, problems);
      break;
    case 'multi':
      validateMulti(field, at, problems);
      break;
  }
}

function validateScale(field: Json, at: string, problems: Problems): void {
  const bound = FORM_LIMITS.scaleBound;
  const isMinValid = isIntegerIn(field.min, -bound, bound);
  const isMaxValid = isIntegerIn(field.max, -bound, bound);
  if (!isMinValid)
    problems.push({ field: `${at}.min`, message: `min must be a whole number from -${bound} to ${bound}` });
  if (!isMaxValid)
    problems.push({ field: `${at}.max`, message: `max must be a whole number from -${bound} to ${bound}` });
  const isRangeValid = isMinValid && isMaxValid && (field.min as number) < (field.max as number);
  if (isMinValid && isMaxValid && !isRangeValid)
    problems.push({ field: `${at}.max`, message: 'max must be greater than min' });
  for (const label of ['minLabel', 'maxLabel']) {
    if (field[label] !== undefined && !isTextIn(field[label], 1, FORM_LIMITS.maxScaleLabelLength)) {
      problems.push({
        field: `${at}.${label}`,
        message: `${label} must be 1 to ${FORM_LIMITS.maxScaleLabelLength} characters when given`,
      });
    }
  }
  if (field.anchors === undefined) return;
  const points = isRangeValid ? (field.max as number) - (field.min as number) + 1 : 2 * bound + 1;
  if (!Array.isArray(field.anchors) || field.anchors.length < 1 || field.anchors.length > points) {
    problems.push({
      field: `${at}.anchors`,
      message: 'anchors must be a list of labelled points, at most one per point of the scale',
    });
    return;
  }
  const seen = new Set<number>();
  field.anchors.forEach((anchor: unknown, i: number) => {
    const anchorAt = `${at}.anchors[${i}]`;
    if (!isObject(anchor)) {
      problems.push({ field: anchorAt, message: 'each anchor must be an object with value and label' });
      return;
    }
    refuseUnknownProps(anchor, ['value', 'label'], anchorAt, 'an anchor', problems);
    // With a broken min/max the anchors cannot be placed; the min/max problems say enough.
    if (isRangeValid) {
      if (!isIntegerIn(anchor.value, field.min as number, field.max as number)) {
        problems.push({ field: `${anchorAt}.value`, message: 'value must be a whole number within the scale' });
      } else if (seen.has(anchor.value)) {
        problems.push({ field: `${anchorAt}.value`, message: 'value must be unique among the anchors' });
      } else {
        seen.add(anchor.value);
      }
    }
    if (!isTextIn(anchor.label, 1, FORM_LIMITS.maxScaleLabelLength)) {
      problems.push({
        field: `${anchorAt}.label`,
        message: `label must be 1 to ${FORM_LIMITS.maxScaleLabelLength} characters`,
      });
    }
  });
}

/** Answers the number of options when they are valid (for the multi bounds), otherwise null. */
function validateOptions(options: unknown, at: string, problems: Problems): number | null {
  if (!Array.isArray(options) || options.length < 1 || options.length > FORM_LIMITS.maxOptions) {
    problems.push({ field: at, message: `options must be a list of 1 to ${FORM_LIMITS.maxOptions} options` });
    return null;
  }
  const before = problems.length;
  const seen = new Set<string>();
  options.forEach((option: unknown, i: number) => {
    const optionAt = `${at}[${i}]`;
    if (!isObject(option)) {
      problems.push({ field: optionAt, message: 'each option must be an object with value and label' });
      return;
    }
    refuseUnknownProps(option, ['value', 'label'], optionAt, 'an option', problems);
    if (typeof option.value !== 'string' || !OPTION_VALUE.test(option.value)) {
      problems.push({
        field: `${optionAt}.value`,
        message: 'value must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      });
    } else if (seen.has(option.value)) {
      problems.push({ field: `${optionAt}.value`, message: 'value must be unique among the options' });
    } else {
      seen.add(option.value);
    }
    if (!isTextIn(option.label, 1, FORM_LIMITS.maxOptionLabelLength)) {
      problems.push({
        field: `${optionAt}.label`,
        message: `label must be 1 to ${FORM_LIMITS.maxOptionLabelLength} characters`,
      });
    }
  });
  return problems.length === before ? options.length : null;
}

function validateMulti(field: Json, at: string, problems: Problems): void {
  const count = validateOptions(field.options, `${at}.options`, problems);
  const most = count ?? FORM_LIMITS.maxOptions;
  const isMinValid = field.minSelected === undefined || isIntegerIn(field.minSelected, 0, most);
  const isMaxValid = field.maxSelected === undefined || isIntegerIn(field.maxSelected, 1, most);
  if (!isMinValid)
    problems.push({
      field: `${at}.minSelected`,
      message: 'minSelected must be a whole number from 0 to the number of options',
    });
  if (!isMaxValid)
    problems.push({
      field: `${at}.maxSelected`,
      message: 'maxSelected must be a whole number from 1 to the number of options',
    });
  if (
    isMinValid &&
    isMaxValid &&
    field.minSelected !== undefined &&
    field.maxSelected !== undefined &&
    (field.minSelected as number) > (field.maxSelected as number)
  ) {
    problems.push({ field: `${at}.maxSelected`, message: 'maxSelected must not be less than minSelected' });
  }
}

/**
 * A copy of a valid form holding only the known properties, in a stable order, so what is
 * stored is exactly the contract and nothing a client slipped in. Call after validation.
 */
export function normalizeForm(form: CheckInForm): CheckInForm {
  return {
    fields: form.fields.map((field): FormField => {
      const base = {
        key: field.key,
        label: field.label.trim(),
        ...(field.hint !== undefined ? { hint: field.hint.trim() } : {}),
        required: field.required,
      };
      switch (field.type) {
        case 'scale':
          return {
            ...base,
            type: 'scale',
            min: field.min,
            max: field.max,
            ...(field.minLabel !== undefined ? { minLabel: field.minLabel.trim() } : {}),
            ...(field.maxLabel !== undefined ? { maxLabel: field.maxLabel.trim() } : {}),
            ...(field.anchors !== undefined
              ? {
                  anchors: [...field.anchors]
                    .sort((a, b) => a.value - b.value)
                    .map((a) => ({ value: a.value, label: a.label.trim() })),
                }
              : {}),
          };
        case 'text':
          return { ...base, type: 'text', maxLength: field.maxLength };
        case 'boolean':
          return { ...base, type: 'boolean' };
        case 'choice':
          return { ...base, type: 'choice', options: copyOptions(field.options) };
        case 'multi':
          return {
            ...base,
            type: 'multi',
            options: copyOptions(field.options),
            ...(field.minSelected !== undefined ? { minSelected: field.minSelected } : {}),
            ...(field.maxSelected !== undefined ? { maxSelected: field.maxSelected } : {}),
          };
      }
    }),
  };
}

function copyOptions(options: ChoiceOption[]): ChoiceOption[] {
  return options.map((o) => ({ value: o.value, label: o.label.trim() }));
}

/**
 * Checks a partner's answers against the form they answer. Problems name `answers.<key>` and
 * never repeat what was answered (answers are clinical content). An empty list means the value
 * is a well-formed {@link Answers} for this form: only its keys, no nulls, every required field.
 */
export function validateAnswers(form: CheckInForm, answers: unknown): FieldProblem[] {
  if (!isObject(answers))
    return [{ field: 'answers', message: "answers must be an object keyed by the form's field keys" }];
  const problems: Problems = [];
  for (const field of form.fields) {
    const at = `answers.${field.key}`;
    const value = Object.hasOwn(answers, field.key) ? answers[field.key] : undefined;
    if (value === undefined || value === null) {
      if (field.required) problems.push({ field: at, message: `${field.key} is required` });
      else if (value === null)
        problems.push({ field: at, message: `${field.key} must be ${expected(field)}, or left out when not answered` });
      continue;
    }
    const message = checkAnswer(field, value);
    if (message) problems.push({ field: at, message: `${field.key} ${message}` });
  }
  const known = new Set(form.fields.map((f) => f.key));
  for (const key of Object.keys(answers)) {
    if (known.has(key)) continue;
    problems.push(
      FIELD_KEY.test(key)
        ? { field: `answers.${key}`, message: `${key} is not a field of this form` }
        : { field: 'answers', message: 'answers has a key that is not a field of this form' },
    );
  }
  return problems;
}

function expected(field: FormField): string {
  switch (field.type) {
    case 'scale':
      return `a whole number from ${field.min} to ${field.max}`;
    case 'text':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'choice':
      return "one of the field's option values";
    case 'multi':
      return "a list of the field's option values";
  }
}

/** What is wrong with one present answer, as the end of a sentence starting with the key; null when fine. */
function checkAnswer(field: FormField, value: unknown): string | null {
  switch (field.type) {
    case 'scale':
      return checkScale(field, value);
    case 'text':
      return checkText(field, value);
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'choice': {
      const values = field.options.map((o) => o.value);
      return typeof value === 'string' && values.includes(value) ? null : `must be one of: ${values.join(', ')}`;
    }
    case 'multi':
      return checkMulti(field, value);
  }
}

function checkScale(field: ScaleField, value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value))
    return `must be a whole number from ${field.min} to ${field.max}`;
  if (value < field.min || value > field.max) return `must be between ${field.min} and ${field.max}`;
  return null;
}

function checkText(field: TextField, value: unknown): string | null {
  if (typeof value !== 'string') return 'must be text';
  if (field.required && value.trim().length === 0) return 'is required and cannot be blank';
  if ([...value].length > field.maxLength) return `must be at most ${field.maxLength} characters`;
  return null;
}

function checkMulti(field: MultiField, value: unknown): string | null {
  const values = field.options.map((o) => o.value);
  if (!Array.isArray(value)) return `must be a list of option values from: ${values.join(', ')}`;
  if (value.some((v) => typeof v !== 'string' || !values.includes(v)))
    return `may only contain these option values: ${values.join(', ')}`;
  if (new Set(value).size !== value.length) return 'must not list the same option twice';
  const least = Math.max(field.minSelected ?? 0, field.required ? 1 : 0);
  if (value.length < least) return least === 1 ? 'needs at least one selection' : `needs at least ${least} selections`;
  if (field.maxSelected !== undefined && value.length > field.maxSelected)
    return `allows at most ${field.maxSelected} selection${field.maxSelected === 1 ? '' : 's'}`;
  return null;
}
