import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';

import {
  INBOUND_EVENT_OUTCOMES,
  INBOUND_PROVIDERS,
  type InboundEventOutcome,
  type InboundProvider,
} from '@mend/integrations';

import { PageQuery } from '../http/pagination.dto.js';

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
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the signing secret was last rotated (null: never)',
  })
  secretRotatedAt: Date | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Until when events signed with the previous secret are still accepted (null: no overlap running)',
  })
  previousSecretValidUntil: Date | null;
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
  @ApiPropertyOptional({ example: true, description: 'BOOKING_NO_SHOW_UPDATED: whether the attendee is a no-show' })
  noShow?: boolean;
}

class CalcomBooking {
  @ApiPropertyOptional({ description: 'The booking uid (BOOKING_NO_SHOW_UPDATED sends bookingUid instead)' })
  uid?: string;
  @ApiPropertyOptional({ description: 'BOOKING_NO_SHOW_UPDATED: the booking whose attendees were marked' })
  bookingUid?: string;
  @ApiPropertyOptional({ description: 'BOOKING_REQUESTED/RESCHEDULED: the uid of the booking it replaces' })
  rescheduleUid?: string;
  @ApiPropertyOptional({ format: 'date-time' }) startTime?: string;
  @ApiPropertyOptional({ format: 'date-time' }) endTime?: string;
  @ApiProperty({ type: [CalcomAttendee] }) attendees: CalcomAttendee[];
}

/** What Cal.com posts (only the fields Mend reads; the rest is ignored and never stored). */
export class CalcomWebhookPayload {
  @ApiProperty({
    example: 'BOOKING_CREATED',
    description:
      'BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_REQUESTED, BOOKING_CANCELLED, MEETING_ENDED, BOOKING_NO_SHOW_UPDATED; others are stored and ignored',
  })
  triggerEvent: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: CalcomBooking }) payload: CalcomBooking;
}

class CalendlyScheduledEvent {
  @ApiProperty({ format: 'uri' }) uri: string;
  @ApiProperty({ format: 'date-time' }) start_time: string;
  @ApiProperty({ format: 'date-time' }) end_time: string;
  @ApiPropertyOptional({
    example: 'active',
    description: 'active or canceled: an invitee.canceled while the event is still active cancels only that invitee',
  })
  status?: string;
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
    description:
      'invitee.created, invitee.canceled, invitee_no_show.created, invitee_no_show.deleted; others are stored and ignored',
  })
  event: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: CalendlyInvitee }) payload: CalendlyInvitee;
}

export class RotateIntegrationSecretRequest {
  @ApiPropertyOptional({
    example: 'a-new-secret-typed-into-cal-com',
    minLength: 8,
    maxLength: 500,
    description:
      'The new secret, when the tool makes you choose it; omit it and Mend generates one. Either way it is answered once.',
  })
  @IsOptional()
  @IsString()
  @Length(8, 500)
  signingSecret?: string;
}

export class RotatedIntegrationSecretResponse extends IntegrationResponse {
  @ApiProperty({
    example: 'mend_3q2-Xn0bW7k0lVxQJw2cTt1b9m5yH4sKfA8eZ6rP0uI',
    description:
      'The new signing secret: paste it into the scheduling tool. Shown only in this response. Events signed with the previous secret are still accepted until previousSecretValidUntil.',
  })
  signingSecret: string;
}

export class ListInboundEventsQuery extends PageQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    example: '019a7c2d-0000-7a3c-9d2e-4f6a8b0c1d2e',
    description: "Only this integration's events",
  })
  @IsOptional()
  @IsUUID()
  integrationId?: string;

  @ApiPropertyOptional({
    enum: INBOUND_EVENT_OUTCOMES,
    example: 'unmatched',
    description: 'Only events with this outcome',
  })
  @IsOptional()
  @IsIn(INBOUND_EVENT_OUTCOMES)
  outcome?: InboundEventOutcome;
}

export class InboundEventResponse {
  @ApiProperty({ format: 'uuid', example: '019a7c2e-5b1f-7a3c-9d2e-4f6a8b0c1d2e' }) id: string;
  @ApiProperty({ format: 'uuid', example: '019a7c2d-0000-7a3c-9d2e-4f6a8b0c1d2e' }) integrationId: string;
  @ApiProperty({ example: 'BOOKING_CREATED', description: "The provider's event name" }) eventType: string;
  @ApiProperty({
    enum: INBOUND_EVENT_OUTCOMES,
    example: 'unmatched',
    description:
      'pending: not applied yet; applied: changed a session; duplicate: the session already was so; ignored: nothing to do (see reason); unmatched: the attendees match no couple (or several)',
  })
  outcome: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'no_couple_matches_attendees',
    description: 'A stable code for programs (null while pending)',
  })
  reasonCode: string | null;
  @ApiProperty({
    example: 'no couple matches the attendees',
    description: 'What happened, in plain words; never personal data',
  })
  reason: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid', example: null }) sessionId: string | null;
  @ApiProperty({
    type: [String],
    example: ['a***@example.com', 'b***@example.org'],
    description:
      "The booking's attendee emails, masked (first character and domain): enough to recognise a partner or a mistyped domain",
  })
  attendees: string[];
  @ApiProperty({ format: 'date-time' }) receivedAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) processedAt: Date | null;
  @ApiProperty({
    example: 0,
    minimum: 0,
    description: 'How many times the tool sent this same event again (applied once)',
  })
  redeliveries: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) lastReceivedAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) reprocessedAt: Date | null;
  @ApiProperty({ example: 0, minimum: 0 }) reprocessCount: number;
}

export class InboundEventPageResponse {
  @ApiProperty({ type: [InboundEventResponse] }) data: InboundEventResponse[];
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Pass as `cursor` for the next page' })
  nextCursor: string | null;
}
