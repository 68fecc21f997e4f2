// The form types are plain interfaces (no run-time import), reached by path so apps/web can use them too.
import type { CheckInForm, FormField, ScaleField } from '../../exercises/src/form.types.js';
import { format, type CheckInMessages } from './messages.js';

/** One field's problem, as the API's validator reports it (structurally @mend/core's FieldProblem). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A urlencoded body as the HTTP layer parses it: repeated names become lists. */
export type PostedForm = Record<string, string | string[] | undefined>;
export type PageVisibility = 'private' | 'shared';

/** Answer inputs are named `a_<field key>`, so they never collide with the page's own fields. */
export function inputName(key: string): string {
  return `a_${key}`;
}

export function fieldId(key: string, index = 0): string {
  return index === 0 ? `f-${key}` : `f-${key}-${index}`;
}

function values(posted: PostedForm | null, name: string): string[] {
  const raw = posted?.[name];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
}

function single(posted: PostedForm, name: string): string | string[] | undefined {
  const list = values(posted, name);
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : list;
}

/** Browsers send textarea line breaks as CRLF but count them as one character against maxlength. */
function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * The answers a posted form means, in the API's shape, for the API's validator to judge: numbers
 * for scales, booleans for yes/no, lists for multiple choice; unanswered fields are left out.
 * Anything odd is passed on as it came (the validator refuses it); unknown names are ignored.
 */
export function answersFromPost(form: CheckInForm, posted: PostedForm): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const field of form.fields) {
    const name = inputName(field.key);
    switch (field.type) {
      case 'scale': {
        const value = single(posted, name);
        if (value === undefined || value === '') break;
        answers[field.key] = typeof value === 'string' && /^-?\d{1,4}$/.test(value) ? Number(value) : value;
        break;
      }
      case 'boolean': {
        const value = single(posted, name);
        if (value === undefined || value === '') break;
        answers[field.key] = value === 'yes' ? true : value === 'no' ? false : value;
        break;
      }
      case 'choice': {
        const value = single(posted, name);
        if (value !== undefined && value !== '') answers[field.key] = value;
        break;
      }
      case 'multi': {
        const chosen = values(posted, name).filter((v) => v !== '');
        if (chosen.length > 0) answers[field.key] = chosen;
        break;
      }
      case 'text': {
        const value = single(posted, name);
        if (typeof value !== 'string') {
          if (value !== undefined) answers[field.key] = value;
          break;
        }
        const text = normaliseText(value);
        if (text.trim() !== '') answers[field.key] = text;
        break;
      }
    }
  }
  return answers;
}

/** The chosen visibility; a couple of one has nobody to share with, so it is always private. */
export function visibilityFromPost(posted: PostedForm, hasPartner: boolean): PageVisibility | null {
  if (!hasPartner) return 'private';
  const value = single(posted, 'visibility');
  return value === 'private' || value === 'shared' ? value : null;
}

function messageFor(field: FormField, posted: PostedForm | null, m: CheckInMessages): string {
  switch (field.type) {
    case 'scale':
      return format(m.errors.scale, { min: field.min, max: field.max });
    case 'boolean':
      return m.errors.boolean;
    case 'choice':
      return m.errors.choice;
    case 'multi': {
      const count = values(posted, inputName(field.key)).filter((v) => v !== '').length;
      const least = Math.max(field.minSelected ?? 0, field.required ? 1 : 0);
      if (count < least) return format(m.errors.multiAtLeast, { count: least });
      if (field.maxSelected !== undefined && count > field.maxSelected)
        return format(m.errors.multiAtMost, { count: field.maxSelected });
      return m.errors.multiInvalid;
    }
    case 'text': {
      const text = normaliseText(values(posted, inputName(field.key))[0] ?? '');
      if ([...text].length > field.maxLength) return format(m.errors.textTooLong, { max: field.maxLength });
      return m.errors.textMissing;
    }
  }
}

/**
 * The validator's problems (`answers.<key>`, written for API developers) as words for the partner,
 * one per field, keyed by field key, in form order.
 */
export function fieldErrors(
  form: CheckInForm,
  problems: FieldProblem[],
  posted: PostedForm | null,
  m: CheckInMessages,
): Map<string, string> {
  const keys = new Set(
    problems.map((p) => (p.field.startsWith('answers.') ? p.field.slice('answers.'.length) : p.field)),
  );
  const out = new Map<string, string>();
  for (const field of form.fields) if (keys.has(field.key)) out.set(field.key, messageFor(field, posted, m));
  return out;
}

export interface OptionModel {
  id: string;
  value: string;
  label: string;
  isChecked: boolean;
}

export interface GroupFieldModel {
  kind: 'group';
  key: string;
  inputType: 'radio' | 'checkbox';
  /** `grid`: compact numbered points (a scale); `list`: one labelled option per line. */
  layout: 'grid' | 'list';
  name: string;
  firstId: string;
  legend: string;
  hints: string[];
  hintId: string;
  isOptional: boolean;
  error: string | null;
  errorId: string;
  options: OptionModel[];
}

export interface TextFieldModel {
  kind: 'text';
  key: string;
  id: string;
  firstId: string;
  name: string;
  label: string;
  hints: string[];
  hintId: string;
  isOptional: boolean;
  maxLength: number;
  value: string;
  error: string | null;
  errorId: string;
}

export type FieldModel = GroupFieldModel | TextFieldModel;

function scalePoints(field: ScaleField): number[] {
  const points: number[] = [];
  for (let v = field.min; v <= field.max; v++) points.push(v);
  return points;
}

/** Labelled points of a scale: its anchors, or else its end labels. */
function scaleAnchors(field: ScaleField): Array<{ value: number; label: string }> {
  if (field.anchors?.length) return field.anchors;
  const ends: Array<{ value: number; label: string }> = [];
  if (field.minLabel) ends.push({ value: field.min, label: field.minLabel });
  if (field.maxLabel) ends.push({ value: field.max, label: field.maxLabel });
  return ends;
}

/** What the template shows for each field: labels, hints, the options and what was chosen, and its error. */
export function fieldModels(
  form: CheckInForm,
  posted: PostedForm | null,
  errors: Map<string, string>,
  m: CheckInMessages,
): FieldModel[] {
  return form.fields.map((field): FieldModel => {
    const name = inputName(field.key);
    const chosen = new Set(values(posted, name));
    const common = {
      key: field.key,
      name,
      firstId: fieldId(field.key),
      hintId: `${fieldId(field.key)}-hint`,
      errorId: `${fieldId(field.key)}-error`,
      isOptional: !field.required,
      error: errors.get(field.key) ?? null,
    };
    const option = (value: string, label: string, index: number): OptionModel => ({
      id: fieldId(field.key, index),
      value,
      label,
      isChecked: chosen.has(value),
    });
    switch (field.type) {
      case 'scale': {
        const points = scalePoints(field);
        const anchors = scaleAnchors(field);
        const isFullyLabelled =
          field.anchors !== undefined && points.every((p) => field.anchors!.some((a) => a.value === p));
        if (isFullyLabelled) {
          // Every point has published wording (e.g. the CSI-4): the words are the options.
          return {
            ...common,
            kind: 'group',
            inputType: 'radio',
            layout: 'list',
            legend: field.label,
            hints: field.hint ? [field.hint] : [],
            options: points.map((p, i) => option(String(p), field.anchors!.find((a) => a.value === p)!.label, i)),
          };
        }
        return {
          ...common,
          kind: 'group',
          inputType: 'radio',
          layout: 'grid',
          legend: field.label,
          hints: [
            ...(field.hint ? [field.hint] : []),
            [
              format(m.form.scaleHint, { min: field.min, max: field.max }),
              ...anchors.map((a) => format(m.form.anchorHint, { value: a.value, label: a.label })),
            ].join(' '),
          ],
          options: points.map((p, i) => option(String(p), String(p), i)),
        };
      }
      case 'boolean':
        return {
          ...common,
          kind: 'group',
          inputType: 'radio',
          layout: 'list',
          legend: field.label,
          hints: field.hint ? [field.hint] : [],
          options: [option('yes', m.form.yes, 0), option('no', m.form.no, 1)],
        };
      case 'choice':
        return {
          ...common,
          kind: 'group',
          inputType: 'radio',
          layout: 'list',
          legend: field.label,
          hints: field.hint ? [field.hint] : [],
          options: field.options.map((o, i) => option(o.value, o.label, i)),
        };
      case 'multi':
        return {
          ...common,
          kind: 'group',
          inputType: 'checkbox',
          layout: 'list',
          legend: field.label,
          hints: [...(field.hint ? [field.hint] : []), m.form.multiHint],
          options: field.options.map((o, i) => option(o.value, o.label, i)),
        };
      case 'text':
        return {
          ...common,
          kind: 'text',
          id: fieldId(field.key),
          label: field.label,
          hints: [...(field.hint ? [field.hint] : []), format(m.form.textHint, { max: field.maxLength })],
          maxLength: field.maxLength,
          value: normaliseText(values(posted, name)[0] ?? ''),
        };
    }
  });
}

/**
 * Who may read the answers: only the therapist (the default), or the therapist and the partner.
 * null for a couple of one, who has nobody to share with (the page says so instead).
 */
export function visibilityFieldModel(
  m: CheckInMessages,
  partner: string | null,
  posted: PostedForm | null,
  error: string | null,
): GroupFieldModel | null {
  if (!partner) return null;
  const postedVisibility = posted ? posted.visibility : undefined;
  return {
    kind: 'group',
    key: 'visibility',
    inputType: 'radio',
    layout: 'list',
    name: 'visibility',
    firstId: 'f-visibility',
    legend: m.form.visibilityLegend,
    hints: [format(m.form.visibilityHint, { partner })],
    hintId: 'f-visibility-hint',
    isOptional: false,
    error,
    errorId: 'f-visibility-error',
    options: [
      {
        id: 'f-visibility',
        value: 'private',
        label: m.form.visibilityPrivate,
        isChecked: posted === null || postedVisibility === 'private',
      },
      {
        id: 'f-visibility-1',
        value: 'shared',
        label: format(m.form.visibilityShared, { partner }),
        isChecked: postedVisibility === 'shared',
      },
    ],
  };
}

/** The error summary's entries: each invalid question, then what to do, linking to its first input. */
export function errorSummaryItems(m: CheckInMessages, invalid: FieldModel[]): Array<{ href: string; text: string }> {
  return invalid.map((f) => ({
    href: `#${f.firstId}`,
    text: format(m.errors.summaryItem, { question: f.kind === 'text' ? f.label : f.legend, message: f.error ?? '' }),
  }));
}

/** Text as paragraphs: blank lines separate them, single line breaks are kept as spaces. */
export function paragraphsOf(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);
}

export type { CheckInForm, FormField } from '../../exercises/src/form.types.js';
// The API's own answer rules, so the app refuses what the API would before sending it.
export { validateAnswers } from '../../exercises/src/form.validator.js';
