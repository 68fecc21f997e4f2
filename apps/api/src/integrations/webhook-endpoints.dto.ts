import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

import {
  DEFAULT_SECRET_OVERLAP_HOURS,
  DOMAIN_EVENT_TYPES,
  MAX_SECRET_OVERLAP_HOURS,
  WEBHOOK_DELIVERY_STATES,
  WEBHOOK_DISABLED_REASONS,
  WEBHOOK_EVENT_TYPES,
  type DomainEventType,
  type WebhookDeliveryState,
} from '@mend/integrations';

import { PageQuery } from '../http/pagination.dto.js';

const URL_DESCRIPTION =
  'https URL. Refused (422) when it resolves to a loopback, private, link-local or otherwise non-public address, unless WEBHOOK_ALLOWED_HOSTS names it.';

export class CreateWebhookEndpointRequest {
  @ApiProperty({ example: 'https://clinic-system.example/hooks/mend', maxLength: 2000, description: URL_DESCRIPTION })
  @IsString()
  @Length(1, 2000)
  url: string;

  @ApiProperty({
    enum: DOMAIN_EVENT_TYPES,
    isArray: true,
    minItems: 1,
    maxItems: DOMAIN_EVENT_TYPES.length,
    example: ['session.created', 'session.updated', 'session.cancelled'],
    description: 'The event types to receive (GET /v1/webhook-events lists them)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DOMAIN_EVENT_TYPES.length)
  @IsIn(DOMAIN_EVENT_TYPES, { each: true })
  events: DomainEventType[];

  @ApiPropertyOptional({ example: 'Front-desk system', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}

/** Only the fields sent change. */
export class UpdateWebhookEndpointRequest {
  @ApiPropertyOptional({
    example: 'https://clinic-system.example/hooks/mend-v2',
    maxLength: 2000,
    description: URL_DESCRIPTION,
  })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  url?: string;

  @ApiPropertyOptional({
    enum: DOMAIN_EVENT_TYPES,
    isArray: true,
    minItems: 1,
    maxItems: DOMAIN_EVENT_TYPES.length,
    example: ['session.created', 'session.cancelled'],
    description: 'Replaces the subscribed event types',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DOMAIN_EVENT_TYPES.length)
  @IsIn(DOMAIN_EVENT_TYPES, { each: true })
  events?: DomainEventType[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'Front-desk system',
    maxLength: 200,
    description: 'null or empty clears it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string | null;
}

export class RotateWebhookSecretRequest {
  @ApiPropertyOptional({
    type: Number,
    minimum: 0,
    maximum: MAX_SECRET_OVERLAP_HOURS,
    default: DEFAULT_SECRET_OVERLAP_HOURS,
    example: 24,
    description:
      'How many hours the replaced secret keeps signing next to the new one (0: it stops now). During the overlap `webhook-signature` carries both signatures.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SECRET_OVERLAP_HOURS)
  overlapHours?: number;
}

export class ListWebhookDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: WEBHOOK_DELIVERY_STATES, description: 'Only deliveries in this state' })
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATES)
  state?: WebhookDeliveryState;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, description: 'Only deliveries of this event type' })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES)
  eventType?: string;
}

export class WebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://clinic-system.example/hooks/mend' }) url: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'Front-desk system' }) description: string | null;
  @ApiProperty({ enum: DOMAIN_EVENT_TYPES, isArray: true }) events: string[];
  @ApiProperty({ enum: ['active', 'disabled'], description: 'A receiver answering 410 Gone disables its endpoint' })
  status: string;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: WEBHOOK_DISABLED_REASONS,
    description:
      '`gone`: the receiver answered 410; `failing`: a delivery exhausted its retries (24 h) and nothing reached the endpoint meanwhile. POST …/enable makes it active again.',
  })
  disabledReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) disabledAt: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      'During a secret rotation: until when the replaced secret still signs (each delivery then carries two signatures); null otherwise',
  })
  previousSecretExpiresAt: Date | null;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
}

export class CreatedWebhookEndpointResponse extends WebhookEndpointResponse {
  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'Standard Webhooks signing secret. Shown only in this response: store it now. Verify `webhook-signature` (v1, HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"). ' +
      'Absent on an Idempotency-Key replay: if the first answer was lost, rotate the secret (POST …/rotate-secret).',
  })
  secret?: string;
}

export class RotatedWebhookSecretResponse extends WebhookEndpointResponse {
  @ApiProperty({
    example: 'whsec_Pl8e1lH0dUTfeGR0rcCNmfUFeyXbWeGbJTxLwVGV5wk=',
    description:
      'The new Standard Webhooks signing secret. Shown only in this response: store it now. It signs from now on; the replaced one too until previousSecretExpiresAt.',
  })
  secret: string;
}

export class WebhookEndpointPageResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] }) data: WebhookEndpointResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class DeliveryAttemptResponse {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({ format: 'date-time' }) startedAt: Date;
  @ApiProperty({ example: 84 }) durationMs: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    example: 503,
    description: "The receiver's status; null when none came back",
  })
  statusCode: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'timeout',
    description:
      'Why no status came back: timeout, connection_refused, connection_reset, unreachable, tls_error, network_error, forbidden_address, unresolvable',
  })
  error: string | null;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header: the same on every attempt' })
  eventId: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, example: 'session.created' }) eventType: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: Date;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATES }) state: string;
  @ApiProperty({ example: 3 }) attemptCount: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) nextAttemptAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) deliveredAt: Date | null;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: [DeliveryAttemptResponse], description: 'Every attempt in order' })
  attempts: DeliveryAttemptResponse[];
}

export class WebhookDeliveryPageResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] }) data: WebhookDeliveryResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
