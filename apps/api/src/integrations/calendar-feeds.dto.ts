import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

import { SESSION_SUMMARIES, type SessionSummary } from '@mend/integrations';

export class CreateCalendarFeedRequest {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'API keys (calendar:read): the therapist whose sessions the feed shows. Signed-in users leave it out: their feed is their own.',
  })
  @IsOptional()
  @IsUUID()
  therapistId?: string;
}

export class CalendarFeedResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['active', 'revoked'] }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) revokedAt: Date | null;
}

export class CreatedCalendarFeedResponse extends CalendarFeedResponse {
  @ApiPropertyOptional({
    example: 'https://mend.example/v1/calendar/cal_0193…_….ics',
    description:
      'Subscribe to this URL in Google Calendar or Apple Calendar. Anyone with it can read the feed: shown only here (absent on an Idempotency-Key replay); revoke it if it leaks.',
  })
  url?: string;
}

export class CalendarFeedListResponse {
  @ApiProperty({ type: [CalendarFeedResponse] }) data: CalendarFeedResponse[];
}

export class CalendarSettingsResponse {
  @ApiProperty({
    enum: SESSION_SUMMARIES,
    example: 'neutral',
    description:
      'What a therapist\'s calendar feed calls a session: `neutral` "Couples session" (the default), `initials` "Couples session · A. & B." (the partners\' first initials), `label` "Couples session · <the couple\'s label>". A feed syncs into calendars other people may see; a partner\'s feed always says "Couples session".',
  })
  sessionSummary: string;
}

export class UpdateCalendarSettingsRequest {
  @ApiProperty({ enum: SESSION_SUMMARIES, example: 'initials' })
  @IsIn(SESSION_SUMMARIES)
  sessionSummary: SessionSummary;
}
