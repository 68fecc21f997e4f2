import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT, type DomainEventType } from '@mend/integrations';

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

export class WebhookTestData {
  @ApiProperty({ format: 'uuid', description: 'The endpoint the test was sent to' }) endpointId: string;
}

export type WebhookEventType = DomainEventType | typeof WEBHOOK_TEST_EVENT;

/** What each event means and which `data` it carries: the one source of the catalogue route and the document. */
export const WEBHOOK_EVENT_CATALOGUE: Record<WebhookEventType, { description: string; data: Function }> = {
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
  [WEBHOOK_TEST_EVENT]: {
    description:
      'A test delivery asked for with POST /v1/webhook-endpoints/{id}/test; sent to that endpoint only, and not subscribable',
    data: WebhookTestData,
  },
};

export const WEBHOOK_DATA_MODELS = [
  CheckinSubmittedData,
  AssignmentCompletedData,
  OccurrenceMissedData,
  SessionEventData,
  AlertOpenedData,
  ReminderSentData,
  WebhookTestData,
];

/** The body of every webhook delivery; `data` depends on `type` (see the catalogue). */
export class WebhookEventBody {
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, example: 'session.created' }) type: WebhookEventType;
  @ApiProperty({ format: 'date-time', description: 'When it happened' }) timestamp: string;
  @ApiProperty({
    // anyOf: the data schemas share ids (assignmentId, coupleId), so a body may match several.
    anyOf: WEBHOOK_DATA_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
    description: 'The ids of what the event is about; ask the API for more with your own credentials',
  })
  data: object;
}

export class WebhookEventTypeResponse {
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) type: WebhookEventType;
  @ApiProperty({ example: 'A session was booked' }) description: string;
  @ApiProperty({
    example: true,
    description: 'Whether an endpoint can subscribe to it (`webhook.test` is sent only on request)',
  })
  subscribable: boolean;
  @ApiProperty({ example: 'SessionEventData', description: 'The name of the schema of `data` in this document' })
  dataSchema: string;
  @ApiProperty({
    example: '/docs-json#/components/schemas/SessionEventData',
    description: 'A JSON reference to that schema in the OpenAPI document (GET /docs-json)',
  })
  dataSchemaRef: string;
}

export class WebhookEventTypeListResponse {
  @ApiProperty({ type: [WebhookEventTypeResponse] }) data: WebhookEventTypeResponse[];
}
