import type { DomainEventType } from '@mend/queue';

import type { WebhookDeliveryState, WebhookEndpointRow } from './webhooks.repository.js';

export type WebhookEndpointStatus = 'active' | 'disabled';
export const WEBHOOK_DELIVERY_STATES: readonly WebhookDeliveryState[] = ['pending', 'sending', 'delivered', 'failed'];

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  events: DomainEventType[];
  status: WebhookEndpointStatus;
  /** `gone`: the receiver answered 410, which disables the endpoint. */
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface CreatedWebhookEndpointView extends WebhookEndpointView {
  /** The Standard Webhooks signing secret (`whsec_…`); shown only when the endpoint is created. */
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
    createdAt: row.created_at,
  };
}
