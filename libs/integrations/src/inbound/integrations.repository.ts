import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

import type { InboundBooking, InboundProvider } from './provider.driver.js';

export interface IntegrationRow {
  id: string;
  provider: InboundProvider;
  name: string | null;
  created_at: Date;
  revoked_at: Date | null;
  secret_rotated_at: Date | null;
  previous_secret_expires_at: Date | null;
}

const COLUMNS = 'id, provider, name, created_at, revoked_at, secret_rotated_at, previous_secret_expires_at';

export type IntegrationEventState = 'received' | 'processed' | 'duplicate' | 'ignored' | 'unmatched';

/** A stored inbound event as an admin lists it (its booking carries attendee emails: masked by the view). */
export interface IntegrationEventRow {
  id: string;
  integration_id: string;
  event_type: string;
  booking: InboundBooking | null;
  state: IntegrationEventState;
  outcome: string | null;
  session_id: string | null;
  received_at: Date;
  processed_at: Date | null;
  redelivery_count: number;
  last_received_at: Date | null;
  reprocessed_at: Date | null;
  reprocess_count: number;
}

const EVENT_COLUMNS =
  'id, integration_id, event_type, booking, state, outcome, session_id, received_at, processed_at, redelivery_count, last_received_at, reprocessed_at, reprocess_count';

export interface NewIntegration {
  clinicId: string;
  id: string;
  provider: InboundProvider;
  name: string | null;
  signingSecret: string;
  tokenHash: string;
  createdBy: string;
}

export interface NewIntegrationEvent {
  clinicId: string;
  id: string;
  integrationId: string;
  dedupeKey: string;
  eventType: string;
  booking: InboundBooking | null;
  /** `received` (for the worker) or `ignored` (processed at once). */
  state: 'received' | 'ignored';
  outcome: string | null;
}

export type BookingRefState = 'active' | 'rescheduled' | 'cancelled';

/** What a booking reference of a scheduling tool points at. */
export interface BookingRefRow {
  ref: string;
  session_id: string | null;
  state: BookingRefState;
}

/**
 * SQL for scheduling-tool integrations, their stored events and booking references; every method
 * takes the clinic-pinned transaction and the clinic id.
 */
export const integrationsRepository = {
  async insert(tx: EntityManager, integration: NewIntegration): Promise<IntegrationRow> {
    const rows: IntegrationRow[] = await tx.query(
      `INSERT INTO integration (clinic_id, id, provider, name, signing_secret, token_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [
        integration.clinicId,
        integration.id,
        integration.provider,
        integration.name,
        integration.signingSecret,
        integration.tokenHash,
        integration.createdBy,
      ],
    );
    return rows[0];
  },

  async list(tx: EntityManager, clinicId: string, after: string | null, limit: number): Promise<IntegrationRow[]> {
    return tx.query(
      `SELECT ${COLUMNS} FROM integration WHERE clinic_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [clinicId, after, limit],
    );
  },

  /** Revokes an integration (keeping the first revocation time); answers whether it exists. */
  async revoke(tx: EntityManager, clinicId: string, integrationId: string): Promise<boolean> {
    const rows = await queryRows(
      tx,
      `UPDATE integration SET revoked_at = coalesce(revoked_at, mend_now()) WHERE clinic_id = $1 AND id = $2 RETURNING id`,
      [clinicId, integrationId],
    );
    return rows.length > 0;
  },

  async findById(tx: EntityManager, clinicId: string, integrationId: string): Promise<IntegrationRow | undefined> {
    const rows: IntegrationRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM integration WHERE clinic_id = $1 AND id = $2`,
      [clinicId, integrationId],
    );
    return rows[0];
  },

  /**
   * The live integration behind a webhook URL's token, with its signing secret and, during the
   * overlap after a rotation, the previous one.
   */
  async findLiveByTokenHash(
    tx: EntityManager,
    clinicId: string,
    tokenHash: string,
  ): Promise<
    { id: string; provider: InboundProvider; signing_secret: string; previous_secret: string | null } | undefined
  > {
    const rows: Array<{
      id: string;
      provider: InboundProvider;
      signing_secret: string;
      previous_secret: string | null;
    }> = await tx.query(
      `SELECT id, provider, signing_secret,
                CASE WHEN previous_secret_expires_at > mend_now() THEN previous_signing_secret END AS previous_secret
           FROM integration WHERE clinic_id = $1 AND token_hash = $2 AND revoked_at IS NULL`,
      [clinicId, tokenHash],
    );
    return rows[0];
  },

  /**
   * Replaces a live integration's signing secret; the old one stays valid for `overlapHours`
   * (0: at once invalid). A second rotation within the overlap drops the oldest secret.
   */
  async rotateSecret(
    tx: EntityManager,
    clinicId: string,
    integrationId: string,
    secret: string,
    overlapHours: number,
  ): Promise<IntegrationRow | undefined> {
    const rows = await queryRows<IntegrationRow>(
      tx,
      `UPDATE integration SET
          previous_signing_secret = CASE WHEN $4::int > 0 THEN signing_secret END,
          previous_secret_expires_at = CASE WHEN $4::int > 0 THEN mend_now() + make_interval(hours => $4::int) END,
          signing_secret = $3, secret_rotated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [clinicId, integrationId, secret, overlapHours],
    );
    return rows[0];
  },

  /**
   * Stores an event once per (integration, dedupe key); answers whether it is new. A redelivery
   * only counts itself on the stored event (the tool retried; nothing is applied twice).
   */
  async insertEvent(tx: EntityManager, event: NewIntegrationEvent): Promise<boolean> {
    const rows = await queryRows<{ inserted: boolean }>(
      tx,
      `INSERT INTO integration_event (clinic_id, id, integration_id, dedupe_key, event_type, booking, state, outcome, processed_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, CASE WHEN $7 = 'ignored' THEN mend_now() END)
         ON CONFLICT (clinic_id, integration_id, dedupe_key) DO UPDATE
           SET redelivery_count = integration_event.redelivery_count + 1, last_received_at = mend_now()
         RETURNING (xmax = 0) AS inserted`,
      [
        event.clinicId,
        event.id,
        event.integrationId,
        event.dedupeKey,
        event.eventType,
        event.booking ? JSON.stringify(event.booking) : null,
        event.state,
        event.outcome,
      ],
    );
    return rows[0]?.inserted === true;
  },

  /** The clinic's events (or one integration's), newest first (ids are time-ordered UUIDv7), keyset-paginated on id. */
  async listEvents(
    tx: EntityManager,
    clinicId: string,
    filter: { integrationId?: string; states?: IntegrationEventState[]; beforeId?: string; limit: number },
  ): Promise<IntegrationEventRow[]> {
    return tx.query(
      `SELECT ${EVENT_COLUMNS} FROM integration_event
        WHERE clinic_id = $1
          AND ($2::uuid IS NULL OR integration_id = $2::uuid)
          AND ($3::text[] IS NULL OR state = ANY ($3::text[]))
          AND ($4::uuid IS NULL OR id < $4::uuid)
        ORDER BY id DESC LIMIT $5`,
      [clinicId, filter.integrationId ?? null, filter.states ?? null, filter.beforeId ?? null, filter.limit],
    );
  },

  async findEvent(tx: EntityManager, clinicId: string, eventId: string): Promise<IntegrationEventRow | undefined> {
    const rows: IntegrationEventRow[] = await tx.query(
      `SELECT ${EVENT_COLUMNS} FROM integration_event WHERE clinic_id = $1 AND id = $2`,
      [clinicId, eventId],
    );
    return rows[0];
  },

  async markReprocessed(tx: EntityManager, clinicId: string, eventId: string): Promise<void> {
    await tx.query(
      `UPDATE integration_event SET reprocessed_at = mend_now(), reprocess_count = reprocess_count + 1 WHERE clinic_id = $1 AND id = $2`,
      [clinicId, eventId],
    );
  },

  /** Deletes the clinic's events received before `before` (retention); answers how many. */
  async purgeEventsReceivedBefore(tx: EntityManager, clinicId: string, before: Date): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      tx,
      `DELETE FROM integration_event WHERE clinic_id = $1 AND received_at < $2 RETURNING id`,
      [clinicId, before],
    );
    return rows.length;
  },

  async integrationOfEvent(tx: EntityManager, clinicId: string, eventId: string): Promise<string | undefined> {
    const heads: Array<{ integration_id: string }> = await tx.query(
      `SELECT integration_id FROM integration_event WHERE clinic_id = $1 AND id = $2`,
      [clinicId, eventId],
    );
    return heads[0]?.integration_id;
  },

  /** Locks the integration row: its events are applied one at a time. */
  async lock(
    tx: EntityManager,
    clinicId: string,
    integrationId: string,
  ): Promise<{ id: string; provider: InboundProvider } | undefined> {
    const integrations: Array<{ id: string; provider: InboundProvider }> = await tx.query(
      `SELECT id, provider FROM integration WHERE clinic_id = $1 AND id = $2 FOR UPDATE`,
      [clinicId, integrationId],
    );
    return integrations[0];
  },

  async lockEvent(
    tx: EntityManager,
    clinicId: string,
    eventId: string,
  ): Promise<{ state: string; booking: InboundBooking | null } | undefined> {
    const events: Array<{ state: string; booking: InboundBooking | null }> = await tx.query(
      `SELECT state, booking FROM integration_event WHERE clinic_id = $1 AND id = $2 FOR UPDATE`,
      [clinicId, eventId],
    );
    return events[0];
  },

  async settleEvent(
    tx: EntityManager,
    clinicId: string,
    eventId: string,
    result: { state: string; outcome: string; sessionId: string | null },
  ): Promise<void> {
    await tx.query(
      `UPDATE integration_event SET state = $3, outcome = $4, session_id = $5, processed_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
      [clinicId, eventId, result.state, result.outcome, result.sessionId],
    );
  },

  async bookingRefs(
    tx: EntityManager,
    clinicId: string,
    integrationId: string,
    refs: string[],
  ): Promise<BookingRefRow[]> {
    return tx.query(
      `SELECT ref, session_id, state FROM integration_booking WHERE clinic_id = $1 AND integration_id = $2 AND ref = ANY ($3::text[])`,
      [clinicId, integrationId, refs],
    );
  },

  /** Records where a booking reference points; a null session keeps the one already recorded. */
  async upsertBookingRef(
    tx: EntityManager,
    clinicId: string,
    integrationId: string,
    ref: string,
    sessionId: string | null,
    state: BookingRefState,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO integration_booking (clinic_id, integration_id, ref, session_id, state) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (clinic_id, integration_id, ref) DO UPDATE
           SET session_id = coalesce(EXCLUDED.session_id, integration_booking.session_id), state = EXCLUDED.state, updated_at = mend_now()`,
      [clinicId, integrationId, ref, sessionId, state],
    );
  },

  /**
   * Up to two couples with a client partner among `emails` (already normalised), optionally in
   * one therapist's caseload.
   */
  async couplesWithPartnerEmails(
    tx: EntityManager,
    clinicId: string,
    emails: string[],
    therapistId: string | null,
  ): Promise<string[]> {
    const rows: Array<{ couple_id: string }> = await tx.query(
      `SELECT DISTINCT p.couple_id
       FROM "user" u
       JOIN couple_partner p ON p.clinic_id = u.clinic_id AND p.user_id = u.id
       JOIN couple c ON c.clinic_id = p.clinic_id AND c.id = p.couple_id
      WHERE u.clinic_id = $1 AND u.role = 'client' AND u.email = ANY ($2::text[])
        AND ($3::uuid IS NULL OR c.therapist_id = $3)
      LIMIT 2`,
      [clinicId, emails, therapistId],
    );
    return rows.map((r) => r.couple_id);
  },
};
