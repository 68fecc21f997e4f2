import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

import { DOMAIN_EVENT_TYPES, WEBHOOK_DELIVERY_STATES, type DomainEventType } from '@mend/integrations';

export class CreateWebhookEndpointRequest {
  @ApiProperty({
    example: 'https://clinic-system.example/hooks/mend',
    description:
      'https URL. Refused (422) when it resolves to a loopback, private, link-local or otherwise non-public address, unless WEBHOOK_ALLOWED_HOSTS names it.',
  })
  @IsString()
  @Length(1, 2000)
  url: string;

  @ApiProperty({
    enum: DOMAIN_EVENT_TYPES,
    isArray: true,
    example: ['session.created', 'session.updated', 'session.cancelled'],
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

export class WebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://clinic-system.example/hooks/mend' }) url: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'Front-desk system' }) description: string | null;
  @ApiProperty({ enum: DOMAIN_EVENT_TYPES, isArray: true }) events: string[];
  @ApiProperty({ enum: ['active', 'disabled'], description: 'A receiver answering 410 Gone disables its endpoint' })
  status: string;
  @ApiPropertyOptional({ nullable: true, type: String, enum: ['gone'] }) disabledReason: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) disabledAt: Date | null;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
}

export class CreatedWebhookEndpointResponse extends WebhookEndpointResponse {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'Standard Webhooks signing secret. Shown only in this response: store it now. Verify `webhook-signature` (v1, HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>").',
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
  @ApiProperty({ example: 'session.created' }) eventType: string;
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
