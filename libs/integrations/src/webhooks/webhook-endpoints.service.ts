import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { actorOf, decodeCursor, DomainException, newId, toPage, type Page, type Principal } from '@mend/core';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';
import { JobName, OutboxWriter, type DomainEventType } from '@mend/queue';

import { requireAllowedWebhookUrl } from './target-address.js';
import { generateWebhookSecret } from './webhook-signature.js';
import {
  toEndpointView,
  type CreatedWebhookEndpointView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
} from './webhook.views.js';
import { webhooksRepository, type WebhookDeliveryRow, type WebhookEndpointRow } from './webhooks.repository.js';

export interface CreateWebhookEndpointInput {
  url: string;
  events: DomainEventType[];
  description?: string;
}

/**
 * Outbound webhook endpoints of a clinic, managed by its admins or by API keys with
 * `webhooks:manage`. An endpoint belongs to the clinic, not to whoever created it.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The URL must resolve to public addresses only (or be allow-listed) — checked here and again
   * before every delivery. The signing secret is in this response only.
   */
  async create(
    principal: Principal,
    input: CreateWebhookEndpointInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<CreatedWebhookEndpointView | WebhookEndpointView>> {
    const url = input.url.trim();
    await requireAllowedWebhookUrl(url, this.config.webhooks.allowedHosts);
    const events = [...new Set(input.events)].sort();
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/webhook-endpoints',
        body: input,
        statusCode: 201,
        // The signing secret is shown once: a replay answers the endpoint without it.
        replay: (id) => this.get(principal, id),
      },
      async (tx) => {
        const secret = generateWebhookSecret();
        const row = await webhooksRepository.insertEndpoint(tx, {
          clinicId: principal.clinicId,
          id: newId(),
          url,
          description: input.description?.trim() || null,
          events,
          secret,
          createdBy: actorOf(principal).actorId,
        });
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, 'webhook_endpoint.create', 'webhook_endpoint', row.id),
        );
        return { ...toEndpointView(row), secret };
      },
    );
  }

  async list(principal: Principal, query: { limit: number; cursor?: string }): Promise<Page<WebhookEndpointView>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.db.withClinic(principal.clinicId, (tx) =>
      webhooksRepository.listEndpoints(tx, principal.clinicId, after ?? null, query.limit + 1),
    );
    return toPage(rows, query.limit, toEndpointView);
  }

  async get(principal: Principal, endpointId: string): Promise<WebhookEndpointView> {
    return this.db.withClinic(principal.clinicId, async (tx) =>
      toEndpointView(await this.requireEndpoint(tx, principal, endpointId)),
    );
  }

  /** Deletes the endpoint with its delivery history; deliveries still queued are dropped. */
  async remove(principal: Principal, endpointId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      if (!(await webhooksRepository.deleteEndpoint(tx, principal.clinicId, endpointId)))
        throw DomainException.notFound('Webhook endpoint');
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'webhook_endpoint.delete', 'webhook_endpoint', endpointId),
      );
    });
  }

  /** An endpoint's deliveries, newest first, each with its attempts (status codes and timing) in order. */
  async listDeliveries(
    principal: Principal,
    endpointId: string,
    query: { limit: number; cursor?: string },
  ): Promise<Page<WebhookDeliveryView>> {
    const before = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await this.requireEndpoint(tx, principal, endpointId);
      const rows = await webhooksRepository.listDeliveries(
        tx,
        principal.clinicId,
        endpointId,
        before ?? null,
        query.limit + 1,
      );
      return toPage(rows, query.limit, toDeliveryView);
    });
  }

  /**
   * Sends a finished delivery (delivered or failed) again, with the same webhook-id, and retries
   * it on failure for another retry window. 409 while it is still scheduled or the endpoint is disabled.
   */
  async redeliver(principal: Principal, endpointId: string, deliveryId: string): Promise<WebhookDeliveryView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const endpoint = await this.requireEndpoint(tx, principal, endpointId);
      const delivery = await webhooksRepository.lockDeliveryOfEndpoint(tx, principal.clinicId, deliveryId, endpointId);
      if (!delivery) throw DomainException.notFound('Webhook delivery');
      if (endpoint.disabled_at)
        throw new DomainException(
          'conflict',
          'The endpoint is disabled; create a new endpoint to receive webhooks again',
        );
      if (delivery.state === 'pending' || delivery.state === 'sending')
        throw new DomainException('conflict', 'This delivery is already scheduled');
      await webhooksRepository.restartDelivery(tx, principal.clinicId, deliveryId);
      const attempt = delivery.attempt_count + 1;
      await this.outbox.enqueue(
        tx,
        principal.clinicId,
        { name: JobName.WebhookDelivery, data: { clinicId: principal.clinicId, deliveryId, attempt } },
        { dedupeKey: `${deliveryId}.${attempt}` },
      );
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'webhook_delivery.redeliver', 'webhook_delivery', deliveryId),
      );
      const [view] = await this.deliveriesById(tx, principal.clinicId, [deliveryId]);
      return view;
    });
  }

  private async deliveriesById(tx: EntityManager, clinicId: string, ids: string[]): Promise<WebhookDeliveryView[]> {
    return (await webhooksRepository.deliveriesById(tx, clinicId, ids)).map(toDeliveryView);
  }

  private async requireEndpoint(
    tx: EntityManager,
    principal: Principal,
    endpointId: string,
  ): Promise<WebhookEndpointRow> {
    const row = await webhooksRepository.findEndpoint(tx, principal.clinicId, endpointId);
    if (!row) throw DomainException.notFound('Webhook endpoint');
    return row;
  }
}

function toDeliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    occurredAt: row.occurred_at,
    state: row.state,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
    attempts: (row.attempts ?? []).map((a) => ({
      attempt: a.attempt,
      startedAt: new Date(a.started_at),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error,
    })),
  };
}
