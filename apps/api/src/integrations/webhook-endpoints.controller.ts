import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentPrincipal, RecentAuth, Roles, Scopes } from '@mend/auth';
import type { Principal } from '@mend/core';
import { WebhookEndpointsService } from '@mend/integrations';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { PageQuery } from '../http/pagination.dto.js';
import {
  CreatedWebhookEndpointResponse,
  CreateWebhookEndpointRequest,
  ListWebhookDeliveriesQuery,
  RotatedWebhookSecretResponse,
  RotateWebhookSecretRequest,
  UpdateWebhookEndpointRequest,
  WebhookDeliveryPageResponse,
  WebhookDeliveryResponse,
  WebhookEndpointPageResponse,
  WebhookEndpointResponse,
} from './webhook-endpoints.dto.js';

@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@Scopes('webhooks:manage')
@Controller('webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @RecentAuth()
  @ApiOperation({
    summary: 'Subscribe a URL to events; answers the signing secret once',
    description:
      'Deliveries are signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`), carry only the event type, time and ids, ' +
      'and are retried with exponential backoff for 24 h until the receiver answers 2xx; 410 disables the endpoint.',
  })
  @ApiIdempotentCreated(CreatedWebhookEndpointResponse)
  @ApiUnprocessableEntityResponse({
    description: 'The URL does not resolve, resolves to a non-public address, or is not https',
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWebhookEndpointRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.endpoints.create(principal, body, idempotencyKey));
  }

  @Get()
  @ApiOperation({ summary: "The clinic's webhook endpoints (never their secrets)" })
  @ApiOkResponse({ type: WebhookEndpointPageResponse })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.endpoints.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook endpoint' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string) {
    return this.endpoints.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change an endpoint's URL, subscribed events or description",
    description:
      'Only the fields sent change. A new URL passes the same address check as at creation; deliveries still scheduled go to the new URL. ' +
      'The signing secret does not change (POST …/rotate-secret does that).',
  })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  @ApiUnprocessableEntityResponse({
    description: 'The new URL does not resolve, resolves to a non-public address, or is not https',
  })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string,
    @Body() body: UpdateWebhookEndpointRequest,
  ) {
    return this.endpoints.update(principal, id, body);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make a disabled endpoint (410 Gone, or retries exhausted) active again',
    description:
      'The URL is checked again first. Events from now on are delivered; deliveries that failed meanwhile can be sent again with …/redeliver. ' +
      'Answers the endpoint; on an active endpoint this changes nothing.',
  })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  @ApiUnprocessableEntityResponse({
    description: 'The URL no longer resolves, or resolves to a non-public address: change it with PATCH first',
  })
  enable(@CurrentPrincipal() principal: Principal, @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string) {
    return this.endpoints.enable(principal, id);
  }

  @Post(':id/rotate-secret')
  @RecentAuth()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the signing secret; the old one keeps signing during an overlap (default 24 h)',
    description:
      'Answers the new secret once. Until `previousSecretExpiresAt` every delivery carries two signatures in `webhook-signature` ' +
      '(`v1,<new> v1,<old>`, as Standard Webhooks allows), so a receiver verifies with either secret while it switches. ' +
      'Rotating again during an overlap drops the oldest secret at once.',
  })
  @ApiOkResponse({ type: RotatedWebhookSecretResponse })
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  rotateSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string,
    @Body() body: RotateWebhookSecretRequest,
  ) {
    return this.endpoints.rotateSecret(principal, id, body);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a signed `webhook.test` event to this endpoint now (one attempt, in the delivery log)',
    description:
      'Whatever the endpoint subscribes to. The body is a WebhookEventBody whose data is `{endpointId}`; the answer is the delivery, ' +
      'pending: read its outcome (status code or error class) from GET …/deliveries.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiConflictResponse({ description: 'The endpoint is disabled: enable it first' })
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  sendTest(@CurrentPrincipal() principal: Principal, @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string) {
    return this.endpoints.sendTest(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its delivery history; nothing more is sent to it' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string,
  ) {
    await this.endpoints.remove(principal, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "An endpoint's deliveries, newest first, with every attempt (status code, timing, error class)",
    description:
      'Filter by `state` and/or `eventType`; kept for WEBHOOK_DELIVERY_RETENTION_DAYS (30 by default) after they finish.',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiNotFoundResponse({ description: 'No such endpoint in your clinic' })
  deliveries(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string,
    @Query() query: ListWebhookDeliveriesQuery,
  ) {
    return this.endpoints.listDeliveries(principal, id, query);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivered or failed delivery again (same webhook-id), with a fresh 24 h of retries',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiConflictResponse({
    description: 'The delivery is still scheduled, or the endpoint is disabled (enable it first)',
  })
  @ApiNotFoundResponse({ description: 'No such endpoint or delivery in your clinic' })
  redeliver(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Webhook endpoint')) id: string,
    @Param('deliveryId', new ResourceIdPipe('Webhook delivery')) deliveryId: string,
  ) {
    return this.endpoints.redeliver(principal, id, deliveryId);
  }
}
