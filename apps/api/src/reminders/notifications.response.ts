import { ApiProperty } from '@nestjs/swagger';

import { NOTIFICATION_KINDS, type NotificationKind } from '@mend/reminders';

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS, example: 'homework_due' }) kind: NotificationKind;
  @ApiProperty({
    example: 'A check-in is ready for you',
    description: 'Never clinical content, never an exercise name (it is also the email subject)',
  })
  title: string;
  @ApiProperty({ example: 'Your check-in for "Daily appreciation" is due. Open Mend to complete it.' }) body: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The occurrence a homework reminder is about',
  })
  occurrenceId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The session a session reminder is about' })
  sessionId: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The alert an alert notice is about (therapists)',
  })
  alertId: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The couple a reassignment notice is about (see GET /v1/couples/{id}/reassignments)',
  })
  coupleId: string | null;
  @ApiProperty({ format: 'date-time', description: 'When it was delivered' }) sentAt: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) readAt: Date | null;
  @ApiProperty() isRead: boolean;
}

export class NotificationPageResponse {
  @ApiProperty({ type: [NotificationResponse] }) data: NotificationResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
  @ApiProperty({ example: 3, description: "All your unread notifications, not only this page's" }) unreadCount: number;
}

export class NotificationPreferencesResponse {
  @ApiProperty({ example: true }) email: boolean;
  @ApiProperty({ example: true }) inApp: boolean;
  @ApiProperty({
    example: false,
    description:
      'Discreet emails: neutral subject and body, with no exercise, therapist or product name (e.g. for a shared inbox). ' +
      "Your own choice, or the clinic's discreet mode until you choose.",
  })
  discreet: boolean;
  @ApiProperty({
    example: false,
    description: "The clinic's discreet mode is on: every reminder is discreet, whatever `discreet` says",
  })
  isClinicDiscreet: boolean;
}
