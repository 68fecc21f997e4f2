import { DOMAIN_EVENT_TYPES, type DomainEventType } from '@mend/queue';

import type { WebhookDeliveryState, WebhookEndpointDisabledReason, WebhookEndpointRow } from './webhooks.repository.js';

export type WebhookEndpointStatus = 'active' | 'disabled';
export const WEBHOOK_DELIVERY_STATES: readonly WebhookDeliveryState[] = ['pending', 'sending', 'delivered', 'failed'];
export const WEBHOOK_DISABLED_REASONS: readonly WebhookEndpointDisabledReason[] = ['gone', 'failing'];

/**
 * The event of a test delivery (`POST /v1/webhook-endpoints/{id}/test`): sent to that endpoint
 * only, whatever it subscribes to; it cannot be subscribed to. Its data is `{endpointId}`.
 */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
/** Every event type a delivery can carry: the subscribable ones and the test event. */
export const WEBHOOK_EVENT_TYPES = [...DOMAIN_EVENT_TYPES, WEBHOOK_TEST_EVENT] as const;

/** How long the replaced secret keeps signing after a rotation, by default and at most. */
export const DEFAULT_SECRET_OVERLAP_HOURS = 24;
export const MAX_SECRET_OVERLAP_HOURS = 168;

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  events: DomainEventType[];
  status: WebhookEndpointStatus;
  /** `gone`: the receiver answered 410; `failing`: a delivery exhausted its retries with nothing getting through. */
  disabledReason: WebhookEndpointDisabledReason | null;
  disabledAt: Date | null;
  /** While a rotation's overlap lasts: until when the replaced secret still signs (next to the current one). */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
}

export interface CreatedWebhookEndpointView extends WebhookEndpointView {
  /** The Standard Webhooks signing secret (`whsec_…`); shown only when the endpoint is created. */
  secret: string;
}

export interface RotatedWebhookSecretView extends WebhookEndpointView {
  /** The new signing secret (`whsec_…`); shown only in this response. */
  secret: string;
}

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  occurredAt: Date;
  state: WebhookDeliveryState;
  attemptCount: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  /** Every attempt, in order. */
  attempts: DeliveryAttemptView[];
}

export function toEndpointView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    status: row.disabled_at ? 'disabled' : 'active',
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
  };
}
