import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min, ValidateIf } from 'class-validator';

import { MAX_CRISIS_RESOURCES_LENGTH } from '@mend/progress';

import { IsOmittable } from '../http/validators.js';

export class ClinicSafetySettingsResponse {
  @ApiProperty({
    example: 2,
    minimum: 0,
    maximum: 10,
    description:
      'A safety answer (0–10) at or below this opens a high-severity safety_concern alert and tells the therapist at once',
  })
  threshold: number;
  @ApiProperty({
    example: 'If you are in danger right now, call 112. Crisis line (24 h): 0800 111 0111.',
    description:
      'Shown only to the partner whose answer raised the concern, on their check-in confirmation (API answer and check-in page); ' +
      'a built-in text when the clinic has written none',
  })
  crisisResources: string;
}

export class UpdateClinicSafetySettingsRequest {
  @ApiPropertyOptional({ minimum: 0, maximum: 10, example: 2 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(10)
  threshold?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_CRISIS_RESOURCES_LENGTH,
    description: 'Plain text; blank lines separate paragraphs. null goes back to the built-in text.',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsString()
  @Length(1, MAX_CRISIS_RESOURCES_LENGTH)
  crisisResources?: string | null;
}
