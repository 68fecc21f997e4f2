export {
  DOMAIN_EVENT_TYPES,
  type DomainEventData,
  type DomainEventType,
  announceEvent,
  isDomainEventType,
} from '@mend/queue';
export * from './integration-tokens.js';
export * from './couple-matching.js';
export * from './external-sessions.service.js';
export * from './calendar/ical-feed.js';
export * from './calendar/calendar-feeds.service.js';
export * from './calendar/calendar-feeds.repository.js';
export * from './inbound/provider.driver.js';
export * from './inbound/calcom.driver.js';
export * from './inbound/calendly.driver.js';
export * from './inbound/integrations.service.js';
export * from './inbound/integrations.repository.js';
export * from './inbound/inbound-events.service.js';
export * from './inbound/inbound-event.views.js';
export * from './inbound/inbound-retention.js';
export * from './webhooks/target-address.js';
export * from './webhooks/webhook-signature.js';
export * from './webhooks/webhook-retry.js';
export * from './webhooks/webhook-sender.js';
export * from './webhooks/webhook.views.js';
export * from './webhooks/webhook-endpoints.service.js';
export * from './webhooks/webhook-delivery.service.js';
export * from './webhooks/webhooks.repository.js';
export * from './webhooks/missed-occurrences.js';
export * from './integrations.module.js';
export * from './periodic.sweeps.js';
export * from './webhooks/webhook-retention.js';
