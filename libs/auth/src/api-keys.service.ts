import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import {
  Clock,
  decodeCursor,
  DomainException,
  issueToken,
  newId,
  parseToken,
  toPage,
  type ApiKeyPrincipal,
  type ApiKeyScope,
  type Page,
  type Principal,
  type RequestMeta,
  type UserPrincipal,
} from '@mend/core';
import { IdempotencyService, queryRows, TenantDatabase, type IdempotentResult } from '@mend/database';

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  keyHint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** Shown once; only its hash is stored. */
  key: string;
}

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toView = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes,
  keyHint: r.key_prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const COLUMNS = 'id, name, scopes, key_prefix, created_at, last_used_at, revoked_at';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly clock: Clock,
  ) {}

  /**
   * With an Idempotency-Key, a retry answers the first response — the key included, since a
   * client retries exactly when it lost that response (the stored copy expires with the key).
   */
  async create(
    principal: UserPrincipal,
    input: { name: string; scopes: ApiKeyScope[] },
    idempotencyKey?: string,
  ): Promise<IdempotentResult<CreatedApiKey | ApiKeyView>> {
    const scopes = [...new Set(input.scopes)].sort();
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/api-keys',
        body: input,
        statusCode: 201,
        // The key itself is shown once and stored hashed: a replay answers the key's record without it.
        replay: async (id) => {
          const rows: ApiKeyRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
            tx.query(`SELECT ${COLUMNS} FROM api_key WHERE clinic_id = $1 AND id = $2`, [principal.clinicId, id]),
          );
          if (!rows[0]) throw DomainException.notFound('API key');
          return toView(rows[0]);
        },
      },
      async (tx) => {
        const { token, hash } = issueToken('mk', principal.clinicId);
        const hint = `mk_…${token.slice(-4)}`;
        const rows: ApiKeyRow[] = await tx.query(
          `INSERT INTO api_key (clinic_id, id, name, key_prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
          [principal.clinicId, newId(), input.name.trim(), hint, hash, scopes, principal.userId],
        );
        await this.audit.record(tx, this.audit.entryFor(principal, 'api_key.create', 'api_key', rows[0].id));
        return { ...toView(rows[0]), key: token };
      },
    );
  }

  async list(principal: UserPrincipal, query: { limit: number; cursor?: string }): Promise<Page<ApiKeyView>> {
    const after = decodeCursor(query.cursor);
    const rows: ApiKeyRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(
        `SELECT ${COLUMNS} FROM api_key WHERE clinic_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [principal.clinicId, after ?? null, query.limit + 1],
      ),
    );
    return toPage(rows, query.limit, toView);
  }

  async revoke(principal: UserPrincipal, id: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      const rows = await queryRows<{ id: string }>(
        tx,
        `UPDATE api_key SET revoked_at = coalesce(revoked_at, mend_now()) WHERE clinic_id = $1 AND id = $2 RETURNING id`,
        [principal.clinicId, id],
      );
      if (rows.length === 0) throw DomainException.notFound('API key');
      await this.audit.record(tx, this.audit.entryFor(principal, 'api_key.revoke', 'api_key', id));
    });
  }

  async describeSelf(principal: Principal): Promise<ApiKeyView> {
    if (principal.kind !== 'api_key') throw new DomainException('forbidden', 'Only an API key can describe itself');
    const rows: ApiKeyRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(`SELECT ${COLUMNS} FROM api_key WHERE clinic_id = $1 AND id = $2`, [
        principal.clinicId,
        principal.apiKeyId,
      ]),
    );
    if (!rows[0]) throw DomainException.notFound('API key');
    return toView(rows[0]);
  }

  /** Resolves a presented key to its principal, or null when unknown or revoked. */
  async authenticate(key: string, meta: RequestMeta): Promise<ApiKeyPrincipal | null> {
    const parsed = parseToken('mk', key);
    if (!parsed) return null;
    return this.db.withClinic(parsed.clinicId, async (tx) => {
      const rows: Array<{ id: string; scopes: ApiKeyScope[]; last_used_at: Date | null }> = await tx.query(
        `SELECT id, scopes, last_used_at FROM api_key WHERE clinic_id = $1 AND key_hash = $2 AND revoked_at IS NULL`,
        [parsed.clinicId, parsed.hash],
      );
      const row = rows[0];
      if (!row) return null;
      // Coarse last-use tracking: one write a minute per key, not one per request.
      if (!row.last_used_at || this.clock.nowMs() - row.last_used_at.getTime() > 60_000) {
        await tx.query(`UPDATE api_key SET last_used_at = mend_now() WHERE clinic_id = $1 AND id = $2`, [
          parsed.clinicId,
          row.id,
        ]);
      }
      return { kind: 'api_key', clinicId: parsed.clinicId, apiKeyId: row.id, scopes: row.scopes, ...meta };
    });
  }
}
