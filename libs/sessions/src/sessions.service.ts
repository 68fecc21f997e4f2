import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import {
  Clock,
  DomainException,
  newId,
  type FieldProblem,
  type Page,
  type Principal,
  type UserPrincipal,
} from '@mend/core';
import { canReach, coupleOfClient, loadCouple, requireCouple, type CoupleRef } from '@mend/couples';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';

import { announceSessionChange, changeSession, upsertSessionByExternalId } from './session-changes.js';
import {
  decodeSessionCursor,
  encodeSessionCursor,
  toPartnerSessionView,
  toSessionView,
  type PartnerSessionView,
  type SessionView,
} from './session.views.js';
import {
  INTEGRATION_SOURCES,
  MANUAL_SOURCE,
  sessionsRepository,
  type SessionRow,
  type SessionStatus,
} from './sessions.repository.js';

export interface CreateSessionInput {
  startsAt: Date;
  endsAt: Date;
}

export interface UpdateSessionInput {
  status?: SessionStatus;
  startsAt?: Date;
  endsAt?: Date;
  /** Therapist only; null clears the notes. */
  notes?: string | null;
}

export interface ListSessionsQuery {
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/** A session as a scheduling tool describes it (libs/integrations maps providers and attendee emails to this). */
export interface ExternalSessionInput {
  coupleId: string;
  source: string;
  externalId: string;
  startsAt: Date;
  endsAt: Date;
  /** Omitted: a new session is scheduled, an existing one keeps its status. */
  status?: SessionStatus;
}

/** Statuses that only make sense once the session has started. */
const STATUSES_AFTER_START: SessionStatus[] = ['completed', 'no_show'];

function invalid(errors: FieldProblem[]): DomainException {
  return new DomainException('invalid', 'The request is not valid', { errors });
}

export function checkSessionTimes(startsAt: Date, endsAt: Date): void {
  if (endsAt.getTime() <= startsAt.getTime())
    throw invalid([{ field: 'endsAt', message: 'endsAt must be after startsAt' }]);
}

export function checkStatusAfterStart(status: SessionStatus, startsAt: Date, now: Date): void {
  if (STATUSES_AFTER_START.includes(status) && startsAt.getTime() > now.getTime()) {
    throw new DomainException('unprocessable', 'A session cannot be completed or marked no-show before it starts', {
      errors: [{ field: 'status', message: `status ${status} needs a session that has started` }],
    });
  }
}

/** Only the couple's own therapist reads or writes notes (admins see statuses, never notes). */
function mayUseNotes(principal: Principal, couple: CoupleRef): boolean {
  return principal.kind === 'user' && principal.role === 'therapist' && couple.therapistId === principal.userId;
}

/**
 * Therapy sessions. Completed sessions cut progress into windows, so status changes matter
 * clinically; notes are the therapist's alone and every read or write of them is audited.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly clock: Clock,
  ) {}

  /**
   * The couple's therapist books a session; it belongs to the couple's therapist. With an
   * Idempotency-Key, a retried request answers the first result instead of booking twice.
   */
  async create(
    principal: UserPrincipal,
    coupleId: string,
    input: CreateSessionInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<SessionView>> {
    checkSessionTimes(input.startsAt, input.endsAt);
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: `POST /v1/couples/${coupleId}/sessions`,
        body: input,
        statusCode: 201,
        replay: (id) =>
          this.db.withClinic(principal.clinicId, async (tx) => {
            await requireCouple(tx, principal, coupleId);
            const row = await sessionsRepository.findById(tx, principal.clinicId, id);
            if (!row || row.couple_id !== coupleId) throw DomainException.notFound('Session');
            return toSessionView(row, { withNotes: true });
          }),
      },
      async (tx) => {
        const couple = await requireCouple(tx, principal, coupleId);
        if (couple.status === 'closed') throw new DomainException('conflict', 'A closed couple takes no new sessions');
        const row = await sessionsRepository.insert(tx, {
          clinicId: principal.clinicId,
          id: newId(),
          coupleId,
          therapistId: couple.therapistId,
          startsAt: input.startsAt,
          endsAt: input.endsAt,
        });
        await announceSessionChange(tx, null, row, this.clock.now());
        await this.audit.record(tx, this.audit.entryFor(principal, 'session.create', 'session', row.id));
        return toSessionView(row, { withNotes: true });
      },
    );
  }

  /** A couple's sessions by start time; admins and API keys (sessions:read) get them without notes. */
  async list(principal: Principal, coupleId: string, query: ListSessionsQuery): Promise<Page<SessionView>> {
    const after = decodeSessionCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, { admin: true, apiKey: true });
      const rows = await sessionsRepository.listForCouple(tx, principal.clinicId, coupleId, {
        from: query.from,
        to: query.to,
        after,
        limit: query.limit,
      });
      const page = rows.slice(0, query.limit);
      const withNotes = mayUseNotes(principal, couple);
      if (withNotes) await this.recordNotesRead(tx, principal, page);
      return {
        data: page.map((row) => toSessionView(row, { withNotes })),
        nextCursor: rows.length > query.limit ? encodeSessionCursor(page[page.length - 1]) : null,
      };
    });
  }

  /**
   * A partner's own couple's sessions by start time, in the partner's zone, without notes,
   * attendance or where the booking came from. A client in no couple has none.
   */
  async listMine(principal: UserPrincipal, query: ListSessionsQuery): Promise<Page<PartnerSessionView>> {
    const after = decodeSessionCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await coupleOfClient(tx, principal);
      if (!couple) return { data: [], nextCursor: null };
      const zone = await this.zoneOf(tx, principal);
      const rows = await sessionsRepository.listForCouple(tx, principal.clinicId, couple.id, {
        from: query.from,
        to: query.to,
        after,
        limit: query.limit,
      });
      const page = rows.slice(0, query.limit);
      return {
        data: page.map((row) => toPartnerSessionView(row, zone)),
        nextCursor: rows.length > query.limit ? encodeSessionCursor(page[page.length - 1]) : null,
      };
    });
  }

  /** One session of the partner's own couple; any other session answers like a missing one. */
  async getMine(principal: UserPrincipal, sessionId: string): Promise<PartnerSessionView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const { session } = await this.requireSession(tx, principal, sessionId, { client: true }, { lock: false });
      return toPartnerSessionView(session, await this.zoneOf(tx, principal));
    });
  }

  /** Status, reschedule and (therapist only) notes. */
  async update(principal: UserPrincipal, sessionId: string, input: UpdateSessionInput): Promise<SessionView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const { session, couple } = await this.requireSession(tx, principal, sessionId, { admin: true });
      const withNotes = mayUseNotes(principal, couple);
      if (input.notes !== undefined && !withNotes)
        throw new DomainException('forbidden', "Only the couple's therapist reads or writes session notes");

      await this.refuseIfOwnedByIntegration(tx, principal.clinicId, session, input);

      const startsAt = input.startsAt ?? session.starts_at;
      const endsAt = input.endsAt ?? session.ends_at;
      if (input.startsAt || input.endsAt) checkSessionTimes(startsAt, endsAt);
      if (input.status) checkStatusAfterStart(input.status, startsAt, this.clock.now());

      const row = await changeSession(tx, session, input, this.clock.now());
      if (input.status !== undefined || input.startsAt !== undefined || input.endsAt !== undefined) {
        await this.audit.record(tx, this.audit.entryFor(principal, 'session.update', 'session', sessionId));
      }
      if (input.notes !== undefined)
        await this.audit.record(tx, this.audit.entryFor(principal, 'session.notes.write', 'session', sessionId));
      else if (withNotes) await this.recordNotesRead(tx, principal, [row]);
      return toSessionView(row, { withNotes });
    });
  }

  /**
   * For integrations: creates or updates the session a scheduling tool knows as
   * (source, externalId) for a couple the principal may reach. Never returns notes.
   */
  async upsertFromSource(
    principal: Principal,
    input: ExternalSessionInput,
  ): Promise<{ session: SessionView; isCreated: boolean; isChanged: boolean }> {
    return this.db.withClinic(principal.clinicId, (tx) => this.upsertFromSourceIn(tx, principal, input));
  }

  /** {@link upsertFromSource} in the caller's clinic-pinned transaction (the couple may come from attendee emails). */
  async upsertFromSourceIn(
    tx: EntityManager,
    principal: Principal,
    input: ExternalSessionInput,
  ): Promise<{ session: SessionView; isCreated: boolean; isChanged: boolean }> {
    if (input.source === MANUAL_SOURCE)
      throw invalid([{ field: 'source', message: `source "${MANUAL_SOURCE}" is reserved for sessions made in Mend` }]);
    checkSessionTimes(input.startsAt, input.endsAt);
    if (input.status) checkStatusAfterStart(input.status, input.startsAt, this.clock.now());
    const couple = await requireCouple(tx, principal, input.coupleId, { admin: true, apiKey: true });
    const existing = await sessionsRepository.findByExternalId(tx, principal.clinicId, input.source, input.externalId);
    if (!existing && couple.status === 'closed')
      throw new DomainException('conflict', 'A closed couple takes no new sessions');
    // A known external id that belongs to a couple the caller cannot reach looks like a new conflict, not a leak.
    if (existing && existing.couple_id !== couple.id) {
      const owner = await loadCouple(tx, principal.clinicId, existing.couple_id);
      if (!owner || !canReach(principal, owner, { admin: true, apiKey: true }))
        throw new DomainException('conflict', 'This external id is already in use');
    }
    const result = await upsertSessionByExternalId(
      tx,
      {
        clinicId: principal.clinicId,
        coupleId: couple.id,
        therapistId: couple.therapistId,
        source: input.source,
        externalId: input.externalId,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        status: input.status,
      },
      this.clock.now(),
    );
    if (result.isChanged) {
      await this.audit.record(
        tx,
        this.audit.entryFor(
          principal,
          result.isCreated ? 'session.create' : 'session.update',
          'session',
          result.row.id,
        ),
      );
    }
    return { session: toSessionView(result.row), isCreated: result.isCreated, isChanged: result.isChanged };
  }

  /**
   * A Cal.com or Calendly session is booked in that tool: moving it or cancelling (or
   * un-cancelling) it here would be undone by the tool's next event and leave the two disagreeing,
   * so those changes are refused with the integration named. What the tool does not know stays
   * open: notes, and completed or no_show once the session has started.
   */
  private async refuseIfOwnedByIntegration(
    tx: EntityManager,
    clinicId: string,
    session: SessionRow,
    input: UpdateSessionInput,
  ): Promise<void> {
    if (!INTEGRATION_SOURCES.includes(session.source)) return;
    const moves =
      (input.startsAt !== undefined && input.startsAt.getTime() !== session.starts_at.getTime()) ||
      (input.endsAt !== undefined && input.endsAt.getTime() !== session.ends_at.getTime());
    const reschedules =
      input.status !== undefined &&
      input.status !== session.status &&
      (input.status === 'cancelled' || input.status === 'scheduled');
    if (!moves && !reschedules) return;
    const owner = await sessionsRepository.owningIntegration(tx, clinicId, session.id);
    const tool = session.source === 'calcom' ? 'Cal.com' : session.source === 'calendly' ? 'Calendly' : session.source;
    const named = owner ? ` integration ${owner.name ? `"${owner.name}" ` : ''}(${owner.id})` : ' integration';
    const message = `This session belongs to the ${tool}${named}: move or cancel it in ${tool}`;
    throw new DomainException('conflict', message, {
      errors: [{ field: moves ? (input.startsAt !== undefined ? 'startsAt' : 'endsAt') : 'status', message }],
    });
  }

  private async requireSession(
    tx: EntityManager,
    principal: Principal,
    sessionId: string,
    rule: { admin?: boolean; apiKey?: boolean; client?: boolean },
    options: { lock?: boolean } = { lock: true },
  ): Promise<{ session: SessionRow; couple: CoupleRef }> {
    const session = await sessionsRepository.findById(tx, principal.clinicId, sessionId, options.lock);
    const couple = session ? await loadCouple(tx, principal.clinicId, session.couple_id) : null;
    if (!session || !couple || !canReach(principal, couple, rule)) throw DomainException.notFound('Session');
    return { session, couple };
  }

  private async zoneOf(tx: EntityManager, principal: UserPrincipal): Promise<string> {
    const zone = await sessionsRepository.timezoneOf(tx, principal.clinicId, principal.userId);
    if (!zone) throw DomainException.notFound('User');
    return zone;
  }

  private async recordNotesRead(tx: EntityManager, principal: Principal, rows: SessionRow[]): Promise<void> {
    for (const row of rows) {
      if (row.notes !== null)
        await this.audit.record(tx, this.audit.entryFor(principal, 'session.notes.read', 'session', row.id));
    }
  }
}
