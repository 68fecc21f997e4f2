import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import {
  EXERCISE_CATEGORIES,
  EXERCISE_MODES,
  FIELD_TYPES,
  type ExerciseCategory,
  type ExerciseMode,
} from '@mend/exercises';

/** Documentation of the check-in form contract (`CheckInForm` in @mend/exercises), for requests and responses. */
export class ChoiceOptionSchema {
  @ApiProperty({
    example: 'better',
    description: 'Stored in answers; 1–64 letters, digits, dots, dashes or underscores, unique within the field',
  })
  value: string;
  @ApiProperty({ example: 'Better', description: 'What the partner sees' }) label: string;
}

export class ScaleAnchorSchema {
  @ApiProperty({ example: 3, description: 'A whole number within the scale' }) value: number;
  @ApiProperty({ example: 'Happy' }) label: string;
}

export class FormFieldSchema {
  @ApiProperty({
    example: 'trust',
    pattern: '^[a-z][a-z0-9_]{0,49}$',
    description: 'Answers are keyed by it; unique within the form',
  })
  key: string;
  @ApiProperty({ enum: FIELD_TYPES, example: 'scale' }) type: string;
  @ApiProperty({ example: 'How much do you trust your partner today?', maxLength: 300 }) label: string;
  @ApiPropertyOptional({ example: 'Go with your first honest answer.', maxLength: 1000 }) hint?: string;
  @ApiProperty({ example: true, description: 'Whether a check-in must answer it' }) required: boolean;
  @ApiPropertyOptional({ example: 0, minimum: -100, maximum: 100, description: 'scale: lowest whole number' })
  min?: number;
  @ApiPropertyOptional({
    example: 10,
    minimum: -100,
    maximum: 100,
    description: 'scale: highest whole number, greater than min',
  })
  max?: number;
  @ApiPropertyOptional({ example: 'No trust at all', maxLength: 100, description: 'scale: label of the low end' })
  minLabel?: string;
  @ApiPropertyOptional({ example: 'Complete trust', maxLength: 100, description: 'scale: label of the high end' })
  maxLabel?: string;
  @ApiPropertyOptional({ type: [ScaleAnchorSchema], description: 'scale: labels for individual points' })
  anchors?: ScaleAnchorSchema[];
  @ApiPropertyOptional({
    example: 2000,
    minimum: 1,
    maximum: 5000,
    description: 'text: the longest answer accepted, in characters',
  })
  maxLength?: number;
  @ApiPropertyOptional({ type: [ChoiceOptionSchema], description: 'choice and multi: 1–50 options with unique values' })
  options?: ChoiceOptionSchema[];
  @ApiPropertyOptional({ example: 1, minimum: 0, description: 'multi: fewest selections' }) minSelected?: number;
  @ApiPropertyOptional({ example: 3, minimum: 1, description: 'multi: most selections' }) maxSelected?: number;
}

export const FORM_EXAMPLE = {
  fields: [
    {
      key: 'closeness',
      type: 'scale',
      label: 'How close did you feel to your partner this week?',
      required: true,
      min: 0,
      max: 10,
      minLabel: 'Distant',
      maxLabel: 'Very close',
    },
    { key: 'kept_promise', type: 'boolean', label: 'Did you keep the promise you made in session?', required: true },
    {
      key: 'hardest_moment',
      type: 'choice',
      label: 'When was the hardest moment?',
      required: false,
      options: [
        { value: 'morning', label: 'Morning' },
        { value: 'evening', label: 'Evening' },
      ],
    },
    { key: 'note', type: 'text', label: 'Anything to tell your therapist?', required: false, maxLength: 2000 },
  ],
};

export class CheckInFormSchema {
  @ApiProperty({ type: [FormFieldSchema], minItems: 1, maxItems: 50 }) fields: FormFieldSchema[];
}

export class CadenceSchema {
  @ApiProperty({ enum: ['once', 'recurring'], example: 'recurring' }) type: 'once' | 'recurring';
  @ApiPropertyOptional({
    example: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0',
    description: "recurring: an RFC 5545 RRULE, evaluated in each partner's time zone",
  })
  rrule?: string;
}

export class ScoringSchema {
  @ApiProperty({
    enum: ['trust_pulse', 'csi4', 'safety_screen'],
    example: 'trust_pulse',
    description:
      'safety_screen: the built-in safety check; assigned to one partner only (partnerId), answers always private, any answer indicating danger opens a safety concern',
  })
  kind: 'trust_pulse' | 'csi4' | 'safety_screen';
  @ApiPropertyOptional({ example: 'trust', description: 'trust_pulse: the key of a required 0–10 scale field' })
  field?: string;
  @ApiPropertyOptional({ example: 'safety', description: 'trust_pulse: the watched 0–10 emotional-safety scale' })
  safetyField?: string;
}

export class ExerciseResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'trust_pulse',
    description: "Stable key of a built-in; null for the clinic's own",
  })
  builtinKey: string | null;
  @ApiProperty({ example: true, description: 'Built-ins are read-only' }) isBuiltin: boolean;
  @ApiProperty({
    example: 1,
    description: 'Current version; an edit adds a version and assignments keep the one they were given',
  })
  version: number;
  @ApiProperty({ example: 'Daily trust pulse' }) title: string;
  @ApiProperty({ enum: EXERCISE_CATEGORIES, example: 'measure' }) category: ExerciseCategory;
  @ApiProperty({ example: 'Take one minute each evening to rate how much you trust your partner today.' })
  instructions: string;
  @ApiProperty({
    enum: EXERCISE_MODES,
    example: 'individual',
    description: 'individual: each partner checks in; joint: one check-in for the couple',
  })
  mode: ExerciseMode;
  @ApiPropertyOptional({ type: CadenceSchema, nullable: true }) defaultCadence: CadenceSchema | null;
  @ApiProperty({
    enum: ['on_assign', 'window'],
    example: 'window',
    description:
      'When its homework opens for check-ins: on_assign (a one-off such as a letter, from when it is assigned) or window (recurring: 24 hours before each due time). Follows defaultCadence; the assignment reports its own.',
  })
  opens: string;
  @ApiProperty({ type: CheckInFormSchema }) form: CheckInFormSchema;
  @ApiPropertyOptional({
    type: ScoringSchema,
    nullable: true,
    description: 'How answers are scored on submit; null when not scored',
  })
  scoring: ScoringSchema | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) archivedAt: Date | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'null for built-ins' }) createdBy:
    string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt: Date;
}

export class ExercisePageResponse {
  @ApiProperty({ type: [ExerciseResponse] }) data: ExerciseResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
