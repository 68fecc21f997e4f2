import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { decodeCursor, newId, toPage, type Page, type Principal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

export type AuditOutcome = 'success' | 'failure' | 'denied';
export type AuditActorType = 'user' | 'api_key' | 'system' | 'anonymous';

/** What happened, to which record — never clinical content. */
export interface AuditEntry {
  clinicId: string;
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  resourceType?: string | null;
  resourceId?: string | null;
  outcome: AuditOutcome;
  requestId?: string | null;
  ip?: string | null;
  /** Ids, flags and settings that qualify the row (e.g. a reassignment's therapists); never clinical content. */
  detail?: Record<string, unknown> | null;
}

export interface AuditEventView {
  id: string;
  occurredAt: Date;
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: AuditActorType;
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: AuditOutcome;
  request_id: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

@Injectable()
export class AuditService {
  constructor(private readonly db: TenantDatabase) {}

  /** Writes inside the caller's transaction, so the audit row commits with the change it records. */
  async record(tx: EntityManager, entry: AuditEntry): Promise<void> {
    await tx.query(
      `INSERT INTO audit_event (clinic_id, id, actor_type, actor_id, action, resource_type, resource_id, outcome, request_id, ip, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        entry.clinicId,
        newId(),
        entry.actorType,
        entry.actorId,
        entry.action,
        entry.resourceType ?? null,
        entry.resourceId ?? null,
        entry.outcome,
        entry.requestId ?? null,
        entry.ip ?? null,
        entry.detail ? JSON.stringify(entry.detail) : null,
      ],
    );
  }

  /** Records in a transaction of its own: for outcomes whose main transaction rolls back (failed logins). */
  async recordAlone(entry: AuditEntry): Promise<void> {
    await this.db.withClinic(entry.clinicId, (tx) => this.record(tx, entry));
  }

  /** Shorthand for a principal acting on a resource. */
  entryFor(
    principal: Principal,
    action: string,
    resourceType: string | null,
    resourceId: string | null,
    outcome: AuditOutcome = 'success',
  ): AuditEntry {
    return {
      clinicId: principal.clinicId,
      actorType: principal.kind === 'user' ? 'user' : 'api_key',
      actorId: principal.kind === 'user' ? principal.userId : principal.apiKeyId,
      action,
      resourceType,
      resourceId,
      outcome,
      requestId: principal.requestId,
      ip: principal.ip,
    };
  }

  async list(principal: Principal, query: AuditQuery): Promise<Page<AuditEventView>> {
    const cursor = decodeCursor(query.cursor);
    const params: unknown[] = [principal.clinicId];
    const where = ['clinic_id = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.action) add('action = ?', query.action);
    if (query.actorId) add('actor_id = ?', query.actorId);
    if (query.resourceType) add('resource_type = ?', query.resourceType);
    if (query.resourceId) add('resource_id = ?', query.resourceId);
    if (query.outcome) add('outcome = ?', query.outcome);
    if (query.from) add('occurred_at >= ?', query.from);
    if (query.to) add('occurred_at < ?', query.to);
    if (cursor) add('id < ?', cursor);
    params.push(query.limit + 1);
    const rows: AuditRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(
        `SELECT * FROM audit_event WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      ),
    );
    return toPage(rows, query.limit, (r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      action: r.action,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      outcome: r.outcome,
      requestId: r.request_id,
      ip: r.ip,
      detail: r.detail ?? null,
    }));
  }
}
