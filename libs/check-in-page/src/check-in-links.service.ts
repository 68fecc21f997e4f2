import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, DomainException, newId, type UserPrincipal } from '@mend/core';
import { requireCouple } from '@mend/couples';
import { TenantDatabase } from '@mend/database';

import { checkInLinksRepository as links } from './check-in-links.repository.js';
import { linkExpiresAt, linkUrl, newLinkToken } from './check-in-links.rules.js';

/** A freshly issued link: put `url` in the email; it is shown once and never stored. */
export interface IssuedCheckInLink {
  url: string;
  expiresAt: Date;
}

export interface RevokeCheckInLinksInput {
  /** Only the links of the occurrence due at this time (as listed for the assignment); all when absent. */
  occurrenceAt?: Date;
  /** Only this partner's links; both partners' when absent. */
  partnerId?: string;
}

/**
 * Issues a link that unlocks `partnerId`'s check-in for one occurrence (their own, or their
 * couple's in joint mode), inside the caller's transaction of `clinicId` — so a link issued for an
 * email that then fails to send rolls back with it. Every call mints a new token; all of an
 * occurrence's links work side by side until it closes (at most 7 days after issue), the
 * assignment is cancelled or the therapist revokes them.
 *
 * Refuses with `not_found` when the occurrence does not exist or is not this partner's to answer,
 * and with `gone` when it can no longer be answered (closed, cancelled, couple closed) — a
 * reminder for it has nothing to link to.
 *
 * For the reminder email: issue one link per recipient partner (joint mode too: each partner gets
 * their own) inside the transaction that claims the send and commits only after the SMTP server
 * accepted it; put `url` verbatim in both the text and the HTML body (a plain `<a href>` with a
 * generic label such as "Open your check-in", no redirect or click tracking), never in the
 * subject, a header or the notification row; `expiresAt` may be shown in the partner's zone.
 */
export async function issueCheckInLink(
  tx: EntityManager,
  clinicId: string,
  partnerId: string,
  occurrenceId: string,
  options: { publicUrl: string; now: Date },
): Promise<IssuedCheckInLink> {
  const now = options.now;
  const occurrence = await links.occurrenceForLink(tx, clinicId, occurrenceId, partnerId);
  if (
    !occurrence ||
    !occurrence.isRecipientActivePartner ||
    (occurrence.partnerId !== null && occurrence.partnerId !== partnerId)
  ) {
    throw DomainException.notFound('Occurrence');
  }
  if (
    occurrence.closesAt.getTime() <= now.getTime() ||
    occurrence.assignmentStatus === 'cancelled' ||
    occurrence.coupleStatus === 'closed'
  ) {
    throw new DomainException('gone', 'This occurrence can no longer be answered');
  }
  const { token, hash } = newLinkToken(clinicId);
  const expiresAt = linkExpiresAt(occurrence.closesAt, now);
  await links.insertLink(tx, {
    clinicId,
    id: newId(),
    occurrenceId,
    partnerId,
    tokenHash: hash,
    expiresAt,
    createdAt: now,
  });
  return { url: linkUrl(options.publicUrl, token), expiresAt };
}

@Injectable()
export class CheckInLinksService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** {@link issueCheckInLink} with the configured public URL (never the request's Host header). */
  issueCheckInLink(
    tx: EntityManager,
    clinicId: string,
    partnerId: string,
    occurrenceId: string,
  ): Promise<IssuedCheckInLink> {
    return issueCheckInLink(tx, clinicId, partnerId, occurrenceId, {
      publicUrl: this.config.http.publicUrl,
      now: this.clock.now(),
    });
  }

  /**
   * The couple's therapist revokes the live links of an assignment (all of them, one occurrence's,
   * or one partner's): they show the neutral "no longer works" page from now on, and so do pages
   * already opened from them. Another caseload's or clinic's assignment answers 404.
   */
  async revoke(
    principal: UserPrincipal,
    assignmentId: string,
    input: RevokeCheckInLinksInput,
  ): Promise<{ revoked: number }> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const rows: Array<{ couple_id: string }> = await tx.query(
        `SELECT couple_id FROM assignment WHERE clinic_id = $1 AND id = $2`,
        [principal.clinicId, assignmentId],
      );
      if (!rows[0]) throw DomainException.notFound('Assignment');
      await requireCouple(tx, principal, rows[0].couple_id).catch(() => {
        throw DomainException.notFound('Assignment');
      });
      const revoked = await links.revoke(
        tx,
        principal.clinicId,
        { assignmentId, dueAt: input.occurrenceAt, partnerId: input.partnerId },
        { userId: principal.userId, at: this.clock.now() },
      );
      await this.audit.record(tx, this.audit.entryFor(principal, 'check_in_link.revoke', 'assignment', assignmentId));
      return { revoked };
    });
  }
}
