import type { IncomingHttpHeaders } from 'node:http';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { decodeCursor, DomainException, newId, toPage, type Page, type UserPrincipal } from '@mend/core';
import { IdempotencyService, queryRows, TenantDatabase, type IdempotentResult } from '@mend/database';
import { JobName, OutboxWriter } from '@mend/queue';

import { issueIntegrationToken, parseIntegrationToken } from '../integration-tokens.js';
import { CalcomDriver } from './calcom.driver.js';
import { CalendlyDriver } from './calendly.driver.js';
import {
  InboundPayloadError,
  payloadHash,
  type InboundProvider,
  type SchedulingProviderDriver,
} from './provider.driver.js';

export const INBOUND_DRIVERS: Record<InboundProvider, SchedulingProviderDriver> = {
  calcom: new CalcomDriver(),
  calendly: new CalendlyDriver(),
};

export interface CreateIntegrationInput {
  provider: InboundProvider;
  signingSecret: string;
  name?: string;
}

export interface IntegrationView {
  id: string;
  provider: InboundProvider;
  name: string | null;
  status: 'active' | 'revoked';
  createdAt: Date;
  revokedAt: Date | null;
}

export interface CreatedIntegrationView extends IntegrationView {
  /** Where the scheduling tool sends its webhooks. Contains a secret: shown only here. */
  webhookUrl: string;
}

export interface InboundReceipt {
  /** False when this exact event was already received (a redelivery): nothing more happens. */
  isNew: boolean;
}

interface IntegrationRow {
  id: string;
  provider: InboundProvider;
  name: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, provider, name, created_at, revoked_at';
const toView = (row: IntegrationRow): IntegrationView => ({
  id: row.id,
  provider: row.provider,
  name: row.name,
  status: row.revoked_at ? 'revoked' : 'active',
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/**
 * Scheduling tools (Cal.com, Calendly) sending bookings in. An admin registers the signing secret
 * set on the tool's webhook and gets the URL to paste there. Incoming events are verified on the
 * raw body, stored once per (integration, event id or payload hash) and handed to the worker.
 */
@Injectable()
export class IntegrationsService {
  private readonly logger = new Logger(IntegrationsService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    principal: UserPrincipal,
    input: CreateIntegrationInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<CreatedIntegrationView>> {
    return this.idempotency.run(
      principal,
      { key: idempotencyKey, operation: 'POST /v1/integrations', body: input, statusCode: 201 },
      async (tx) => {
        const { token, hash } = issueIntegrationToken('whk', principal.clinicId);
        const rows: IntegrationRow[] = await tx.query(
          `INSERT INTO integration (clinic_id, id, provider, name, signing_secret, token_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
          [
            principal.clinicId,
            newId(),
            input.provider,
            input.name?.trim() || null,
            input.signingSecret,
            hash,
            principal.userId,
          ],
        );
        await this.audit.record(tx, this.audit.entryFor(principal, 'integration.create', 'integration', rows[0].id));
        return { ...toView(rows[0]), webhookUrl: `${this.config.http.publicUrl}/v1/integrations/hooks/${token}` };
      },
    );
  }

  async list(principal: UserPrincipal, query: { limit: number; cursor?: string }): Promise<Page<IntegrationView>> {
    const after = decodeCursor(query.cursor);
    const rows: IntegrationRow[] = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(
        `SELECT ${COLUMNS} FROM integration WHERE clinic_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [principal.clinicId, after ?? null, query.limit + 1],
      ),
    );
    return toPage(rows, query.limit, toView);
  }

  /** Its webhook URL stops working at once; sessions it created stay. */
  async revoke(principal: UserPrincipal, integrationId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      const rows = await queryRows(
        tx,
        `UPDATE integration SET revoked_at = coalesce(revoked_at, mend_now()) WHERE clinic_id = $1 AND id = $2 RETURNING id`,
        [principal.clinicId, integrationId],
      );
      if (rows.length === 0) throw DomainException.notFound('Integration');
      await this.audit.record(tx, this.audit.entryFor(principal, 'integration.revoke', 'integration', integrationId));
    });
  }

  /**
   * The public webhook route. Unknown or revoked URL: 404. Signature missing, wrong or stale: 401
   * (checked on the raw bytes before anything parses them). A verified event is stored and
   * announced to the worker in one transaction; a redelivery of the same event changes nothing.
   */
  async receive(token: string, headers: IncomingHttpHeaders, rawBody: Buffer): Promise<InboundReceipt> {
    const parsedToken = parseIntegrationToken('whk', token);
    if (!parsedToken) throw DomainException.notFound('Integration');
    const { clinicId, hash } = parsedToken;
    return this.db.withClinic(clinicId, async (tx) => {
      const rows: Array<{ id: string; provider: InboundProvider; signing_secret: string }> = await tx.query(
        `SELECT id, provider, signing_secret FROM integration WHERE clinic_id = $1 AND token_hash = $2 AND revoked_at IS NULL`,
        [clinicId, hash],
      );
      const integration = rows[0];
      if (!integration) throw DomainException.notFound('Integration');
      const driver = INBOUND_DRIVERS[integration.provider];
      const failure = driver.verify(rawBody, headers, integration.signing_secret, new Date());
      if (failure) {
        this.logger.warn({ msg: 'inbound webhook refused', clinicId, integrationId: integration.id, reason: failure });
        throw new DomainException('unauthenticated', 'The webhook signature is missing, wrong or too old');
      }

      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw new DomainException('invalid', 'The webhook body is not valid JSON');
      }
      let parsed;
      try {
        parsed = driver.parse(body);
      } catch (error) {
        if (error instanceof InboundPayloadError)
          throw new DomainException(
            'invalid',
            `The webhook body is not a ${integration.provider} event: ${error.message}`,
          );
        throw error;
      }

      const eventId = newId();
      const inserted = await queryRows<{ id: string }>(
        tx,
        `INSERT INTO integration_event (clinic_id, id, integration_id, dedupe_key, event_type, booking, state, outcome, processed_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, CASE WHEN $7 = 'ignored' THEN mend_now() END)
         ON CONFLICT (clinic_id, integration_id, dedupe_key) DO NOTHING RETURNING id`,
        [
          clinicId,
          eventId,
          integration.id,
          parsed.eventId ?? payloadHash(rawBody),
          parsed.eventType.slice(0, 100),
          parsed.booking ? JSON.stringify(parsed.booking) : null,
          parsed.booking ? 'received' : 'ignored',
          parsed.booking ? null : 'unsupported_event',
        ],
      );
      if (inserted.length === 0) return { isNew: false };
      if (parsed.booking)
        await this.outbox.enqueue(tx, clinicId, { name: JobName.InboundEventProcess, data: { clinicId, eventId } });
      return { isNew: true };
    });
  }
}
