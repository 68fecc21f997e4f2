import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

import { INBOUND_PROVIDERS, type InboundProvider } from '@mend/integrations';

export class CreateIntegrationRequest {
  @ApiProperty({ enum: INBOUND_PROVIDERS, example: 'calcom' })
  @IsIn(INBOUND_PROVIDERS)
  provider: InboundProvider;

  @ApiProperty({
    example: 'the-secret-set-on-the-cal-com-webhook',
    description:
      'The signing secret configured on the webhook in Cal.com (X-Cal-Signature-256) or Calendly (Calendly-Webhook-Signature). Never shown again.',
  })
  @IsString()
  @Length(8, 500)
  signingSecret: string;

  @ApiPropertyOptional({ example: "Dr. Rivera's Cal.com", maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class IntegrationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: INBOUND_PROVIDERS }) provider: string;
  @ApiPropertyOptional({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ enum: ['active', 'revoked'] }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) revokedAt: Date | null;
}

export class CreatedIntegrationResponse extends IntegrationResponse {
  @ApiPropertyOptional({
    example: 'https://mend.example/v1/integrations/hooks/whk_0193…_…',
    description:
      'Paste this as the webhook URL in the scheduling tool. It contains a secret: shown only in this response, and absent on an Idempotency-Key replay.',
  })
  webhookUrl?: string;
}

export class IntegrationPageResponse {
  @ApiProperty({ type: [IntegrationResponse] }) data: IntegrationResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class InboundReceiptResponse {
  @ApiProperty({ example: true }) received: boolean;
  @ApiProperty({
    example: false,
    description: 'true when this exact event was already received (a redelivery): nothing more happens',
  })
  duplicate: boolean;
}

class CalcomAttendee {
  @ApiProperty({ example: 'alex@example.com' }) email: string;
}

class CalcomBooking {
  @ApiProperty({ description: 'The booking uid' }) uid: string;
  @ApiPropertyOptional({ description: 'BOOKING_REQUESTED/RESCHEDULED: the uid of the booking it replaces' })
  rescheduleUid?: string;
  @ApiProperty({ format: 'date-time' }) startTime: string;
  @ApiProperty({ format: 'date-time' }) endTime: string;
  @ApiProperty({ type: [CalcomAttendee] }) attendees: CalcomAttendee[];
}

/** What Cal.com posts (only the fields Mend reads; the rest is ignored and never stored). */
export class CalcomWebhookPayload {
  @ApiProperty({
    example: 'BOOKING_CREATED',
    description:
      'BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_REQUESTED, BOOKING_CANCELLED, MEETING_ENDED; others are stored and ignored',
  })
  triggerEvent: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: CalcomBooking }) payload: CalcomBooking;
}

class CalendlyScheduledEvent {
  @ApiProperty({ format: 'uri' }) uri: string;
  @ApiProperty({ format: 'date-time' }) start_time: string;
  @ApiProperty({ format: 'date-time' }) end_time: string;
  @ApiPropertyOptional({ example: 'active', description: 'active or canceled' }) status?: string;
}

class CalendlyInvitee {
  @ApiProperty({ format: 'uri' }) uri: string;
  @ApiProperty({ example: 'alex@example.com' }) email: string;
  @ApiPropertyOptional({ description: 'invitee.canceled: true when the invitee rescheduled' }) rescheduled?: boolean;
  @ApiProperty({ type: CalendlyScheduledEvent }) scheduled_event: CalendlyScheduledEvent;
}

/** What Calendly posts (only the fields Mend reads; the rest is ignored and never stored). */
export class CalendlyWebhookPayload {
  @ApiProperty({
    example: 'invitee.created',
    description: 'invitee.created, invitee.canceled; others are stored and ignored',
  })
  event: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: CalendlyInvitee }) payload: CalendlyInvitee;
}
