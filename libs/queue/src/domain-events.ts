import type { EntityManager } from 'typeorm';

import { newId } from '@mend/core';

import { OutboxWriter } from './outbox.writer.js';
import { JobName } from './queue.registry.js';

/**
 * What Mend tells other systems through webhooks (Standard Webhooks). Each event carries its
 * type, the ids involved and when it happened — never clinical content: a receiver that needs
 * more asks the API with its own credentials.
 */
export const DOMAIN_EVENT_TYPES = [
  'checkin.submitted',
  'assignment.completed',
  'occurrence.missed',
  'session.created',
  'session.updated',
  'session.cancelled',
  'alert.opened',
  'reminder.sent',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

export function isDomainEventType(value: unknown): value is DomainEventType {
  return typeof value === 'string' && (DOMAIN_EVENT_TYPES as readonly string[]).includes(value);
}

/** The ids each event carries (its `data`). */
export interface DomainEventData {
  'checkin.submitted': {
    checkInId: string;
    assignmentId: string;
    occurrenceId: string;
    coupleId: string;
    partnerId: string;
  };
  'assignment.completed': { assignmentId: string; coupleId: string };
  /** A partner's occurrence (or the couple's, joint mode: partnerId null) closed without a check-in. */
  'occurrence.missed': { occurrenceId: string; assignmentId: string; coupleId: string; partnerId: string | null };
  'session.created': { sessionId: string; coupleId: string };
  'session.updated': { sessionId: string; coupleId: string };
  'session.cancelled': { sessionId: string; coupleId: string };
  'alert.opened': { alertId: string; coupleId: string; partnerId: string | null };
  /** A reminder or notification went out (libs/reminders announces it once it is sent). */
  'reminder.sent': {
    notificationId: string;
    recipientId: string;
    occurrenceId?: string | null;
    sessionId?: string | null;
    alertId?: string | null;
  };
}

export interface AnnounceOptions {
  /**
   * Announces the event at most once per clinic and key, ever (e.g. `occurrence.missed.<id>` for
   * a periodic scan that sees the same occurrence again): a second announcement is a no-op.
   */
  dedupeKey?: string;
}

const writer = new OutboxWriter();

/**
 * Announces a domain event in the caller's tenant transaction, so it commits or rolls back with
 * the change it describes. Nothing is written when no active webhook endpoint of the clinic
 * listens to the type (most clinics have none); otherwise the event is stored and a fan-out job
 * goes through the outbox, which the worker turns into one signed delivery per endpoint.
 *
 * Returns the event id, or null when nothing listens (or the dedupe key was already used).
 */
export async function announceEvent<T extends DomainEventType>(
  tx: EntityManager,
  clinicId: string,
  type: T,
  data: DomainEventData[T],
  options: AnnounceOptions = {},
): Promise<string | null> {
  const id = newId();
  const rows: Array<{ id: string }> = await tx.query(
    `INSERT INTO webhook_event (clinic_id, id, type, data, dedupe_key)
     SELECT $1, $2, $3, $4::jsonb, $5
      WHERE EXISTS (SELECT 1 FROM webhook_endpoint e WHERE e.clinic_id = $1 AND e.disabled_at IS NULL AND $3 = ANY (e.events))
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [clinicId, id, type, JSON.stringify(data), options.dedupeKey ?? null],
  );
  if (rows.length === 0) return null;
  await writer.enqueue(tx, clinicId, { name: JobName.WebhookFanout, data: { clinicId, eventId: id } });
  return id;
}

/**
 * Announces one event of a type per item in one statement (and, when an endpoint listens, one
 * outbox statement for the fan-out jobs): what announceEvent does, for a batch written in one
 * transaction. No dedupe keys. Returns the event ids written (none when nothing listens).
 */
export async function announceEvents<T extends DomainEventType>(
  tx: EntityManager,
  clinicId: string,
  type: T,
  data: Array<DomainEventData[T]>,
): Promise<string[]> {
  if (data.length === 0) return [];
  const rows: Array<{ id: string }> = await tx.query(
    `INSERT INTO webhook_event (clinic_id, id, type, data)
     SELECT $1, e.id, $2, e.data FROM unnest($3::uuid[], $4::jsonb[]) AS e(id, data)
      WHERE EXISTS (SELECT 1 FROM webhook_endpoint w WHERE w.clinic_id = $1 AND w.disabled_at IS NULL AND $2 = ANY (w.events))
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [clinicId, type, data.map(() => newId()), data.map((d) => JSON.stringify(d))],
  );
  if (rows.length === 0) return [];
  await writer.enqueueMany(
    tx,
    clinicId,
    rows.map((r) => ({ name: JobName.WebhookFanout, data: { clinicId, eventId: r.id } })),
  );
  return rows.map((r) => r.id);
}

/**
 * A data-modifying statement of the caller and announceEvents for the rows it writes, in one
 * round trip when nothing listens (most clinics): `write.sql` (an UPDATE or INSERT whose `$1` is
 * the clinic id) must RETURN each row's event `data` as jsonb, shaped as DomainEventData[type]
 * (SQL cannot check it: build it with jsonb_build_object and the same keys). The rows come back
 * only when an active endpoint of the clinic listens to the type; then announceEvents stores
 * them. Answers how many rows the statement wrote.
 */
export async function writeAndAnnounce<T extends DomainEventType>(
  tx: EntityManager,
  clinicId: string,
  type: T,
  write: { sql: string; params: unknown[] },
): Promise<number> {
  if (write.params[0] !== clinicId) throw new Error('writeAndAnnounce: $1 of the statement must be the clinic id');
  const typeParam = `$${write.params.length + 1}`;
  const rows: Array<{ written: number; data: DomainEventData[T] | null }> = await tx.query(
    `WITH written AS (${write.sql})
     SELECT (SELECT count(*) FROM written)::int AS written, w.data
       FROM (SELECT 1) AS one
       LEFT JOIN written w ON EXISTS (SELECT 1 FROM webhook_endpoint e WHERE e.clinic_id = $1 AND e.disabled_at IS NULL AND ${typeParam} = ANY (e.events))`,
    [...write.params, type],
  );
  const data = rows.flatMap((r) => (r.data ? [r.data] : []));
  if (data.length > 0) await announceEvents(tx, clinicId, type, data);
  return rows[0]?.written ?? 0;
}
