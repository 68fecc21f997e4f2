import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, newId } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { JobName, OutboxWriter, type WebhookDeliveryJobData, type WebhookFanoutJobData } from '@mend/queue';

import { resolveWebhookTarget, WebhookTargetError, type ResolvedTarget } from './target-address.js';
import { retryDelayMs, shouldRetry } from './webhook-retry.js';
import { sendWebhook, type SendResult } from './webhook-sender.js';
import { webhookHeaders } from './webhook-signature.js';
import { WEBHOOK_TEST_EVENT } from './webhook.views.js';
import { webhooksRepository, type ClaimedDeliveryRow, type WebhookDeliveryState } from './webhooks.repository.js';

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'endpoint_gone' | 'skipped';

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
 *    until the retry window (24 h) has passed, then the delivery fails — and the endpoint is
 *    disabled (`failing`) when nothing reached it during that window. A test delivery
 *    (`webhook.test`) gets one attempt.
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
      const endpoints = await webhooksRepository.endpointsListeningTo(tx, clinicId, eventId);
      let created = 0;
      for (const endpoint of endpoints) {
        const id = await webhooksRepository.insertDelivery(tx, clinicId, newId(), endpoint.id, eventId);
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
      await this.db.withClinic(clinicId, (tx) => webhooksRepository.failDelivery(tx, clinicId, deliveryId));
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
  ): Promise<ClaimedDeliveryRow | 'in_flight' | null> {
    // A crashed attempt may be taken over once its lease (the send timeout and a margin) lapsed.
    const leaseSeconds = Math.ceil(this.config.webhooks.timeoutMs / 1000) + 15;
    if (!(await webhooksRepository.claimAttempt(tx, clinicId, deliveryId, attempt, leaseSeconds))) {
      const current = await webhooksRepository.deliveryProgress(tx, clinicId, deliveryId);
      return current?.state === 'sending' && current.attempt_count === attempt ? 'in_flight' : null;
    }
    return webhooksRepository.claimedDelivery(tx, clinicId, deliveryId);
  }

  private async send(delivery: ClaimedDeliveryRow): Promise<SendResult> {
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
    const secrets = delivery.previous_secret ? [delivery.secret, delivery.previous_secret] : [delivery.secret];
    const headers = webhookHeaders(secrets, delivery.event_id, Math.floor(Date.now() / 1000), body);
    return sendWebhook(target, headers, body, this.config.webhooks.timeoutMs);
  }

  private async settle(
    tx: EntityManager,
    clinicId: string,
    delivery: ClaimedDeliveryRow,
    attempt: number,
    startedAt: Date,
    result: SendResult,
  ): Promise<DeliveryOutcome> {
    await webhooksRepository.recordAttempt(tx, clinicId, {
      deliveryId: delivery.id,
      attempt,
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error,
    });
    const update = (state: WebhookDeliveryState, nextAttemptAt: Date | null) =>
      webhooksRepository.settleAttempt(tx, clinicId, delivery.id, attempt, state, nextAttemptAt);

    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300) {
      await update('delivered', null);
      return 'delivered';
    }
    if (status === 410) {
      await update('failed', null);
      if (await webhooksRepository.disableGoneEndpoint(tx, clinicId, delivery.endpoint_id)) {
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
    // A test delivery is one attempt: the admin who asked for it is looking at the answer now.
    if (delivery.type === WEBHOOK_TEST_EVENT) {
      await update('failed', null);
      return 'failed';
    }
    const now = this.clock.now();
    if (!shouldRetry(delivery.retry_started_at, now, this.config.webhooks.retryWindowHours)) {
      await update('failed', null);
      if (
        await webhooksRepository.disableFailingEndpoint(tx, clinicId, delivery.endpoint_id, delivery.retry_started_at)
      )
        await this.audit.record(tx, {
          clinicId,
          actorType: 'system',
          actorId: null,
          action: 'webhook_endpoint.disable',
          resourceType: 'webhook_endpoint',
          resourceId: delivery.endpoint_id,
          outcome: 'success',
        });
      return 'failed';
    }
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(attempt, this.config.webhooks.retryBaseDelayMs));
    if (await update('pending', nextAttemptAt)) {
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
