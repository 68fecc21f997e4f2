import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Roles, Scopes } from '@mend/auth';
import { isDomainEventType } from '@mend/integrations';

import {
  WEBHOOK_DATA_MODELS,
  WEBHOOK_EVENT_CATALOGUE,
  WebhookEventBody,
  WebhookEventTypeListResponse,
} from './webhook-events.dto.js';

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiExtraModels(WebhookEventBody, ...WEBHOOK_DATA_MODELS)
@Roles('admin')
@Scopes('webhooks:manage')
@Controller('webhook-events')
export class WebhookEventsController {
  @Get()
  @ApiOperation({
    summary: 'The event catalogue: every event type a webhook endpoint can subscribe to, with the schema of its data',
    description:
      'Every delivery body is a WebhookEventBody `{type, timestamp, data}` whose data is the named schema (`dataSchemaRef` points into this document); it carries ids only. ' +
      '`webhook.test` is sent only by POST /v1/webhook-endpoints/{id}/test.',
  })
  @ApiOkResponse({ type: WebhookEventTypeListResponse })
  list(): WebhookEventTypeListResponse {
    return {
      data: Object.entries(WEBHOOK_EVENT_CATALOGUE).map(([type, entry]) => ({
        type: type as keyof typeof WEBHOOK_EVENT_CATALOGUE,
        description: entry.description,
        subscribable: isDomainEventType(type),
        dataSchema: entry.data.name,
        dataSchemaRef: `/docs-json#/components/schemas/${entry.data.name}`,
      })),
    };
  }
}
