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
  @ApiProperty({
    example: 'https://mend.example/v1/integrations/hooks/whk_0193…_…',
    description:
      'Paste this as the webhook URL in the scheduling tool. It contains a secret: shown only in this response.',
  })
  webhookUrl: string;
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
