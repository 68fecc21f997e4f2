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
  DEFAULT_SECRET_OVERLAP_HOURS,
  toEndpointView,
  WEBHOOK_TEST_EVENT,
  type CreatedWebhookEndpointView,
  type RotatedWebhookSecretView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
} from './webhook.views.js';
import {
  webhooksRepository,
  type WebhookDeliveryRow,
  type WebhookDeliveryState,
  type WebhookEndpointRow,
} from './webhooks.repository.js';

export interface CreateWebhookEndpointInput {
  url: string;
  events: DomainEventType[];
  description?: string;
}

export interface UpdateWebhookEndpointInput {
  url?: string;
  events?: DomainEventType[];
  /** null or blank clears it. */
  description?: string | null;
}

export interface DeliveryListQuery {
  limit: number;
  cursor?: string;
  state?: WebhookDeliveryState;
  eventType?: string;
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

  /**
   * Changes the URL, the events or the description. A new URL passes the same address check as
   * at creation (422 otherwise); deliveries still scheduled go to the new URL.
   */
  async update(
    principal: Principal,
    endpointId: string,
    input: UpdateWebhookEndpointInput,
  ): Promise<WebhookEndpointView> {
    const url = input.url?.trim();
    if (url !== undefined) await requireAllowedWebhookUrl(url, this.config.webhooks.allowedHosts);
    const events = input.events ? [...new Set(input.events)].sort() : undefined;
    const description = input.description === undefined ? undefined : input.description?.trim() || null;
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const row = await webhooksRepository.updateEndpoint(tx, principal.clinicId, endpointId, {
        url,
        events,
        description,
      });
      if (!row) throw DomainException.notFound('Webhook endpoint');
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'webhook_endpoint.update', 'webhook_endpoint', endpointId),
      );
      return toEndpointView(row);
    });
  }

  /**
   * Makes a disabled endpoint (410 Gone, or retries exhausted) active again; its URL is checked
   * again first (DNS may have changed). New events are delivered from now on; deliveries that
   * failed meanwhile can be sent again one by one (redeliver). A no-op on an active endpoint.
   */
  async enable(principal: Principal, endpointId: string): Promise<WebhookEndpointView> {
    const current = await this.get(principal, endpointId);
    await requireAllowedWebhookUrl(current.url, this.config.webhooks.allowedHosts);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const row = await webhooksRepository.enableEndpoint(tx, principal.clinicId, endpointId);
      if (!row) throw DomainException.notFound('Webhook endpoint');
      if (current.status === 'disabled')
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, 'webhook_endpoint.enable', 'webhook_endpoint', endpointId),
        );
      return toEndpointView(row);
    });
  }

  /**
   * A new signing secret, answered once. For `overlapHours` (default 24, 0 to stop at once) the
   * replaced secret signs too — every delivery carries both signatures — so the receiver can
   * switch without refusing a delivery. Rotating again during an overlap drops the oldest secret.
   */
  async rotateSecret(
    principal: Principal,
    endpointId: string,
    input: { overlapHours?: number },
  ): Promise<RotatedWebhookSecretView> {
    const overlapHours = input.overlapHours ?? DEFAULT_SECRET_OVERLAP_HOURS;
    const secret = generateWebhookSecret();
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const row = await webhooksRepository.rotateSecret(
        tx,
        principal.clinicId,
        endpointId,
        secret,
        Math.round(overlapHours * 3600),
      );
      if (!row) throw DomainException.notFound('Webhook endpoint');
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'webhook_endpoint.rotate_secret', 'webhook_endpoint', endpointId),
      );
      return { ...toEndpointView(row), secret };
    });
  }

  /**
   * Sends a signed `webhook.test` event (data: the endpoint id) to this endpoint only, whatever
   * it subscribes to: one attempt, recorded in the delivery log like any delivery. 409 when the
   * endpoint is disabled (enable it first).
   */
  async sendTest(principal: Principal, endpointId: string): Promise<WebhookDeliveryView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const endpoint = await this.requireEndpoint(tx, principal, endpointId);
      if (endpoint.disabled_at)
        throw new DomainException('conflict', 'The endpoint is disabled; enable it before sending a test');
      const eventId = newId();
      await webhooksRepository.insertEvent(tx, principal.clinicId, eventId, WEBHOOK_TEST_EVENT, { endpointId });
      const deliveryId = await webhooksRepository.insertDelivery(tx, principal.clinicId, newId(), endpointId, eventId);
      if (!deliveryId) throw new Error('a fresh test event already has a delivery');
      await this.outbox.enqueue(
        tx,
        principal.clinicId,
        { name: JobName.WebhookDelivery, data: { clinicId: principal.clinicId, deliveryId, attempt: 1 } },
        { dedupeKey: `${deliveryId}.1` },
      );
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'webhook_endpoint.test', 'webhook_endpoint', endpointId),
      );
      const [view] = await this.deliveriesById(tx, principal.clinicId, [deliveryId]);
      return view;
    });
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

  /**
   * An endpoint's deliveries, newest first, each with its attempts (status codes and timing) in
   * order; optionally only those in one state and/or of one event type.
   */
  async listDeliveries(
    principal: Principal,
    endpointId: string,
    query: DeliveryListQuery,
  ): Promise<Page<WebhookDeliveryView>> {
    const before = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await this.requireEndpoint(tx, principal, endpointId);
      const rows = await webhooksRepository.listDeliveries(
        tx,
        principal.clinicId,
        endpointId,
        { state: query.state, eventType: query.eventType },
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
        throw new DomainException('conflict', 'The endpoint is disabled; enable it before sending deliveries again');
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
