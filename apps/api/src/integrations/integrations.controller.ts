import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { CurrentUser, Public, Roles } from '@mend/auth';
import { DomainException, type UserPrincipal } from '@mend/core';
import { IntegrationsService } from '@mend/integrations';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { PageQuery } from '../http/pagination.dto.js';
import { RawJsonBody } from '../http/raw-body.js';
import {
  CalcomWebhookPayload,
  CalendlyWebhookPayload,
  CreatedIntegrationResponse,
  CreateIntegrationRequest,
  InboundReceiptResponse,
  IntegrationPageResponse,
  RotatedIntegrationSecretResponse,
  RotateIntegrationSecretRequest,
} from './integrations.dto.js';

@ApiTags('integrations')
@Controller('integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Connect Cal.com or Calendly: answers the webhook URL to paste into the tool',
    description:
      "Bookings then create, move and cancel sessions: attendee emails are matched to a couple's partners. " +
      'Cal.com: BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_REQUESTED (with rescheduleUid), BOOKING_CANCELLED, MEETING_ENDED. ' +
      'Calendly: invitee.created, invitee.canceled (rescheduled: true pairs with the new invitee.created; while the scheduled event stays active only that invitee is cancelled), ' +
      'invitee_no_show.created/deleted. Cal.com BOOKING_NO_SHOW_UPDATED marks partners as no-shows. Other events are stored and ignored. ' +
      'Sessions an integration makes are moved and cancelled only through it.',
  })
  @ApiIdempotentCreated(CreatedIntegrationResponse)
  async create(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: CreateIntegrationRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.integrations.create(principal, body, idempotencyKey));
  }

  @Get()
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The clinic's scheduling-tool integrations (never their secrets or URLs)" })
  @ApiOkResponse({ type: IntegrationPageResponse })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: PageQuery) {
    return this.integrations.list(principal, query);
  }

  @Delete(':id')
  @Roles('admin')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an integration: its webhook URL stops working at once (sessions it made stay)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such integration in your clinic' })
  async revoke(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Integration')) id: string) {
    await this.integrations.revoke(principal, id);
  }

  @Post(':id/signing-secret/rotate')
  @Roles('admin')
  @ApiBearerAuth()
  @HttpCode(200)
  @ApiOperation({
    summary: "Rotate an integration's signing secret: the new one is answered once",
    description:
      'Paste the new secret into Cal.com or Calendly. They sign each event with one secret, so events signed with the ' +
      'previous secret are still accepted until previousSecretValidUntil (INBOUND_SECRET_OVERLAP_HOURS, default 24 h); ' +
      'a second rotation within that time drops the oldest secret.',
  })
  @ApiOkResponse({ type: RotatedIntegrationSecretResponse })
  @ApiNotFoundResponse({ description: 'No such integration in your clinic' })
  @ApiConflictResponse({ description: 'The integration is revoked' })
  rotateSecret(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Integration')) id: string,
    @Body() body: RotateIntegrationSecretRequest,
  ) {
    return this.integrations.rotateSecret(principal, id, body);
  }

  @Post('hooks/:token')
  @Public()
  @RawJsonBody()
  @HttpCode(200)
  @ApiOperation({
    summary: 'For Cal.com and Calendly: where they deliver webhooks (the URL from POST /v1/integrations)',
    description:
      'The signature is checked on the raw body before it is parsed (Cal.com X-Cal-Signature-256; Calendly Calendly-Webhook-Signature with a 5-minute tolerance). ' +
      'A verified event is stored once and applied by the worker; a redelivery answers 200 and changes nothing.',
  })
  @ApiExtraModels(CalcomWebhookPayload, CalendlyWebhookPayload)
  @ApiBody({
    description: "The provider's webhook payload, as sent (verified on its raw bytes)",
    schema: { oneOf: [{ $ref: getSchemaPath(CalcomWebhookPayload) }, { $ref: getSchemaPath(CalendlyWebhookPayload) }] },
  })
  @ApiOkResponse({ type: InboundReceiptResponse })
  @ApiUnauthorizedResponse({ description: 'Signature missing, wrong, or its timestamp outside the tolerance' })
  @ApiNotFoundResponse({ description: 'Unknown or revoked webhook URL' })
  async receive(@Param('token') token: string, @Req() request: FastifyRequest) {
    if (!Buffer.isBuffer(request.body))
      throw new DomainException('invalid', "Send the provider's JSON payload with Content-Type: application/json");
    const receipt = await this.integrations.receive(token, request.headers, request.body);
    return { received: true, duplicate: !receipt.isNew };
  }
}
