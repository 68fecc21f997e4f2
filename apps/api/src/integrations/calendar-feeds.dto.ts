import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

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
