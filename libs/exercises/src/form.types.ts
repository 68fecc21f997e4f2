/**
 * A check-in form: typed fields a partner answers. Stored as JSON on each exercise version;
 * an assignment keeps the version it was given, so its form never changes under it.
 */
export interface ChoiceOption {
  value: string;
  label: string;
}

interface FieldBase {
  /** Stable key answers are stored under: lowercase letters, digits and underscores. */
  key: string;
  label: string;
  hint?: string;
  required: boolean;
}

/** A labelled point on a scale (e.g. CSI-4 item 1: 3 = "Happy"). */
export interface ScaleAnchor {
  value: number;
  label: string;
}

export interface ScaleField extends FieldBase {
  type: 'scale';
  /** Whole numbers only; answers are integers from min to max inclusive. */
  min: number;
  max: number;
  minLabel?: string;
  maxLabel?: string;
  /** Optional labels for individual points, for scales whose every point has a published wording. */
  anchors?: ScaleAnchor[];
}

export interface TextField extends FieldBase {
  type: 'text';
  maxLength: number;
}

export interface BooleanField extends FieldBase {
  type: 'boolean';
}

export interface ChoiceField extends FieldBase {
  type: 'choice';
  options: ChoiceOption[];
}

export interface MultiField extends FieldBase {
  type: 'multi';
  options: ChoiceOption[];
  minSelected?: number;
  maxSelected?: number;
}

export type FormField = ScaleField | TextField | BooleanField | ChoiceField | MultiField;

export interface CheckInForm {
  fields: FormField[];
}

export type AnswerValue = number | string | boolean | string[];
export type Answers = Record<string, AnswerValue>;

/**
 * How a version's answers are scored on submit.
 * - `trust_pulse`: the named 0–10 scale field is the partner's trust reading for progress;
 *   `safetyField`, when set, names a 0–10 scale on emotional safety that is watched: an answer
 *   at or below the clinic's safety threshold opens a safety concern at once.
 * - `csi4`: the CSI-4 relationship satisfaction measure (Funk & Rogge, 2007): total 0–21,
 *   below 13.5 indicates distress.
 * - `safety_screen`: the private safety check (see SAFETY_SCREEN_SIGNS): any answer that
 *   indicates danger is a safety concern. Assigned to one partner only; answers are always private.
 */
export type Scoring =
  { kind: 'trust_pulse'; field: string; safetyField?: string } | { kind: 'csi4' } | { kind: 'safety_screen' };

export interface Score {
  kind: Scoring['kind'];
  /** trust_pulse: the trust reading; csi4: the total. */
  value: number;
  /** csi4: below the distress cut-off. */
  isBelowCutoff?: boolean;
  cutoff?: number;
  /** trust_pulse with a safety field: the partner's emotional-safety reading (0–10), when answered. */
  safety?: number;
  /** safety_screen: at least one answer indicates danger (`value` counts them). */
  isSafetyConcern?: boolean;
}

export type ExerciseMode = 'individual' | 'joint';

/** A default cadence suggested when assigning (the therapist can change it). */
export type Cadence = { type: 'once' } | { type: 'recurring'; rrule: string };
