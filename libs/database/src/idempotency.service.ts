import { createHash } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { actorOf, DomainException, type Principal } from '@mend/core';

import { queryRows } from './query-rows.js';
import { TenantDatabase } from './tenant-database.service.js';

/** Keys are remembered this long; after that the same key starts afresh. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/**
 * A claim whose request never finished (the process died mid-request) is taken over after this
 * long, so a crashed request does not block its key for a whole day.
 */
export const IDEMPOTENCY_STALE_CLAIM_SECONDS = 60;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
const KEY_SHAPE = /^[\x21-\x7e]+$/;

/** Why a key cannot be used, or null when it is fine (visible ASCII, 1–255 characters). */
export function idempotencyKeyProblem(key: string): string | null {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH)
    return `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`;
  if (!KEY_SHAPE.test(key)) return 'Idempotency-Key must be visible ASCII characters without spaces';
  return null;
}

/** JSON with object keys sorted at every level, so equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

/** What identifies "the same request": the operation (method and path) and the body. */
export function requestFingerprint(operation: string, body: unknown): string {
  return createHash('sha256')
    .update(operation)
    .update('\n')
    .update(canonicalJson(body ?? null))
    .digest('hex');
}

export interface StoredIdempotencyRecord {
  requestHash: string;
  statusCode: number | null;
  response: unknown;
  createdAt: Date;
}

export type IdempotencyDecision =
  | { kind: 'replay'; statusCode: number; response: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' }
  | { kind: 'take_over' };

/**
 * What to do when a key is already on record: an expired record or a stale unfinished claim is
 * taken over; a different request under the key is refused (422); an unfinished one answers 409;
 * a finished one is replayed.
 */
export function decideOnExisting(record: StoredIdempotencyRecord, fingerprint: string, now: Date): IdempotencyDecision {
  const age = now.getTime() - record.createdAt.getTime();
  if (age > IDEMPOTENCY_TTL_HOURS * 3_600_000) return { kind: 'take_over' };
  if (record.requestHash !== fingerprint) return { kind: 'mismatch' };
  if (record.statusCode === null)
    return age > IDEMPOTENCY_STALE_CLAIM_SECONDS * 1000 ? { kind: 'take_over' } : { kind: 'in_flight' };
  return { kind: 'replay', statusCode: record.statusCode, response: record.response };
}

export interface IdempotentRequest<T, R = T> {
  /** The Idempotency-Key header; without one the work simply runs. */
  key?: string;
  /** Method and concrete path, e.g. `POST /v1/assignments/<id>/check-ins`. */
  operation: string;
  body: unknown;
  /** The status the work answers with when it succeeds (stored for replays). */
  statusCode?: number;
  /** The created resource's id, which is all a record keeps of the answer (default: `result.id`). */
  resourceIdOf?: (result: T) => string;
  /**
   * Reads the created resource again for a replay, under the caller's own access rules (a
   * resource the caller may no longer see answers as any read would). Secrets shown once (keys,
   * links) are not repeated: the record never held them.
   */
  replay: (resourceId: string) => Promise<R>;
}

export interface IdempotentResult<T> {
  body: T;
  statusCode: number;
  /** True when this is the stored answer of an earlier request with the same key. */
  isReplay: boolean;
}

interface RecordRow {
  request_hash: string;
  status_code: number | null;
  response: unknown;
  created_at: Date;
  /** The database's clock, so age is measured on the clock that wrote created_at. */
  db_now: Date;
}

/**
 * `Idempotency-Key` for creating POSTs, built on `idempotency_record` and scoped to the caller
 * (clinic + actor): the same key and body answer the stored first response; the same key with a
 * different body answers 422; a duplicate arriving while the first is still running answers 409.
 *
 * The key is claimed in a transaction of its own (so concurrent duplicates see the claim at once
 * and do not queue behind it); the work and the stored response commit together in a second
 * transaction, so a stored response always describes a resource that exists. When the work fails
 * the claim is released and the error passes through: a retry runs again (errors are not stored).
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(private readonly db: TenantDatabase) {}

  async run<T, R = T>(
    principal: Principal,
    request: IdempotentRequest<T, R>,
    work: (tx: EntityManager) => Promise<T>,
  ): Promise<IdempotentResult<T | R>> {
    const statusCode = request.statusCode ?? 201;
    if (request.key === undefined) {
      return { body: await this.db.withClinic(principal.clinicId, work), statusCode, isReplay: false };
    }
    const problem = idempotencyKeyProblem(request.key);
    if (problem)
      throw new DomainException('invalid', problem, { errors: [{ field: 'Idempotency-Key', message: problem }] });

    const { actorId } = actorOf(principal);
    const scope = { clinicId: principal.clinicId, actorId, key: request.key };
    const fingerprint = requestFingerprint(request.operation, request.body);
    const replay = await this.claim(scope, fingerprint);
    if (replay) {
      const resourceId = (replay.response as { id?: unknown } | null)?.id;
      if (typeof resourceId !== 'string')
        throw new DomainException('conflict', 'This Idempotency-Key was already used; use a new key');
      const body = JSON.parse(JSON.stringify(await request.replay(resourceId)) ?? 'null') as R;
      return { body, statusCode: replay.statusCode, isReplay: true };
    }

    try {
      const body = await this.db.withClinic(principal.clinicId, async (tx) => {
        // Answered in JSON form, as replays are. Only the resource's id is stored: never a body,
        // which may carry answers or a secret shown once.
        const created = await work(tx);
        const result = JSON.parse(JSON.stringify(created) ?? 'null') as T;
        const resourceId = request.resourceIdOf
          ? request.resourceIdOf(created)
          : (created as { id?: unknown } | null)?.id;
        if (typeof resourceId !== 'string') throw new Error(`${request.operation} answered no resource id to record`);
        const stored = await queryRows(
          tx,
          `UPDATE idempotency_record SET status_code = $5, response = $6
           WHERE clinic_id = $1 AND actor_id = $2 AND key = $3 AND request_hash = $4 AND status_code IS NULL RETURNING key`,
          [scope.clinicId, scope.actorId, scope.key, fingerprint, statusCode, JSON.stringify({ id: resourceId })],
        );
        if (stored.length === 0)
          this.logger.warn(
            { clinicId: scope.clinicId },
            'Idempotency claim was taken over before the request finished',
          );
        return result;
      });
      return { body, statusCode, isReplay: false };
    } catch (error) {
      await this.release(scope, fingerprint).catch((releaseError: unknown) =>
        this.logger.error({ err: releaseError, clinicId: scope.clinicId }, 'Could not release an idempotency claim'),
      );
      throw error;
    }
  }

  /** Claims the key, or answers the stored response to replay; throws 409/422 otherwise. */
  private async claim(
    scope: { clinicId: string; actorId: string; key: string },
    fingerprint: string,
  ): Promise<{ statusCode: number; response: unknown } | null> {
    return this.db.withClinic(scope.clinicId, async (tx) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted: unknown[] = await tx.query(
          `INSERT INTO idempotency_record (clinic_id, actor_id, key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
          [scope.clinicId, scope.actorId, scope.key, fingerprint],
        );
        if (inserted.length === 1) return null;
        const rows: RecordRow[] = await tx.query(
          `SELECT request_hash, status_code, response, created_at, mend_now() AS db_now FROM idempotency_record WHERE clinic_id = $1 AND actor_id = $2 AND key = $3`,
          [scope.clinicId, scope.actorId, scope.key],
        );
        const row = rows[0];
        if (!row) continue; // released between our insert and select: try again
        const decision = decideOnExisting(
          {
            requestHash: row.request_hash,
            statusCode: row.status_code,
            response: row.response,
            createdAt: row.created_at,
          },
          fingerprint,
          row.db_now,
        );
        switch (decision.kind) {
          case 'replay':
            return { statusCode: decision.statusCode, response: decision.response };
          case 'mismatch':
            throw new DomainException(
              'unprocessable',
              'This Idempotency-Key was already used for a different request',
              {
                errors: [
                  {
                    field: 'Idempotency-Key',
                    message: 'the key was used with a different request body or path; use a new key',
                  },
                ],
              },
            );
          case 'in_flight':
            throw new DomainException(
              'conflict',
              'A request with this Idempotency-Key is still being processed; retry shortly',
            );
          case 'take_over': {
            // Only if nobody else took it over first (the row is exactly as read).
            const taken = await queryRows(
              tx,
              `UPDATE idempotency_record SET request_hash = $4, status_code = NULL, response = NULL, created_at = mend_now()
               WHERE clinic_id = $1 AND actor_id = $2 AND key = $3
                 AND (created_at < mend_now() - make_interval(hours => $5) OR (status_code IS NULL AND created_at < mend_now() - make_interval(secs => $6)))
               RETURNING key`,
              [
                scope.clinicId,
                scope.actorId,
                scope.key,
                fingerprint,
                IDEMPOTENCY_TTL_HOURS,
                IDEMPOTENCY_STALE_CLAIM_SECONDS,
              ],
            );
            if (taken.length === 1) return null;
            throw new DomainException(
              'conflict',
              'A request with this Idempotency-Key is still being processed; retry shortly',
            );
          }
        }
      }
      throw new DomainException(
        'conflict',
        'A request with this Idempotency-Key is still being processed; retry shortly',
      );
    });
  }

  private async release(scope: { clinicId: string; actorId: string; key: string }, fingerprint: string): Promise<void> {
    await this.db.withClinic(scope.clinicId, (tx) =>
      tx.query(
        `DELETE FROM idempotency_record WHERE clinic_id = $1 AND actor_id = $2 AND key = $3 AND request_hash = $4 AND status_code IS NULL`,
        [scope.clinicId, scope.actorId, scope.key, fingerprint],
      ),
    );
  }
}

/** Deletes a clinic's expired keys; for a periodic worker job (keys are also taken over lazily). */
export async function purgeExpiredIdempotencyRecords(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_HOURS * 3_600_000);
  const result: unknown = await tx.query(`DELETE FROM idempotency_record WHERE clinic_id = $1 AND created_at < $2`, [
    clinicId,
    cutoff,
  ]);
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
