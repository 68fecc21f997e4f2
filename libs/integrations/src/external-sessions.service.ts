import { Injectable } from '@nestjs/common';

import { DomainException, type Principal } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { SessionsService, type SessionStatus, type SessionView } from '@mend/sessions';

import { matchCoupleByEmails } from './couple-matching.js';
import { INBOUND_PROVIDERS } from './inbound/provider.driver.js';

export interface ExternalSessionRequest {
  /** The couple, or… */
  coupleId?: string;
  /** …the attendees' emails, matched to one couple's partners in the clinic. */
  attendeeEmails?: string[];
  startsAt: Date;
  endsAt: Date;
  status?: SessionStatus;
}

/**
 * `PUT /v1/sessions/external/{source}/{externalId}`: any system (a clinic's own scheduler, a
 * script) upserts the session it knows by its own id. Repeating a call with the same body changes
 * nothing. Staff reach the couples they may reach (a therapist: their caseload); an API key with
 * `sessions:write` reaches the clinic's couples.
 */
@Injectable()
export class ExternalSessionsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly sessions: SessionsService,
  ) {}

  async upsert(
    principal: Principal,
    source: string,
    externalId: string,
    input: ExternalSessionRequest,
  ): Promise<{ session: SessionView; isCreated: boolean }> {
    // Sessions a Cal.com or Calendly integration made change only through its signed events:
    // otherwise any key with sessions:write could move or cancel them by their booking id.
    if ((INBOUND_PROVIDERS as readonly string[]).includes(source)) {
      const message = `source "${source}" is reserved for the ${source} integration; its sessions change only through it`;
      throw new DomainException('invalid', message, { errors: [{ field: 'source', message }] });
    }
    if ((input.coupleId === undefined) === (input.attendeeEmails === undefined)) {
      throw new DomainException('invalid', 'Name the couple with coupleId or attendeeEmails (one of them)', {
        errors: [{ field: 'coupleId', message: 'send exactly one of coupleId and attendeeEmails' }],
      });
    }
    return this.db.withClinic(principal.clinicId, async (tx) => {
      let coupleId = input.coupleId;
      if (coupleId === undefined) {
        const therapistId = principal.kind === 'user' && principal.role === 'therapist' ? principal.userId : undefined;
        const match = await matchCoupleByEmails(tx, principal.clinicId, input.attendeeEmails ?? [], { therapistId });
        if (match.kind !== 'one') {
          const message =
            match.kind === 'none'
              ? "No couple's partners have these attendee emails"
              : 'The attendee emails belong to partners of more than one couple';
          throw new DomainException('unprocessable', message, { errors: [{ field: 'attendeeEmails', message }] });
        }
        coupleId = match.coupleId;
      }
      const { session, isCreated } = await this.sessions.upsertFromSourceIn(tx, principal, {
        coupleId,
        source,
        externalId,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        status: input.status,
      });
      return { session, isCreated };
    });
  }
}
