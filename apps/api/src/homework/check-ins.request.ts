import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsUUID } from 'class-validator';

import { CHECK_IN_VISIBILITIES, type CheckInVisibility } from '@mend/homework';

import { PageQuery } from '../http/pagination.dto.js';
import { IsOffsetDateTime } from '../http/validators.js';

const ANSWERS_EXAMPLE = { trust: 7, safety: 6, note: 'We talked about the budget calmly.' };

export class SubmitCheckInRequest {
  @ApiProperty({
    format: 'date-time',
    example: '2025-03-09T20:00:00-04:00',
    description: 'The due time of the occurrence answered, as listed by GET /v1/me/assignments',
  })
  @IsOffsetDateTime('2025-03-09T20:00:00-04:00')
  occurrenceAt: Date;

  @ApiProperty({
    type: 'object',
    additionalProperties: {
      oneOf: [
        { type: 'number' },
        { type: 'string' },
        { type: 'boolean' },
        { type: 'array', items: { type: 'string' } },
      ],
    },
    example: ANSWERS_EXAMPLE,
    description:
      "Answers keyed by the form's field keys: scale → whole number, text → string, boolean, choice → option value, multi → option values",
  })
  @IsObject()
  answers: Record<string, unknown>;

  @ApiProperty({
    enum: CHECK_IN_VISIBILITIES,
    example: 'private',
    description: 'private: your therapist only; shared: your partner may read it too',
  })
  @IsIn(CHECK_IN_VISIBILITIES as CheckInVisibility[])
  visibility: CheckInVisibility;
}

export class ListCheckInsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() assignmentId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only check-ins written by this partner' })
  @IsOptional()
  @IsUUID()
  partnerId?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Submitted at or after' })
  @IsOptional()
  @IsOffsetDateTime('2025-03-01T00:00:00Z')
  from?: Date;
  @ApiPropertyOptional({ format: 'date-time', description: 'Submitted before' })
  @IsOptional()
  @IsOffsetDateTime('2025-04-01T00:00:00Z')
  to?: Date;
}

export class ListMyCheckInsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() assignmentId?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Submitted at or after' })
  @IsOptional()
  @IsOffsetDateTime('2025-03-01T00:00:00Z')
  from?: Date;
  @ApiPropertyOptional({ format: 'date-time', description: 'Submitted before' })
  @IsOptional()
  @IsOffsetDateTime('2025-04-01T00:00:00Z')
  to?: Date;
}
