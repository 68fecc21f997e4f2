import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { SESSION_STATUSES, type SessionStatus } from '@mend/sessions';

import { PageQuery } from '../http/pagination.dto.js';
import { IsOffsetDateTime } from '../http/validators.js';

export class CreateSessionRequest {
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-03-02T17:00:00-05:00',
    description: 'ISO 8601 with an offset',
  })
  @IsOffsetDateTime('2026-03-02T17:00:00-05:00')
  startsAt: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-03-02T17:50:00-05:00',
    description: 'ISO 8601 with an offset; after startsAt',
  })
  @IsOffsetDateTime('2026-03-02T17:50:00-05:00')
  endsAt: Date;
}

export class UpdateSessionRequest {
  @ApiPropertyOptional({
    enum: SESSION_STATUSES,
    example: 'completed',
    description: 'completed and no_show need a session that has started; completed sessions cut progress into windows',
  })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  status?: SessionStatus;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-03-03T17:00:00-05:00',
    description: 'Reschedule (ISO 8601 with an offset)',
  })
  @IsOptional()
  @IsOffsetDateTime('2026-03-03T17:00:00-05:00')
  startsAt?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-03-03T17:50:00-05:00',
    description: 'Reschedule (ISO 8601 with an offset)',
  })
  @IsOptional()
  @IsOffsetDateTime('2026-03-03T17:50:00-05:00')
  endsAt?: Date;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 20000,
    example: 'Worked on the repair plan; both agreed to a weekly budget review.',
    description: "The couple's therapist only (admins: 403); null clears. Every write is audited.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  notes?: string | null;
}

export class ListSessionsQuery extends PageQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-03-01T00:00:00Z',
    description: 'Sessions starting at or after (ISO 8601 with an offset)',
  })
  @IsOptional()
  @IsOffsetDateTime('2026-03-01T00:00:00Z')
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-04-01T00:00:00Z',
    description: 'Sessions starting before (ISO 8601 with an offset)',
  })
  @IsOptional()
  @IsOffsetDateTime('2026-04-01T00:00:00Z')
  to?: Date;
}
