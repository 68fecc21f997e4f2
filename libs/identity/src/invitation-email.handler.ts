import { createHash, randomBytes } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { v5 as uuidV5 } from 'uuid';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { escapeHtml, MailDeliveryError, MailerService } from '@mend/mail';
import type { InvitationEmailJobData } from '@mend/queue';

import { invitationPageUrl } from './users.service.js';

/** Namespace for the id of the link an invitation email carries (uuid v5 of the invitation). Never change it. */
const EMAILED_INVITATION_NAMESPACE = '0b7d7c1e-5f54-4a8e-8f0a-2f6f3d9f4c21';

interface InvitationForEmail {
  user_id: string;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_by: string | null;
  email: string;
  user_name: string;
  timezone: string;
  disabled_at: Date | null;
  clinic_name: string;
}

export type InvitationEmailOutcome = 'sent' | 'already_sent' | 'skipped';

/**
 * Emails an invitation link. The stored invitation holds only a token hash, so the email gets
 * its own link: a sibling invitation row (same user, same expiry) with a fresh token. Accepting
 * any link of a user revokes the others (libs/identity).
 *
 * Idempotent: the sibling's id is derived from the invitation id and inserted with ON CONFLICT
 * DO NOTHING before sending, in the transaction that commits only after the SMTP server accepted
 * the message. A retry after a committed send finds the row and sends nothing; a failed send
 * rolls the row back.
 */
@Injectable()
export class InvitationEmailHandler {
  private readonly logger = new Logger(InvitationEmailHandler.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly mailer: MailerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async handle(data: InvitationEmailJobData): Promise<InvitationEmailOutcome> {
    const { clinicId, invitationId } = data;
    return this.db.withClinic(clinicId, async (tx) => {
      const invitation = await this.load(tx, clinicId, invitationId);
      const skipReason = !invitation
        ? 'not_found'
        : invitation.accepted_at
          ? 'accepted'
          : invitation.revoked_at
            ? 'revoked'
            : invitation.expires_at.getTime() <= this.clock.nowMs()
              ? 'expired'
              : invitation.disabled_at
                ? 'user_disabled'
                : undefined;
      if (skipReason || !invitation) {
        this.logger.log({ msg: 'invitation email skipped', clinicId, invitationId, reason: skipReason });
        return 'skipped';
      }

      const token = `inv_${clinicId.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
      const tokenHash = createHash('sha256').update(token).digest('hex');
      const emailedId = uuidV5(`${clinicId}/${invitationId}`, EMAILED_INVITATION_NAMESPACE);
      const claimed: Array<{ id: string }> = await tx.query(
        `INSERT INTO invitation (clinic_id, id, user_id, token_hash, expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (clinic_id, id) DO NOTHING
         RETURNING id`,
        [clinicId, emailedId, invitation.user_id, tokenHash, invitation.expires_at, invitation.created_by],
      );
      if (claimed.length === 0) return 'already_sent';

      try {
        await this.mailer.send(this.compose(invitation, token));
      } catch (error) {
        if (error instanceof MailDeliveryError && error.isPermanent) throw new UnrecoverableError(error.message);
        throw error;
      }
      return 'sent';
    });
  }

  private async load(
    tx: EntityManager,
    clinicId: string,
    invitationId: string,
  ): Promise<InvitationForEmail | undefined> {
    const rows: InvitationForEmail[] = await tx.query(
      `SELECT i.user_id, i.expires_at, i.accepted_at, i.revoked_at, i.created_by,
              u.email, u.name AS user_name, u.timezone, u.disabled_at, c.name AS clinic_name
         FROM invitation i
         JOIN "user" u ON u.clinic_id = i.clinic_id AND u.id = i.user_id
         JOIN clinic c ON c.id = i.clinic_id
        WHERE i.clinic_id = $1 AND i.id = $2`,
      [clinicId, invitationId],
    );
    return rows[0];
  }

  /** No clinical content: who invites, the link, when it expires. */
  private compose(invitation: InvitationForEmail, token: string) {
    const link = invitationPageUrl(this.config.http.publicUrl, token);
    const expiry = DateTime.fromJSDate(invitation.expires_at).setZone(invitation.timezone);
    const expires = (expiry.isValid ? expiry : DateTime.fromJSDate(invitation.expires_at).toUTC()).toFormat(
      "d LLLL yyyy 'at' HH:mm ZZZZ",
    );
    const subject = `You're invited to ${invitation.clinic_name} on Mend`;
    const text = [
      `Hello ${invitation.user_name},`,
      '',
      `${invitation.clinic_name} has invited you to join them on Mend.`,
      '',
      'Accept the invitation and choose your password here:',
      link,
      '',
      `The link works once and expires on ${expires}.`,
      'If you were not expecting this invitation, you can ignore this email.',
    ].join('\n');
    const html = [
      `<p>Hello ${escapeHtml(invitation.user_name)},</p>`,
      `<p>${escapeHtml(invitation.clinic_name)} has invited you to join them on Mend.</p>`,
      `<p><a href="${escapeHtml(link)}">Accept the invitation and choose your password</a></p>`,
      `<p>The link works once and expires on ${escapeHtml(expires)}.<br>If you were not expecting this invitation, you can ignore this email.</p>`,
    ].join('\n');
    return { to: invitation.email, subject, text, html };
  }
}
