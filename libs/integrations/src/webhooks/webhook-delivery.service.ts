import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, newId } from '@mend/core';
import { queryRows, TenantDatabase } from '@mend/database';
import { JobName, OutboxWriter, type WebhookDeliveryJobData, type WebhookFanoutJobData } from '@mend/queue';

import { resolveWebhookTarget, WebhookTargetError, type ResolvedTarget } from './target-address.js';
import { retryDelayMs, shouldRetry } from './webhook-retry.js';
import { sendWebhook, type SendResult } from './webhook-sender.js';
import { webhookHeaders } from './webhook-signature.js';

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'endpoint_gone' | 'skipped';

interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  retry_started_at: Date;
  url: string;
  secret: string;
  endpoint_disabled_at: Date | null;
  type: string;
  data: Record<string, unknown>;
  occurred_at: Date;
}

/**
 * The worker side of outbound webhooks. A fan-out turns one stored event into one delivery per
 * listening endpoint; each attempt of a delivery is its own job, announced through the outbox:
 *
 * 1. claim the attempt in a short transaction (`sending`, attempt number, a lease), so a
 *    duplicate job or a second worker sends nothing;
 * 2. check the target's addresses again (DNS may have changed) and POST the signed, thin body
 *    to the checked address, outside any transaction;
 * 3. record the attempt (status code, timing, error class) and settle: 2xx delivered; 410
 *    disables the endpoint; anything else schedules the next attempt with exponential backoff
 *    until the retry window (24 h) has passed, then the delivery fails.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** One delivery per active endpoint listening to the event's type (idempotent per endpoint and event). */
  async fanout(job: WebhookFanoutJobData): Promise<number> {
    const { clinicId, eventId } = job;
    return this.db.withClinic(clinicId, async (tx) => {
      const endpoints: Array<{ id: string }> = await tx.query(
        `SELECT e.id FROM webhook_event ev
           JOIN webhook_endpoint e ON e.clinic_id = ev.clinic_id AND e.disabled_at IS NULL AND ev.type = ANY (e.events)
          WHERE ev.clinic_id = $1 AND ev.id = $2
          ORDER BY e.id`,
        [clinicId, eventId],
      );
      let created = 0;
      for (const endpoint of endpoints) {
        const inserted: Array<{ id: string }> = await tx.query(
          `INSERT INTO webhook_delivery (clinic_id, id, endpoint_id, event_id, next_attempt_at) VALUES ($1, $2, $3, $4, mend_now())
           ON CONFLICT (clinic_id, endpoint_id, event_id) DO NOTHING RETURNING id`,
          [clinicId, newId(), endpoint.id, eventId],
        );
        const id = inserted[0]?.id;
        if (!id) continue;
        await this.outbox.enqueue(
          tx,
          clinicId,
          { name: JobName.WebhookDelivery, data: { clinicId, deliveryId: id, attempt: 1 } },
          { dedupeKey: `${id}.1` },
        );
        created++;
      }
      return created;
    });
  }

  async deliver(job: WebhookDeliveryJobData): Promise<DeliveryOutcome> {
    const { clinicId, deliveryId, attempt } = job;
    const claimed = await this.db.withClinic(clinicId, (tx) => this.claim(tx, clinicId, deliveryId, attempt));
    if (claimed === 'in_flight') {
      // Another run holds a fresh claim on this attempt (or crashed holding it): retry the job
      // later, when that claim has either settled or lapsed and can be taken over.
      throw new Error('webhook attempt is claimed by another run; retrying later');
    }
    if (!claimed) return 'skipped';
    if (claimed.endpoint_disabled_at) {
      await this.db.withClinic(clinicId, (tx) =>
        tx.query(
          `UPDATE webhook_delivery SET state = 'failed', next_attempt_at = NULL, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
          [clinicId, deliveryId],
        ),
      );
      return 'failed';
    }

    const startedAt = this.clock.now();
    const result = await this.send(claimed);
    const outcome = await this.db.withClinic(clinicId, (tx) =>
      this.settle(tx, clinicId, claimed, attempt, startedAt, result),
    );
    this.logger.log({
      msg: 'webhook attempt',
      clinicId,
      deliveryId,
      attempt,
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      outcome,
    });
    return outcome;
  }

  private async claim(
    tx: EntityManager,
    clinicId: string,
    deliveryId: string,
    attempt: number,
  ): Promise<ClaimedDelivery | 'in_flight' | null> {
    // A crashed attempt may be taken over once its lease (the send timeout and a margin) lapsed.
    const leaseSeconds = Math.ceil(this.config.webhooks.timeoutMs / 1000) + 15;
    const claimed = await queryRows<{ id: string }>(
      tx,
      `UPDATE webhook_delivery SET state = 'sending', attempt_count = $3, claimed_at = mend_now(), next_attempt_at = NULL, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2
          AND ((state = 'pending' AND attempt_count = $3 - 1)
               OR (state = 'sending' AND attempt_count = $3 AND claimed_at < mend_now() - make_interval(secs => $4)))
        RETURNING id`,
      [clinicId, deliveryId, attempt, leaseSeconds],
    );
    if (claimed.length === 0) {
      const current: Array<{ state: string; attempt_count: number }> = await tx.query(
        `SELECT state, attempt_count FROM webhook_delivery WHERE clinic_id = $1 AND id = $2`,
        [clinicId, deliveryId],
      );
      return current[0]?.state === 'sending' && current[0].attempt_count === attempt ? 'in_flight' : null;
    }
    const rows: ClaimedDelivery[] = await tx.query(
      `SELECT d.id, d.endpoint_id, d.event_id, d.retry_started_at, e.url, e.secret, e.disabled_at AS endpoint_disabled_at, ev.type, ev.data, ev.occurred_at
         FROM webhook_delivery d
         JOIN webhook_endpoint e ON e.clinic_id = d.clinic_id AND e.id = d.endpoint_id
         JOIN webhook_event ev ON ev.clinic_id = d.clinic_id AND ev.id = d.event_id
        WHERE d.clinic_id = $1 AND d.id = $2`,
      [clinicId, deliveryId],
    );
    return rows[0] ?? null;
  }

  private async send(delivery: ClaimedDelivery): Promise<SendResult> {
    let target: ResolvedTarget;
    try {
      target = await resolveWebhookTarget(delivery.url, this.config.webhooks.allowedHosts);
    } catch (error) {
      // Refused before any connection: counts as a failed attempt (DNS may change back).
      if (error instanceof WebhookTargetError) return { statusCode: null, error: error.problem, durationMs: 0 };
      throw error;
    }
    // The thin body: type, time, ids. The webhook-id is the event's, the same on every retry.
    const body = JSON.stringify({
      type: delivery.type,
      timestamp: delivery.occurred_at.toISOString(),
      data: delivery.data,
    });
    const headers = webhookHeaders(delivery.secret, delivery.event_id, Math.floor(Date.now() / 1000), body);
    return sendWebhook(target, headers, body, this.config.webhooks.timeoutMs);
  }

  private async settle(
    tx: EntityManager,
    clinicId: string,
    delivery: ClaimedDelivery,
    attempt: number,
    startedAt: Date,
    result: SendResult,
  ): Promise<DeliveryOutcome> {
    await tx.query(
      `INSERT INTO webhook_delivery_attempt (clinic_id, delivery_id, attempt, started_at, duration_ms, status_code, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [clinicId, delivery.id, attempt, startedAt, result.durationMs, result.statusCode, result.error],
    );
    const update = (state: string, nextAttemptAt: Date | null) =>
      queryRows<{ id: string }>(
        tx,
        `UPDATE webhook_delivery SET state = $4, next_attempt_at = $5, claimed_at = NULL,
                delivered_at = CASE WHEN $4 = 'delivered' THEN mend_now() ELSE delivered_at END, updated_at = mend_now()
          WHERE clinic_id = $1 AND id = $2 AND state = 'sending' AND attempt_count = $3 RETURNING id`,
        [clinicId, delivery.id, attempt, state, nextAttemptAt],
      );

    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300) {
      await update('delivered', null);
      return 'delivered';
    }
    if (status === 410) {
      await update('failed', null);
      const disabled = await queryRows(
        tx,
        `UPDATE webhook_endpoint SET disabled_at = mend_now(), disabled_reason = 'gone', updated_at = mend_now() WHERE clinic_id = $1 AND id = $2 AND disabled_at IS NULL RETURNING id`,
        [clinicId, delivery.endpoint_id],
      );
      if (disabled.length > 0) {
        await this.audit.record(tx, {
          clinicId,
          actorType: 'system',
          actorId: null,
          action: 'webhook_endpoint.disable',
          resourceType: 'webhook_endpoint',
          resourceId: delivery.endpoint_id,
          outcome: 'success',
        });
      }
      return 'endpoint_gone';
    }
    const now = this.clock.now();
    if (!shouldRetry(delivery.retry_started_at, now, this.config.webhooks.retryWindowHours)) {
      await update('failed', null);
      return 'failed';
    }
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(attempt, this.config.webhooks.retryBaseDelayMs));
    const updated = await update('pending', nextAttemptAt);
    if (updated.length > 0) {
      await this.outbox.enqueue(
        tx,
        clinicId,
        { name: JobName.WebhookDelivery, data: { clinicId, deliveryId: delivery.id, attempt: attempt + 1 } },
        { availableAt: nextAttemptAt, dedupeKey: `${delivery.id}.${attempt + 1}` },
      );
    }
    return 'retrying';
  }
}
