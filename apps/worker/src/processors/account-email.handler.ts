import { randomBytes } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DateTime } from 'luxon';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, hashToken } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { escapeHtml, MailDeliveryError, MailerService } from '@mend/mail';
import type { LoginFailuresEmailJobData, PasswordResetEmailJobData } from '@mend/queue';

interface ResetForEmail {
  user_id: string;
  token_hash: string | null;
  expires_at: Date;
  used_at: Date | null;
  email: string;
  name: string;
  timezone: string;
  disabled_at: Date | null;
  clinic_name: string;
}

/**
 * Account emails: the password-reset link and the "repeated failed sign-ins" notice. Neither
 * carries clinical content.
 *
 * The reset token is minted here, not in the API: the request row holds no token until this
 * handler claims it (sets its hash where none is set) in the transaction that commits only after
 * the SMTP server accepted the message. A retry after a committed send finds the hash set and
 * sends nothing; a failed send rolls the claim back.
 */
@Injectable()
export class AccountEmailHandler {
  private readonly logger = new Logger(AccountEmailHandler.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly mailer: MailerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async passwordReset(data: PasswordResetEmailJobData, now = this.clock.now()): Promise<'sent' | 'skipped'> {
    const { clinicId, resetId } = data;
    return this.db.withClinic(clinicId, async (tx) => {
      const rows: ResetForEmail[] = await tx.query(
        `SELECT r.user_id, r.token_hash, r.expires_at, r.used_at, u.email, u.name, u.timezone, u.disabled_at,
                c.name AS clinic_name
           FROM password_reset r
           JOIN "user" u ON u.clinic_id = r.clinic_id AND u.id = r.user_id
           JOIN clinic c ON c.id = r.clinic_id
          WHERE r.clinic_id = $1 AND r.id = $2
          FOR UPDATE OF r`,
        [clinicId, resetId],
      );
      const reset = rows[0];
      if (!reset || reset.token_hash || reset.used_at || reset.disabled_at || reset.expires_at <= now) {
        this.logger.log({ msg: 'password reset email skipped', clinicId, resetId });
        return 'skipped';
      }
      const token = `pr_${clinicId.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
      await tx.query(`UPDATE password_reset SET token_hash = $3 WHERE clinic_id = $1 AND id = $2`, [
        clinicId,
        resetId,
        hashToken(token),
      ]);
      const link = `${this.config.http.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
      const expires = formatLocal(reset.expires_at, reset.timezone);
      await this.send({
        to: reset.email,
        subject: `Reset your Mend password for ${reset.clinic_name}`,
        text: [
          `Hello ${reset.name},`,
          '',
          `Someone (we hope you) asked to reset your Mend password for ${reset.clinic_name}.`,
          '',
          'Choose a new password here:',
          link,
          '',
          `The link works once and expires on ${expires}. Resetting signs you out everywhere.`,
          'If you did not ask for this, ignore this email: your password stays as it is.',
        ].join('\n'),
        html: [
          `<p>Hello ${escapeHtml(reset.name)},</p>`,
          `<p>Someone (we hope you) asked to reset your Mend password for ${escapeHtml(reset.clinic_name)}.</p>`,
          `<p><a href="${escapeHtml(link)}">Choose a new password</a></p>`,
          `<p>The link works once and expires on ${escapeHtml(expires)}. Resetting signs you out everywhere.<br>`,
          'If you did not ask for this, ignore this email: your password stays as it is.</p>',
        ].join('\n'),
      });
      return 'sent';
    });
  }

  async loginFailures(data: LoginFailuresEmailJobData): Promise<'sent' | 'skipped'> {
    const { clinicId, userId } = data;
    const rows: Array<{ email: string; name: string; disabled_at: Date | null; clinic_name: string; slug: string }> =
      await this.db.withClinic(clinicId, (tx) =>
        tx.query(
          `SELECT u.email, u.name, u.disabled_at, c.name AS clinic_name, c.slug
             FROM "user" u JOIN clinic c ON c.id = u.clinic_id
            WHERE u.clinic_id = $1 AND u.id = $2`,
          [clinicId, userId],
        ),
      );
    const user = rows[0];
    if (!user || user.disabled_at) return 'skipped';
    const reset = `${this.config.http.publicUrl}/forgot-password`;
    await this.send({
      to: user.email,
      subject: 'Repeated failed sign-ins to your Mend account',
      text: [
        `Hello ${user.name},`,
        '',
        `Someone tried to sign in to your Mend account at ${user.clinic_name} with a wrong password several times.`,
        'Your account is not locked: sign-ins from other places only slow down for a few minutes.',
        '',
        `If this was not you, consider changing your password: ${reset}`,
      ].join('\n'),
      html: [
        `<p>Hello ${escapeHtml(user.name)},</p>`,
        `<p>Someone tried to sign in to your Mend account at ${escapeHtml(user.clinic_name)} with a wrong password several times.</p>`,
        '<p>Your account is not locked: sign-ins from other places only slow down for a few minutes.</p>',
        `<p>If this was not you, consider <a href="${escapeHtml(reset)}">changing your password</a>.</p>`,
      ].join('\n'),
    });
    return 'sent';
  }

  private async send(message: { to: string; subject: string; text: string; html: string }): Promise<void> {
    try {
      await this.mailer.send(message);
    } catch (error) {
      if (error instanceof MailDeliveryError && error.isPermanent) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
}

function formatLocal(at: Date, zone: string): string {
  const local = DateTime.fromJSDate(at).setZone(zone);
  return (local.isValid ? local : DateTime.fromJSDate(at).toUTC()).toFormat("d LLLL yyyy 'at' HH:mm ZZZZ");
}
