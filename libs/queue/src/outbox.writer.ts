import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v5 as uuidV5 } from 'uuid';

import { newId } from '@mend/core';

import { isJobName, JOB_QUEUE, type JobItem } from './queue.registry.js';

export interface OutboxEnqueueOptions {
  /** Not published before this time (default: now). */
  availableAt?: Date;
  /**
   * Announces the job at most once per clinic and key, ever: the row id is derived from the
   * key and a second enqueue with it is a no-op (even after the first was published).
   */
  dedupeKey?: string;
}

export interface OutboxEnqueueResult {
  id: string;
  /** False when a row with the same dedupe key already existed. */
  isNew: boolean;
}

/** Namespace for outbox ids derived from dedupe keys (uuid v5). Never change it. */
const OUTBOX_DEDUPE_NAMESPACE = '6f1c5a52-3f0e-4d7a-9a63-5b0f2f1d8e41';

/** The outbox row id (and so, through outboxJobId, the job id) of an enqueue with a dedupe key. */
export function outboxDedupeId(clinicId: string, jobName: string, dedupeKey: string): string {
  return uuidV5(`${clinicId}/${jobName}/${dedupeKey}`, OUTBOX_DEDUPE_NAMESPACE);
}

/** Those of `ids` whose outbox rows the relay has not published yet. */
export async function unpublishedOutboxIds(tx: EntityManager, clinicId: string, ids: string[]): Promise<string[]> {
  const unpublished: Array<{ id: string }> = await tx.query(
    `SELECT id FROM outbox WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND published_at IS NULL`,
    [clinicId, ids],
  );
  return unpublished.map((r) => r.id);
}

/** An outbox row of a job due now (no dedupe key), for a statement that writes it with the change it describes. */
export interface OutboxRow {
  id: string;
  queue: string;
  jobName: string;
  /** JSON text of the job's data. */
  payload: string;
}

function assertJobOfClinic(clinicId: string, item: JobItem): void {
  if (!isJobName(item.name)) throw new Error(`Unknown job "${String(item.name)}": add it to the queue registry first`);
  if (item.data.clinicId !== clinicId) throw new Error(`Job ${item.name} names another clinic than the transaction's`);
}

/**
 * The row `enqueue` would write for `item` without options, for a caller that writes it in a
 * statement of its own (one round trip for the check-in and everything it announces). It must
 * be written in a tenant transaction for `clinicId`, as `enqueue` is.
 */
export function outboxRowOf(clinicId: string, item: JobItem): OutboxRow {
  assertJobOfClinic(clinicId, item);
  return { id: newId(), queue: JOB_QUEUE[item.name], jobName: item.name, payload: JSON.stringify(item.data) };
}

/**
 * Announces a job in the caller's transaction: the outbox row commits or rolls back with the
 * change it describes, and the worker's relay publishes it to the queue afterwards.
 */
@Injectable()
export class OutboxWriter {
  /**
   * `tx` must be a tenant transaction for `clinicId` (TenantDatabase.withClinic): row-level
   * security rejects a row for any other clinic.
   */
  async enqueue(
    tx: EntityManager,
    clinicId: string,
    item: JobItem,
    options: OutboxEnqueueOptions = {},
  ): Promise<OutboxEnqueueResult> {
    assertJobOfClinic(clinicId, item);
    const id = options.dedupeKey === undefined ? newId() : outboxDedupeId(clinicId, item.name, options.dedupeKey);
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO outbox (clinic_id, id, queue, job_name, payload, available_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, COALESCE($6::timestamptz, mend_now()))
       ON CONFLICT (clinic_id, id) DO NOTHING
       RETURNING id`,
      [
        clinicId,
        id,
        JOB_QUEUE[item.name],
        item.name,
        JSON.stringify(item.data),
        options.availableAt?.toISOString() ?? null,
      ],
    );
    return { id, isNew: rows.length > 0 };
  }

  /** Several jobs due now in one statement (no dedupe keys): what enqueue does, for a batch. */
  async enqueueMany(tx: EntityManager, clinicId: string, items: JobItem[]): Promise<string[]> {
    if (items.length === 0) return [];
    for (const item of items) assertJobOfClinic(clinicId, item);
    const ids = items.map(() => newId());
    await tx.query(
      `INSERT INTO outbox (clinic_id, id, queue, job_name, payload, available_at)
       SELECT $1, j.id, j.queue, j.job_name, j.payload, mend_now()
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[]) AS j(id, queue, job_name, payload)`,
      [
        clinicId,
        ids,
        items.map((item) => JOB_QUEUE[item.name]),
        items.map((item) => item.name),
        items.map((item) => JSON.stringify(item.data)),
      ],
    );
    return ids;
  }
}
