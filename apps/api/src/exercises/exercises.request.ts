import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import {
  EXERCISE_CATEGORIES,
  EXERCISE_LIMITS,
  EXERCISE_MODES,
  FORM_LIMITS,
  type Cadence,
  type CheckInForm,
  type ExerciseCategory,
  type ExerciseMode,
  type FormField,
  type Scoring,
} from '@mend/exercises';

import { PageQuery } from '../http/pagination.dto.js';
import { FORM_EXAMPLE, FormFieldSchema } from './exercise.response.js';

/** Absent is allowed, null is not (for fields where null means nothing). */
const IsOptionalNotNull = () => ValidateIf((_, value) => value !== undefined);

export class CadenceRequest {
  @ApiProperty({ enum: ['once', 'recurring'], example: 'recurring' })
  @IsIn(['once', 'recurring'])
  type: 'once' | 'recurring';

  @ApiPropertyOptional({
    example: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0',
    description: 'Required for recurring: an RFC 5545 RRULE without DTSTART, daily or less often',
  })
  @ValidateIf((cadence: CadenceRequest, value) => cadence.type === 'recurring' || value !== undefined)
  @IsString()
  @MaxLength(500)
  rrule?: string;
}

export class ScoringRequest {
  @ApiProperty({ enum: ['trust_pulse', 'csi4'], example: 'trust_pulse' })
  @IsIn(['trust_pulse', 'csi4'])
  kind: 'trust_pulse' | 'csi4';

  @ApiPropertyOptional({ example: 'trust', description: 'trust_pulse: the key of a required 0–10 scale field' })
  @ValidateIf((scoring: ScoringRequest, value) => scoring.kind === 'trust_pulse' || value !== undefined)
  @IsString()
  @MaxLength(50)
  field?: string;

  @ApiPropertyOptional({
    example: 'safety',
    description:
      "trust_pulse: the key of a 0–10 scale on emotional safety; an answer at or below the clinic's safety threshold opens a safety concern",
  })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  safetyField?: string;
}

/** Shape only; each field is checked in full by validateFormDefinition (problems like `form.fields[2].max`). */
export class CheckInFormRequest {
  @ApiProperty({ type: [FormFieldSchema], minItems: 1, maxItems: FORM_LIMITS.maxFields })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(FORM_LIMITS.maxFields)
  fields: FormField[];
}

/**
 * Typed as the domain contract; class-validator checks the shape here, and the service checks
 * the whole (each form field, the RRULE, scoring against the form) for every caller.
 */
export class CreateExerciseRequest {
  @ApiProperty({ example: 'Weekly closeness check', maxLength: EXERCISE_LIMITS.maxTitleLength })
  @IsString()
  @Length(1, EXERCISE_LIMITS.maxTitleLength)
  title: string;

  @ApiProperty({ enum: EXERCISE_CATEGORIES, example: 'time_together' })
  @IsIn(EXERCISE_CATEGORIES)
  category: ExerciseCategory;

  @ApiProperty({
    example:
      'At the end of each week, think back on the moments you felt close to your partner and the ones you did not.',
    maxLength: EXERCISE_LIMITS.maxInstructionsLength,
  })
  @IsString()
  @Length(1, EXERCISE_LIMITS.maxInstructionsLength)
  instructions: string;

  @ApiProperty({
    enum: EXERCISE_MODES,
    example: 'individual',
    description: 'individual: each partner checks in; joint: one check-in for the couple',
  })
  @IsIn(EXERCISE_MODES)
  mode: ExerciseMode;

  @ApiPropertyOptional({
    type: CadenceRequest,
    nullable: true,
    description: 'Suggested when assigning; the therapist can change it',
  })
  @IsOptional()
  @ValidateNested({ message: 'defaultCadence must be an object' })
  @Type(() => CadenceRequest)
  defaultCadence?: Cadence | null;

  @ApiProperty({ type: CheckInFormRequest, example: FORM_EXAMPLE })
  @IsDefined({ message: 'form is required' })
  @ValidateNested({ message: 'form must be an object' })
  @Type(() => CheckInFormRequest)
  form: CheckInForm;

  @ApiPropertyOptional({
    type: ScoringRequest,
    nullable: true,
    description: 'Score answers on submit: a trust pulse (a required 0–10 scale) or the CSI-4 (its four items)',
  })
  @IsOptional()
  @ValidateNested({ message: 'scoring must be an object' })
  @Type(() => ScoringRequest)
  scoring?: Scoring | null;
}

export class UpdateExerciseRequest {
  @ApiPropertyOptional({ example: 'Weekly closeness check', maxLength: EXERCISE_LIMITS.maxTitleLength })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, EXERCISE_LIMITS.maxTitleLength)
  title?: string;

  @ApiPropertyOptional({ enum: EXERCISE_CATEGORIES })
  @IsOptionalNotNull()
  @IsIn(EXERCISE_CATEGORIES)
  category?: ExerciseCategory;

  @ApiPropertyOptional({ maxLength: EXERCISE_LIMITS.maxInstructionsLength })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, EXERCISE_LIMITS.maxInstructionsLength)
  instructions?: string;

  @ApiPropertyOptional({ enum: EXERCISE_MODES })
  @IsOptionalNotNull()
  @IsIn(EXERCISE_MODES)
  mode?: ExerciseMode;

  @ApiPropertyOptional({ type: CadenceRequest, nullable: true, description: 'null removes the default cadence' })
  @IsOptional()
  @ValidateNested({ message: 'defaultCadence must be an object' })
  @Type(() => CadenceRequest)
  defaultCadence?: Cadence | null;

  @ApiPropertyOptional({
    type: CheckInFormRequest,
    description: 'The whole new form (fields are replaced, not merged)',
  })
  @IsOptionalNotNull()
  @ValidateNested({ message: 'form must be an object' })
  @Type(() => CheckInFormRequest)
  form?: CheckInForm;

  @ApiPropertyOptional({ type: ScoringRequest, nullable: true, description: 'null stops scoring' })
  @IsOptional()
  @ValidateNested({ message: 'scoring must be an object' })
  @Type(() => ScoringRequest)
  scoring?: Scoring | null;

  @ApiPropertyOptional({
    example: true,
    description: 'true takes the exercise off the library shelf (existing assignments continue); false puts it back',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  archived?: boolean;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListExercisesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: EXERCISE_CATEGORIES })
  @IsOptional()
  @IsIn(EXERCISE_CATEGORIES)
  category?: ExerciseCategory;

  @ApiPropertyOptional({ enum: EXERCISE_MODES })
  @IsOptional()
  @IsIn(EXERCISE_MODES)
  mode?: ExerciseMode;

  @ApiPropertyOptional({
    enum: ['builtin', 'clinic'],
    description: "builtin: only the shipped library; clinic: only your clinic's own",
  })
  @IsOptional()
  @IsIn(['builtin', 'clinic'])
  source?: 'builtin' | 'clinic';

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Include archived exercises' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}
