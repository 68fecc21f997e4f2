import type { DataSource, EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';
import type { DomainEventType } from '@mend/queue';

/** Missed occurrences announced per clinic and pass; the next pass takes the rest. */
const MISSED_BATCH = 500;

export type WebhookDeliveryState = 'pending' | 'sending' | 'delivered' | 'failed';

export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string | null;
  events: DomainEventType[];
  disabled_at: Date | null;
  disabled_reason: WebhookEndpointDisabledReason | null;
  /** Until when the secret replaced by the last rotation still signs; null when none does any more. */
  previous_secret_expires_at: Date | null;
  created_at: Date;
}

/** `gone`: the receiver answered 410; `failing`: a delivery exhausted its retries and nothing got through meanwhile. */
export type WebhookEndpointDisabledReason = 'gone' | 'failing';

const ENDPOINT_COLUMNS = `id, url, description, events, disabled_at, disabled_reason,
  CASE WHEN previous_secret_expires_at > mend_now() THEN previous_secret_expires_at END AS previous_secret_expires_at, created_at`;

export interface WebhookEndpointChanges {
  url?: string;
  events?: DomainEventType[];
  /** null clears it. */
  description?: string | null;
}

export interface WebhookDeliveryFilter {
  state?: WebhookDeliveryState;
  eventType?: string;
}

export interface NewWebhookEndpoint {
  clinicId: string;
  id: string;
  url: string;
  description: string | null;
  events: DomainEventType[];
  secret: string;
  createdBy: string | null;
}

/** A delivery with its event's type and time and every attempt, in order. */
export interface WebhookDeliveryRow {
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

const DELIVERY_SELECT = `
  SELECT d.id, d.event_id, ev.type AS event_type, ev.occurred_at, d.state, d.attempt_count, d.next_attempt_at, d.delivered_at, d.created_at,
         (SELECT json_agg(json_build_object('attempt', a.attempt, 'started_at', a.started_at, 'duration_ms', a.duration_ms,
                                            'status_code', a.status_code, 'error', a.error) ORDER BY a.attempt)
            FROM webhook_delivery_attempt a WHERE a.clinic_id = d.clinic_id AND a.delivery_id = d.id) AS attempts
    FROM webhook_delivery d
    JOIN webhook_event ev ON ev.clinic_id = d.clinic_id AND ev.id = d.event_id`;

/** A claimed delivery attempt with what sending it needs: its endpoint and its event. */
export interface ClaimedDeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  retry_started_at: Date;
  url: string;
  secret: string;
  /** The secret a rotation replaced, while its overlap lasts (it signs too); otherwise null. */
  previous_secret: string | null;
  endpoint_disabled_at: Date | null;
  type: string;
  data: Record<string, unknown>;
  occurred_at: Date;
}

export interface DeliveryAttemptRecord {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/** SQL for outbound webhooks; every method takes the clinic-pinned transaction and the clinic id. */
export const webhooksRepository = {
  async insertEndpoint(tx: EntityManager, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
    const rows: WebhookEndpointRow[] = await tx.query(
      `INSERT INTO webhook_endpoint (clinic_id, id, url, description, events, secret, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [
        endpoint.clinicId,
        endpoint.id,
        endpoint.url,
        endpoint.description,
        endpoint.events,
        endpoint.secret,
        endpoint.createdBy,
      ],
    );
    return rows[0];
  },

  async listEndpoints(
    tx: EntityManager,
    clinicId: string,
    after: string | null,
    limit: number,
  ): Promise<WebhookEndpointRow[]> {
    return tx.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE clinic_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [clinicId, after, limit],
    );
  },

  /** Changes what is given; answers the endpoint, or undefined when there is none. */
  async updateEndpoint(
    tx: EntityManager,
    clinicId: string,
    endpointId: string,
    changes: WebhookEndpointChanges,
  ): Promise<WebhookEndpointRow | undefined> {
    const rows = await queryRows<WebhookEndpointRow>(
      tx,
      `UPDATE webhook_endpoint
          SET url = coalesce($3, url), events = coalesce($4::text[], events),
              description = CASE WHEN $5::boolean THEN $6 ELSE description END, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
      [
        clinicId,
        endpointId,
        changes.url ?? null,
        changes.events ?? null,
        changes.description !== undefined,
        changes.description ?? null,
      ],
    );
    return rows[0];
  },

  /** Active again (a no-op on an active endpoint); answers the endpoint, or undefined when there is none. */
  async enableEndpoint(
    tx: EntityManager,
    clinicId: string,
    endpointId: string,
  ): Promise<WebhookEndpointRow | undefined> {
    const rows = await queryRows<WebhookEndpointRow>(
      tx,
      `UPDATE webhook_endpoint SET disabled_at = NULL, disabled_reason = NULL,
              updated_at = CASE WHEN disabled_at IS NULL THEN updated_at ELSE mend_now() END
        WHERE clinic_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
      [clinicId, endpointId],
    );
    return rows[0];
  },

  /**
   * A new signing secret; the current one keeps signing for `overlapSeconds` (none when 0). A
   * secret replaced by an earlier rotation stops signing now: at most two secrets sign at once.
   */
  async rotateSecret(
    tx: EntityManager,
    clinicId: string,
    endpointId: string,
    secret: string,
    overlapSeconds: number,
  ): Promise<WebhookEndpointRow | undefined> {
    const rows = await queryRows<WebhookEndpointRow>(
      tx,
      `UPDATE webhook_endpoint
          SET previous_secret = CASE WHEN $4::int > 0 THEN secret END,
              previous_secret_expires_at = CASE WHEN $4::int > 0 THEN mend_now() + make_interval(secs => $4::int) END,
              secret = $3, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
      [clinicId, endpointId, secret, overlapSeconds],
    );
    return rows[0];
  },

  async findEndpoint(tx: EntityManager, clinicId: string, endpointId: string): Promise<WebhookEndpointRow | undefined> {
    const rows: WebhookEndpointRow[] = await tx.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE clinic_id = $1 AND id = $2`,
      [clinicId, endpointId],
    );
    return rows[0];
  },

  /** Deletes the endpoint with its delivery history; answers whether it existed. */
  async deleteEndpoint(tx: EntityManager, clinicId: string, endpointId: string): Promise<boolean> {
    const deleted = await queryRows(tx, `DELETE FROM webhook_endpoint WHERE clinic_id = $1 AND id = $2 RETURNING id`, [
      clinicId,
      endpointId,
    ]);
    return deleted.length > 0;
  },

  /** Disables an endpoint whose receiver answered 410; answers whether this call disabled it. */
  async disableGoneEndpoint(tx: EntityManager, clinicId: string, endpointId: string): Promise<boolean> {
    const disabled = await queryRows(
      tx,
      `UPDATE webhook_endpoint SET disabled_at = mend_now(), disabled_reason = 'gone', updated_at = mend_now() WHERE clinic_id = $1 AND id = $2 AND disabled_at IS NULL RETURNING id`,
      [clinicId, endpointId],
    );
    return disabled.length > 0;
  },

  /**
   * Disables an endpoint after one of its deliveries exhausted its retries, unless some delivery
   * reached it since `since` (the failed delivery's first attempt): one bad event does not
   * disable a receiver that otherwise works. Answers whether this call disabled it.
   */
  async disableFailingEndpoint(tx: EntityManager, clinicId: string, endpointId: string, since: Date): Promise<boolean> {
    const disabled = await queryRows(
      tx,
      `UPDATE webhook_endpoint e SET disabled_at = mend_now(), disabled_reason = 'failing', updated_at = mend_now()
        WHERE e.clinic_id = $1 AND e.id = $2 AND e.disabled_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.clinic_id = e.clinic_id AND d.endpoint_id = e.id AND d.delivered_at >= $3)
        RETURNING e.id`,
      [clinicId, endpointId, since],
    );
    return disabled.length > 0;
  },

  /** Stores an event meant for one endpoint only (a test delivery): no fan-out, no dedupe key. */
  async insertEvent(
    tx: EntityManager,
    clinicId: string,
    id: string,
    type: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await tx.query(`INSERT INTO webhook_event (clinic_id, id, type, data) VALUES ($1, $2, $3, $4::jsonb)`, [
      clinicId,
      id,
      type,
      JSON.stringify(data),
    ]);
  },

  /** Active endpoints listening to the event's type. */
  async endpointsListeningTo(tx: EntityManager, clinicId: string, eventId: string): Promise<Array<{ id: string }>> {
    return tx.query(
      `SELECT e.id FROM webhook_event ev
           JOIN webhook_endpoint e ON e.clinic_id = ev.clinic_id AND e.disabled_at IS NULL AND ev.type = ANY (e.events)
          WHERE ev.clinic_id = $1 AND ev.id = $2
          ORDER BY e.id`,
      [clinicId, eventId],
    );
  },

  /** One delivery per endpoint and event: answers the new delivery's id, or undefined when it existed. */
  async insertDelivery(
    tx: EntityManager,
    clinicId: string,
    id: string,
    endpointId: string,
    eventId: string,
  ): Promise<string | undefined> {
    const inserted: Array<{ id: string }> = await tx.query(
      `INSERT INTO webhook_delivery (clinic_id, id, endpoint_id, event_id, next_attempt_at) VALUES ($1, $2, $3, $4, mend_now())
           ON CONFLICT (clinic_id, endpoint_id, event_id) DO NOTHING RETURNING id`,
      [clinicId, id, endpointId, eventId],
    );
    return inserted[0]?.id;
  },

  async listDeliveries(
    tx: EntityManager,
    clinicId: string,
    endpointId: string,
    filter: WebhookDeliveryFilter,
    before: string | null,
    limit: number,
  ): Promise<WebhookDeliveryRow[]> {
    return tx.query(
      `${DELIVERY_SELECT}
          WHERE d.clinic_id = $1 AND d.endpoint_id = $2 AND ($3::uuid IS NULL OR d.id < $3)
            AND ($5::text IS NULL OR d.state = $5) AND ($6::text IS NULL OR ev.type = $6)
          ORDER BY d.id DESC LIMIT $4`,
      [clinicId, endpointId, before, limit, filter.state ?? null, filter.eventType ?? null],
    );
  },

  async deliveriesById(tx: EntityManager, clinicId: string, ids: string[]): Promise<WebhookDeliveryRow[]> {
    return tx.query(`${DELIVERY_SELECT} WHERE d.clinic_id = $1 AND d.id = ANY ($2::uuid[])`, [clinicId, ids]);
  },

  async lockDeliveryOfEndpoint(
    tx: EntityManager,
    clinicId: string,
    deliveryId: string,
    endpointId: string,
  ): Promise<{ state: WebhookDeliveryState; attempt_count: number } | undefined> {
    const rows: Array<{ state: WebhookDeliveryState; attempt_count: number }> = await tx.query(
      `SELECT state, attempt_count FROM webhook_delivery WHERE clinic_id = $1 AND id = $2 AND endpoint_id = $3 FOR UPDATE`,
      [clinicId, deliveryId, endpointId],
    );
    return rows[0];
  },

  async deliveryProgress(
    tx: EntityManager,
    clinicId: string,
    deliveryId: string,
  ): Promise<{ state: string; attempt_count: number } | undefined> {
    const current: Array<{ state: string; attempt_count: number }> = await tx.query(
      `SELECT state, attempt_count FROM webhook_delivery WHERE clinic_id = $1 AND id = $2`,
      [clinicId, deliveryId],
    );
    return current[0];
  },

  /** A finished delivery scheduled again now, with a fresh retry window. */
  async restartDelivery(tx: EntityManager, clinicId: string, deliveryId: string): Promise<void> {
    await tx.query(
      `UPDATE webhook_delivery SET state = 'pending', retry_started_at = mend_now(), next_attempt_at = mend_now(), delivered_at = NULL, claimed_at = NULL, updated_at = mend_now()
          WHERE clinic_id = $1 AND id = $2`,
      [clinicId, deliveryId],
    );
  },

  async failDelivery(tx: EntityManager, clinicId: string, deliveryId: string): Promise<void> {
    await tx.query(
      `UPDATE webhook_delivery SET state = 'failed', next_attempt_at = NULL, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
      [clinicId, deliveryId],
    );
  },

  /**
   * Claims an attempt (`sending`, its number, a lease): the pending attempt before it, or the
   * same attempt whose lease lapsed. Answers whether this call claimed it.
   */
  async claimAttempt(
    tx: EntityManager,
    clinicId: string,
    deliveryId: string,
    attempt: number,
    leaseSeconds: number,
  ): Promise<boolean> {
    const claimed = await queryRows<{ id: string }>(
      tx,
      `UPDATE webhook_delivery SET state = 'sending', attempt_count = $3, claimed_at = mend_now(), next_attempt_at = NULL, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2
          AND ((state = 'pending' AND attempt_count = $3 - 1)
               OR (state = 'sending' AND attempt_count = $3 AND claimed_at < mend_now() - make_interval(secs => $4)))
        RETURNING id`,
      [clinicId, deliveryId, attempt, leaseSeconds],
    );
    return claimed.length > 0;
  },

  async claimedDelivery(tx: EntityManager, clinicId: string, deliveryId: string): Promise<ClaimedDeliveryRow | null> {
    const rows: ClaimedDeliveryRow[] = await tx.query(
      `SELECT d.id, d.endpoint_id, d.event_id, d.retry_started_at, e.url, e.secret,
              CASE WHEN e.previous_secret_expires_at > mend_now() THEN e.previous_secret END AS previous_secret, e.disabled_at AS endpoint_disabled_at, ev.type, ev.data, ev.occurred_at
         FROM webhook_delivery d
         JOIN webhook_endpoint e ON e.clinic_id = d.clinic_id AND e.id = d.endpoint_id
         JOIN webhook_event ev ON ev.clinic_id = d.clinic_id AND ev.id = d.event_id
        WHERE d.clinic_id = $1 AND d.id = $2`,
      [clinicId, deliveryId],
    );
    return rows[0] ?? null;
  },

  async recordAttempt(tx: EntityManager, clinicId: string, record: DeliveryAttemptRecord): Promise<void> {
    await tx.query(
      `INSERT INTO webhook_delivery_attempt (clinic_id, delivery_id, attempt, started_at, duration_ms, status_code, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        clinicId,
        record.deliveryId,
        record.attempt,
        record.startedAt,
        record.durationMs,
        record.statusCode,
        record.error,
      ],
    );
  },

  /** Settles the attempt still held by this run; answers whether it was still held. */
  async settleAttempt(
    tx: EntityManager,
    clinicId: string,
    deliveryId: string,
    attempt: number,
    state: WebhookDeliveryState,
    nextAttemptAt: Date | null,
  ): Promise<boolean> {
    const updated = await queryRows<{ id: string }>(
      tx,
      `UPDATE webhook_delivery SET state = $4, next_attempt_at = $5, claimed_at = NULL,
                delivered_at = CASE WHEN $4 = 'delivered' THEN mend_now() ELSE delivered_at END, updated_at = mend_now()
          WHERE clinic_id = $1 AND id = $2 AND state = 'sending' AND attempt_count = $3 RETURNING id`,
      [clinicId, deliveryId, attempt, state, nextAttemptAt],
    );
    return updated.length > 0;
  },

  /**
   * Deletes the clinic's deliveries (with their attempts) that finished before `cutoff`, then the
   * stored events older than `cutoff` that no delivery needs any more; answers how many
   * deliveries went. A delivery still pending or sending is kept whatever its age.
   */
  async purgeDeliveries(tx: EntityManager, clinicId: string, cutoff: Date): Promise<number> {
    const deleted = await queryRows(
      tx,
      `DELETE FROM webhook_delivery WHERE clinic_id = $1 AND state IN ('delivered', 'failed') AND updated_at < $2 RETURNING id`,
      [clinicId, cutoff],
    );
    await tx.query(
      `DELETE FROM webhook_event ev WHERE ev.clinic_id = $1 AND ev.occurred_at < $2
          AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.clinic_id = ev.clinic_id AND d.event_id = ev.id)`,
      [clinicId, cutoff],
    );
    return deleted.length;
  },

  /**
   * Occurrences of a clinic that closed without a check-in and have no `occurrence.missed` event
   * yet: closed in the lookback before `now`, and after the first listening endpoint was created;
   * only active assignments of active couples.
   */
  async missedOccurrences(
    tx: EntityManager,
    clinicId: string,
    now: Date,
    lookbackHours: number,
  ): Promise<Array<{ id: string; assignment_id: string; couple_id: string; partner_id: string | null }>> {
    return tx.query(
      `SELECT o.id, o.assignment_id, o.couple_id, o.partner_id
       FROM occurrence o
       JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id AND a.status IN ('active', 'completed')
       JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id AND c.status = 'active'
      WHERE o.clinic_id = $1 AND o.closes_at <= $2
        AND o.closes_at > greatest($2::timestamptz - make_interval(hours => $3),
              (SELECT min(e.created_at) FROM webhook_endpoint e WHERE e.clinic_id = $1 AND e.disabled_at IS NULL AND 'occurrence.missed' = ANY (e.events)))
        AND NOT EXISTS (SELECT 1 FROM check_in ci WHERE ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id)
        AND NOT EXISTS (SELECT 1 FROM webhook_event w WHERE w.clinic_id = o.clinic_id AND w.dedupe_key = 'occurrence.missed.' || o.id)
      ORDER BY o.closes_at, o.id
      LIMIT ${MISSED_BATCH}`,
      [clinicId, now, lookbackHours],
    );
  },
};

/**
 * Clinics with an active endpoint listening to `occurrence.missed`: across clinics, so outside any
 * clinic's transaction (a SECURITY DEFINER function answers only clinic ids).
 */
export async function clinicsListeningToMissedOccurrences(source: DataSource): Promise<string[]> {
  const rows: Array<{ id: string }> = await source.query(
    `SELECT mend_webhook_listening_clinics('occurrence.missed') AS id`,
  );
  return rows.map((r) => r.id);
}
