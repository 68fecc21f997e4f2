import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { SESSION_STATUSES } from '@mend/sessions';

export class PartnerAttendanceResponse {
  @ApiProperty({ format: 'uuid', example: '019a7c2e-2222-7a3c-9d2e-4f6a8b0c1d2e' }) partnerId: string;
  @ApiProperty({
    enum: ['cancelled', 'no_show'],
    example: 'cancelled',
    description:
      '`cancelled`: this partner cancelled their place while the booking stays on (a Calendly invitee); `no_show`: marked as a no-show in the scheduling tool',
  })
  status: string;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid', example: '019a7c2e-5b1f-7a3c-9d2e-4f6a8b0c1d2e' }) id: string;
  @ApiProperty({ format: 'uuid', example: '019a7c2e-0000-7a3c-9d2e-4f6a8b0c1d2e' }) coupleId: string;
  @ApiProperty({
    format: 'uuid',
    example: '019a7c2d-1111-7a3c-9d2e-4f6a8b0c1d2e',
    description: "The couple's therapist when the session was booked",
  })
  therapistId: string;
  @ApiProperty({ format: 'date-time', example: '2026-03-02T22:00:00.000Z' }) startsAt: Date;
  @ApiProperty({ format: 'date-time', example: '2026-03-02T22:50:00.000Z' }) endsAt: Date;
  @ApiProperty({ enum: SESSION_STATUSES, example: 'scheduled' }) status: string;
  @ApiProperty({
    example: 'manual',
    description: '`manual` for sessions made in Mend, otherwise the scheduling tool it came from',
  })
  source: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: null,
    description: "The scheduling tool's id (unique per clinic and source)",
  })
  externalId: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'Worked on the repair plan.',
    description: "Present only for the couple's therapist (never for admins); each read is audited",
  })
  notes?: string | null;
  @ApiProperty({
    type: [PartnerAttendanceResponse],
    description:
      'Partners reported by the scheduling tool as not attending or absent; empty when both attend. When every partner is a no-show the session status is no_show; when every partner cancelled, cancelled.',
  })
  attendance: PartnerAttendanceResponse[];
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt: Date;
}

export class SessionPageResponse {
  @ApiProperty({ type: [SessionResponse] }) data: SessionResponse[];
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Pass as `cursor` for the next page' })
  nextCursor: string | null;
}

export class PartnerSessionResponse {
  @ApiProperty({ format: 'uuid', example: '019a7c2e-5b1f-7a3c-9d2e-4f6a8b0c1d2e' }) id: string;
  @ApiProperty({
    format: 'date-time',
    example: '2026-03-02T17:00:00-05:00',
    description: 'ISO 8601 with the offset of your own time zone at that instant',
  })
  startsAt: string;
  @ApiProperty({ format: 'date-time', example: '2026-03-02T17:50:00-05:00' }) endsAt: string;
  @ApiProperty({
    example: 'America/New_York',
    description: 'Your time zone (IANA), the one startsAt and endsAt are in',
  })
  timeZone: string;
  @ApiProperty({ enum: SESSION_STATUSES, example: 'scheduled' }) status: string;
}

export class PartnerSessionPageResponse {
  @ApiProperty({ type: [PartnerSessionResponse] }) data: PartnerSessionResponse[];
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Pass as `cursor` for the next page' })
  nextCursor: string | null;
}
