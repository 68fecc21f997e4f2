import { Module } from '@nestjs/common';

import { SessionsModule } from '@mend/sessions';

import { CalendarFeedsService } from './calendar/calendar-feeds.service.js';
import { ExternalSessionsService } from './external-sessions.service.js';
import { InboundEventsService } from './inbound/inbound-events.service.js';
import { IntegrationsService } from './inbound/integrations.service.js';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service.js';
import { WebhookEndpointsService } from './webhooks/webhook-endpoints.service.js';

const services = [
  WebhookEndpointsService,
  WebhookDeliveryService,
  IntegrationsService,
  InboundEventsService,
  ExternalSessionsService,
  CalendarFeedsService,
];

/** Webhooks out, scheduling tools in, external session upserts and calendar feeds; shared by the API and the worker. */
@Module({ imports: [SessionsModule], providers: services, exports: services })
export class IntegrationsModule {}
