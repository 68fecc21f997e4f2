import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { actorOf, decodeCursor, DomainException, newId, toPage, type Page, type Principal } from '@mend/core';
import { IdempotencyService, queryRows, TenantDatabase, type IdempotentResult } from '@mend/database';
import { JobName, OutboxWriter, type DomainEventType } from '@mend/queue';

import { requireAllowedWebhookUrl } from './target-address.js';
import { generateWebhookSecret } from './webhook-signature.js';
import {
  ENDPOINT_COLUMNS,
  toEndpointView,
  type CreatedWebhookEndpointView,
  type WebhookDeliveryState,
  type WebhookDeliveryView,
  type WebhookEndpointRow,
  type WebhookEndpointView,
} from './webhook.views.js';

export interface CreateWebhookEndpointInput {
  url: string;
  events: DomainEventType[];
  description?: string;
}

/** A delivery with its event's type and time and every attempt, in order. */
const DELIVERY_SELECT = `
  SELECT d.id, d.event_id, ev.type AS event_type, ev.occurred_at, d.state, d.attempt_count, d.next_attempt_at, d.delivered_at, d.created_at,
         (SELECT json_agg(json_build_object('attempt', a.attempt, 'started_at', a.started_at, 'duration_ms', a.duration_ms,
                                            'status_code', a.status_code, 'error', a.error) ORDER BY a.attempt)
            FROM webhook_delivery_attempt a WHERE a.clinic_id = d.clinic_id AND a.delivery_id = d.id) AS attempts
    FROM webhook_delivery d
    JOIN webhook_event ev ON ev.clinic_id = d.clinic_id AND ev.id = d.event_id`;

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  occurred_at: Date;
  state: WebhookDeliveryState;
  attempt_count: number;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  attempts: Array<{
    attempt: number;
    started_at: string;
    duration_ms: number;
    status_code: number | null;
    error: string | null;
  }> | null;
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
  ): Promise<IdempotentResult<CreatedWebhookEndpointView>> {
    const url = input.url.trim();
    await requireAllowedWebhookUrl(url, this.config.webhooks.allowedHosts);
    const events = [...new Set(input.events)].sort();
    return this.idempotency.run(
      principal,
      { key: idempotencyKey, operation: 'POST /v1/webhook-endpoints', body: input, statusCode: 201 },
      async (tx) => {
        const secret = generateWebhookSecret();
        const rows: WebhookEndpointRow[] = await tx.query(
          `INSERT INTO webhook_endpoint (clinic_id, id, url, description, events, secret, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${ENDPOINT_COLUMNS}`,
          [
            principal.clinicId,
            newId(),
            url,
            input.description?.trim() || null,
            events,
            secret,
            actorOf(principal).actorId,
          ],
        );
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, 'webhook_endpoint.create', 'webhook_endpoint', rows[0].id),
        );
        return { ...toEndpointView(rows[0]), secret };
      },
    );
  }

  async list(principal: Principal, query: { limit: number; cursor?: string }): Promise<Page<WebhookEndpointView>> {
    const after = decodeCursor(query.cursor);
    const rows: WebhookEndpointRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE clinic_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [principal.clinicId, after ?? null, query.limit + 1],
      ),
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
      const deleted = await queryRows(
        tx,
        `DELETE FROM webhook_endpoint WHERE clinic_id = $1 AND id = $2 RETURNING id`,
        [principal.clinicId, endpointId],
      );
      if (deleted.length === 0) throw DomainException.notFound('Webhook endpoint');
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
      const rows: DeliveryRow[] = await tx.query(
        `${DELIVERY_SELECT}
          WHERE d.clinic_id = $1 AND d.endpoint_id = $2 AND ($3::uuid IS NULL OR d.id < $3)
          ORDER BY d.id DESC LIMIT $4`,
        [principal.clinicId, endpointId, before ?? null, query.limit + 1],
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
      const rows: Array<{ state: WebhookDeliveryState; attempt_count: number }> = await tx.query(
        `SELECT state, attempt_count FROM webhook_delivery WHERE clinic_id = $1 AND id = $2 AND endpoint_id = $3 FOR UPDATE`,
        [principal.clinicId, deliveryId, endpointId],
      );
      const delivery = rows[0];
      if (!delivery) throw DomainException.notFound('Webhook delivery');
      if (endpoint.disabled_at)
        throw new DomainException(
          'conflict',
          'The endpoint is disabled; create a new endpoint to receive webhooks again',
        );
      if (delivery.state === 'pending' || delivery.state === 'sending')
        throw new DomainException('conflict', 'This delivery is already scheduled');
      await tx.query(
        `UPDATE webhook_delivery SET state = 'pending', retry_started_at = mend_now(), next_attempt_at = mend_now(), delivered_at = NULL, claimed_at = NULL, updated_at = mend_now()
          WHERE clinic_id = $1 AND id = $2`,
        [principal.clinicId, deliveryId],
      );
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
    const rows: DeliveryRow[] = await tx.query(
      `${DELIVERY_SELECT} WHERE d.clinic_id = $1 AND d.id = ANY ($2::uuid[])`,
      [clinicId, ids],
    );
    return rows.map(toDeliveryView);
  }

  private async requireEndpoint(
    tx: EntityManager,
    principal: Principal,
    endpointId: string,
  ): Promise<WebhookEndpointRow> {
    const rows: WebhookEndpointRow[] = await tx.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE clinic_id = $1 AND id = $2`,
      [principal.clinicId, endpointId],
    );
    if (!rows[0]) throw DomainException.notFound('Webhook endpoint');
    return rows[0];
  }
}

function toDeliveryView(row: DeliveryRow): WebhookDeliveryView {
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
