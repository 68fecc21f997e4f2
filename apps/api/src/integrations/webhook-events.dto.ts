import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

import { DOMAIN_EVENT_TYPES, type DomainEventType } from '@mend/integrations';

/** The ids each webhook event carries in `data` (never clinical content): one class per event type. */
export class CheckinSubmittedData {
  @ApiProperty({ format: 'uuid' }) checkInId: string;
  @ApiProperty({ format: 'uuid' }) assignmentId: string;
  @ApiProperty({ format: 'uuid' }) occurrenceId: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ format: 'uuid' }) partnerId: string;
}

export class AssignmentCompletedData {
  @ApiProperty({ format: 'uuid' }) assignmentId: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
}

export class OccurrenceMissedData {
  @ApiProperty({ format: 'uuid' }) occurrenceId: string;
  @ApiProperty({ format: 'uuid' }) assignmentId: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for a joint occurrence' })
  partnerId: string | null;
}

export class SessionEventData {
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
}

export class AlertOpenedData {
  @ApiProperty({ format: 'uuid' }) alertId: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) partnerId: string | null;
}

export class ReminderSentData {
  @ApiProperty({ format: 'uuid' }) notificationId: string;
  @ApiProperty({ format: 'uuid' }) recipientId: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) occurrenceId?: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) sessionId?: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) alertId?: string | null;
}

/** What each event means and which `data` it carries. */
export const WEBHOOK_EVENT_CATALOGUE: Record<DomainEventType, { description: string; data: Function }> = {
  'checkin.submitted': { description: 'A partner submitted a check-in', data: CheckinSubmittedData },
  'assignment.completed': {
    description: 'An assignment ended with every occurrence answered',
    data: AssignmentCompletedData,
  },
  'occurrence.missed': { description: 'An occurrence closed without a check-in', data: OccurrenceMissedData },
  'session.created': {
    description: 'A session was booked (in Mend, by an API key or by a scheduling tool)',
    data: SessionEventData,
  },
  'session.updated': { description: "A session's times or status changed", data: SessionEventData },
  'session.cancelled': { description: 'A session was cancelled', data: SessionEventData },
  'alert.opened': { description: 'Progress opened an alert for the therapist', data: AlertOpenedData },
  'reminder.sent': { description: 'A reminder or notification went out', data: ReminderSentData },
};

export const WEBHOOK_DATA_MODELS = [
  CheckinSubmittedData,
  AssignmentCompletedData,
  OccurrenceMissedData,
  SessionEventData,
  AlertOpenedData,
  ReminderSentData,
];

/** The body of every webhook delivery; `data` depends on `type` (see the catalogue). */
export class WebhookEventBody {
  @ApiProperty({ enum: DOMAIN_EVENT_TYPES, example: 'session.created' }) type: DomainEventType;
  @ApiProperty({ format: 'date-time', description: 'When it happened' }) timestamp: string;
  @ApiProperty({
    // anyOf: the data schemas share ids (assignmentId, coupleId), so a body may match several.
    anyOf: WEBHOOK_DATA_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
    description: 'The ids of what the event is about; ask the API for more with your own credentials',
  })
  data: object;
}

export class WebhookEventTypeResponse {
  @ApiProperty({ enum: DOMAIN_EVENT_TYPES }) type: DomainEventType;
  @ApiProperty({ example: 'A session was booked' }) description: string;
  @ApiProperty({ example: 'SessionEventData', description: 'The schema of `data` in this document' })
  dataSchema: string;
}

export class WebhookEventTypeListResponse {
  @ApiProperty({ type: [WebhookEventTypeResponse] }) data: WebhookEventTypeResponse[];
}
