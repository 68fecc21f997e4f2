import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { Inject, Injectable, Logger } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { decodeCursor, DomainException, newId, toPage, type Page, type UserPrincipal } from '@mend/core';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';
import { JobName, OutboxWriter } from '@mend/queue';

import { issueIntegrationToken, parseIntegrationToken } from '../integration-tokens.js';
import { CalcomDriver } from './calcom.driver.js';
import { CalendlyDriver } from './calendly.driver.js';
import { integrationsRepository, type IntegrationRow } from './integrations.repository.js';
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
  /** When the signing secret was last rotated (null: never). */
  secretRotatedAt: Date | null;
  /** Until when events signed with the previous secret are still accepted (null: no overlap running). */
  previousSecretValidUntil: Date | null;
}

export interface RotatedSecretView extends IntegrationView {
  /** The new signing secret to paste into the scheduling tool. Shown only here. */
  signingSecret: string;
}

export interface CreatedIntegrationView extends IntegrationView {
  /** Where the scheduling tool sends its webhooks. Contains a secret: shown only here. */
  webhookUrl: string;
}

export interface InboundReceipt {
  /** False when this exact event was already received (a redelivery): nothing more happens. */
  isNew: boolean;
}

const toView = (row: IntegrationRow): IntegrationView => ({
  id: row.id,
  provider: row.provider,
  name: row.name,
  status: row.revoked_at ? 'revoked' : 'active',
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  secretRotatedAt: row.secret_rotated_at,
  previousSecretValidUntil: row.previous_secret_expires_at,
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
  ): Promise<IdempotentResult<CreatedIntegrationView | IntegrationView>> {
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/integrations',
        body: input,
        statusCode: 201,
        // The webhook URL carries a secret shown once: a replay answers the integration without it.
        replay: async (id) => {
          const row = await this.db.withClinic(principal.clinicId, (tx) =>
            integrationsRepository.findById(tx, principal.clinicId, id),
          );
          if (!row) throw DomainException.notFound('Integration');
          return toView(row);
        },
      },
      async (tx) => {
        const { token, hash } = issueIntegrationToken('whk', principal.clinicId);
        const row = await integrationsRepository.insert(tx, {
          clinicId: principal.clinicId,
          id: newId(),
          provider: input.provider,
          name: input.name?.trim() || null,
          signingSecret: input.signingSecret,
          tokenHash: hash,
          createdBy: principal.userId,
        });
        await this.audit.record(tx, this.audit.entryFor(principal, 'integration.create', 'integration', row.id));
        return { ...toView(row), webhookUrl: `${this.config.http.publicUrl}/v1/integrations/hooks/${token}` };
      },
    );
  }

  async list(principal: UserPrincipal, query: { limit: number; cursor?: string }): Promise<Page<IntegrationView>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.db.withClinic(principal.clinicId, (tx) =>
      integrationsRepository.list(tx, principal.clinicId, after ?? null, query.limit + 1),
    );
    return toPage(rows, query.limit, toView);
  }

  /** Its webhook URL stops working at once; sessions it created stay. */
  async revoke(principal: UserPrincipal, integrationId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      if (!(await integrationsRepository.revoke(tx, principal.clinicId, integrationId)))
        throw DomainException.notFound('Integration');
      await this.audit.record(tx, this.audit.entryFor(principal, 'integration.revoke', 'integration', integrationId));
    });
  }

  /**
   * Replaces the signing secret (the one sent, or a new random one) and answers it once. Cal.com
   * and Calendly sign with one secret at a time, so the previous secret keeps verifying events
   * for the configured overlap (INBOUND_SECRET_OVERLAP_HOURS) while the admin updates the tool.
   */
  async rotateSecret(
    principal: UserPrincipal,
    integrationId: string,
    input: { signingSecret?: string },
  ): Promise<RotatedSecretView> {
    const secret = input.signingSecret ?? `mend_${randomBytes(32).toString('base64url')}`;
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const row = await integrationsRepository.rotateSecret(
        tx,
        principal.clinicId,
        integrationId,
        secret,
        this.config.inbound.secretOverlapHours,
      );
      if (!row) {
        const existing = await integrationsRepository.findById(tx, principal.clinicId, integrationId);
        if (!existing) throw DomainException.notFound('Integration');
        throw new DomainException('conflict', 'This integration is revoked: connect the tool again instead');
      }
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'integration.secret.rotate', 'integration', integrationId),
      );
      return { ...toView(row), signingSecret: secret };
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
      const integration = await integrationsRepository.findLiveByTokenHash(tx, clinicId, hash);
      if (!integration) throw DomainException.notFound('Integration');
      const driver = INBOUND_DRIVERS[integration.provider];
      // Wall clock on purpose: the tool signs with its real time (see the clock rule's exceptions).
      const now = new Date();
      let failure = driver.verify(rawBody, headers, integration.signing_secret, now);
      // During the overlap after a rotation, the tool may still sign with the previous secret.
      if (failure && integration.previous_secret && !driver.verify(rawBody, headers, integration.previous_secret, now))
        failure = null;
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
      const isNew = await integrationsRepository.insertEvent(tx, {
        clinicId,
        id: eventId,
        integrationId: integration.id,
        dedupeKey: parsed.eventId ?? payloadHash(rawBody),
        eventType: parsed.eventType.slice(0, 100),
        booking: parsed.booking ?? null,
        state: parsed.booking ? 'received' : 'ignored',
        outcome: parsed.booking ? null : 'unsupported_event',
      });
      if (!isNew) return { isNew: false };
      if (parsed.booking)
        await this.outbox.enqueue(tx, clinicId, { name: JobName.InboundEventProcess, data: { clinicId, eventId } });
      return { isNew: true };
    });
  }
}
