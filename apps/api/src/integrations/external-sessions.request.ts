import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsOptional, IsUUID } from 'class-validator';

import { SESSION_STATUSES, type SessionStatus } from '@mend/sessions';

import { IsOffsetDateTime } from '../http/validators.js';

export class UpsertExternalSessionRequest {
  @ApiPropertyOptional({ format: 'uuid', description: 'The couple; or send attendeeEmails instead' })
  @IsOptional()
  @IsUUID()
  coupleId?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['alex@example.com', 'blake@example.com'],
    description:
      "Matched to one couple's partners in your clinic (a therapist: in your caseload); no match answers 422",
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsEmail({}, { each: true })
  attendeeEmails?: string[];

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

  @ApiPropertyOptional({
    enum: SESSION_STATUSES,
    description: 'Omitted: a new session is scheduled, an existing one keeps its status',
  })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  status?: SessionStatus;
}
