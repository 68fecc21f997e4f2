import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { EntityManager } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, newId } from '@mend/core';
import { queryRows, TenantDatabase } from '@mend/database';
import { MailDeliveryError, MailerService, toMailDeliveryError } from '@mend/mail';
import { announceEvent } from '@mend/queue';

import { emailBodies, isDiscreetFor, notificationText } from './notification-text.js';
import { toNotificationPreferences, type SkipReason } from './notification.types.js';
import { notificationsRepository, type NotificationRow } from './notifications.repository.js';
import { planRatingSkipReason, planRatingUrl } from './plan-rating-reminders.js';
import { announceSend, loadClinicReminderSettings } from './reminder-planner.js';
import { effectiveQuietHours } from './reminder-settings.js';
import { decideDailyCap, deferPastQuietHours, isInQuietHours, localDayBounds } from './reminder-time.js';

/** A job that runs this much before its row's send time belongs to an older plan: it does nothing. */
export const EARLY_JOB_TOLERANCE_MS = 1_000;

/** Reminders over the daily cap wait this long for others to join their digest. */
export const DIGEST_DELAY_MS = 10 * 60_000;

/**
 * Builds the check-in link of a homework email (libs/check-in-page issues a single-occurrence
 * link; the worker binds it). A required dependency: an unwired sender fails at boot instead of
 * silently linking every email to the product's public URL.
 */
export abstract class ReminderLinkIssuer {
  abstract linkFor(
    tx: EntityManager,
    clinicId: string,
    partnerId: string,
    occurrenceId: string,
  ): Promise<string | null>;
}

interface SendContext {
  email: string;
  timezone: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  disabled_at: Date | null;
  preferences: unknown;
}

type Decision =
  | { action: 'none' }
  | {
      action: 'email';
      to: string;
      subject: string;
      text: string;
      html: string;
      messageId: string;
      isDiscreet: boolean;
    };

export interface ReminderSendAttempt {
  /** True when BullMQ will not retry this job after a failure. */
  isFinalAttempt: boolean;
}

/**
 * Sends one notification at its time: re-reads it and everything it depends on, skips what no
 * longer applies, defers inside quiet hours, merges over the daily cap into a digest, then
 * claims the send with a conditional UPDATE (committed) BEFORE the side effect, so a job that
 * runs twice never sends twice. In-app delivery is the state change itself (exactly once).
 */
@Injectable()
export class ReminderSender {
  private readonly logger = new Logger(ReminderSender.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly mailer: MailerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly links: ReminderLinkIssuer,
  ) {}

  async send(
    clinicId: string,
    notificationId: string,
    attempt: ReminderSendAttempt,
    now: Date = this.clock.now(),
  ): Promise<void> {
    const decision = await this.db.withClinic(clinicId, (tx) => this.decide(tx, clinicId, notificationId, now));
    if (decision.action === 'none') return;
    try {
      await this.mailer.send({
        to: decision.to,
        subject: decision.subject,
        text: decision.text,
        html: decision.html,
        messageId: decision.messageId,
        isDiscreet: decision.isDiscreet,
      });
    } catch (error) {
      const err = error instanceof MailDeliveryError ? error : toMailDeliveryError(error);
      const isFinal = err.isPermanent || attempt.isFinalAttempt;
      await this.db.withClinic(clinicId, (tx) =>
        tx.query(
          `UPDATE notification SET claimed_at = NULL, last_error = $3, state = CASE WHEN $4 THEN 'failed' ELSE state END, updated_at = mend_now()
            WHERE clinic_id = $1 AND id = $2`,
          [clinicId, notificationId, err.message.slice(0, 500), isFinal],
        ),
      );
      if (err.isPermanent) throw new UnrecoverableError(err.message);
      throw err;
    }
    await this.db.withClinic(clinicId, async (tx) => {
      const sent = await queryRows<SentRow>(
        tx,
        `UPDATE notification SET state = 'sent', sent_at = mend_now(), claimed_at = NULL, last_error = NULL, updated_at = mend_now()
          WHERE clinic_id = $1 AND id = $2 AND state IN ('scheduled', 'deferred')
          RETURNING id, recipient_id, occurrence_id, session_id, alert_id`,
        [clinicId, notificationId],
      );
      if (sent[0]) await announceReminderSent(tx, clinicId, sent[0]);
    });
  }

  private async decide(tx: EntityManager, clinicId: string, notificationId: string, now: Date): Promise<Decision> {
    const rows: NotificationRow[] = await tx.query(
      `SELECT * FROM notification WHERE clinic_id = $1 AND id = $2 FOR UPDATE`,
      [clinicId, notificationId],
    );
    const n = rows[0];
    // Gone (its occurrence was removed with a pause or cancel) or settled: nothing to do.
    if (!n || (n.state !== 'scheduled' && n.state !== 'deferred')) return { action: 'none' };
    if (n.send_at.getTime() > now.getTime() + EARLY_JOB_TOLERANCE_MS) return { action: 'none' };
    if (n.claimed_at && n.claimed_at.getTime() > now.getTime() - this.config.reminders.claimLeaseMs)
      return { action: 'none' };

    const ctxRows: SendContext[] = await tx.query(
      `SELECT email, timezone, quiet_hours_start::text, quiet_hours_end::text, disabled_at, notification_preferences AS preferences
         FROM "user" WHERE clinic_id = $1 AND id = $2`,
      [clinicId, n.recipient_id],
    );
    const recipient = ctxRows[0];
    const settings = await loadClinicReminderSettings(tx, clinicId);
    const skip = !recipient || recipient.disabled_at ? 'recipient_disabled' : await this.whySkip(tx, n, recipient, now);
    if (skip) {
      await tx.query(
        `UPDATE notification SET state = 'skipped', skip_reason = $3, claimed_at = NULL, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
        [clinicId, n.id, skip],
      );
      return { action: 'none' };
    }

    // A high-severity alert (a safety concern) goes out at once when the clinic allows it: no
    // quiet hours, no daily cap.
    const isHighSeverity = n.kind === 'alert_notice' && (await this.isHighSeverity(tx, n));
    const isUrgent = isHighSeverity && settings.urgentAlertsBreakQuietHours;
    // Preferences or quiet hours may have changed since planning: deferral is decided now.
    const quiet = effectiveQuietHours(
      { quietHoursStart: recipient.quiet_hours_start, quietHoursEnd: recipient.quiet_hours_end },
      settings,
    );
    if (!isUrgent && isInQuietHours(now, recipient.timezone, quiet)) {
      const later = deferPastQuietHours(now, recipient.timezone, quiet).sendAt;
      await tx.query(
        `UPDATE notification SET state = 'deferred', send_at = $3, claimed_at = NULL, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
        [clinicId, n.id, later],
      );
      await announceSend(tx, clinicId, n.id, later);
      return { action: 'none' };
    }

    const isDiscreet = isDiscreetFor(settings, toNotificationPreferences(recipient.preferences), n.channel);
    if (
      n.kind !== 'digest' &&
      !isUrgent &&
      (await this.mergeIfOverCap(tx, n, recipient.timezone, settings.dailyCap, isDiscreet, now))
    )
      return { action: 'none' };

    const text =
      n.kind === 'alert_notice'
        ? notificationText({ kind: 'alert_notice', isUrgent: isHighSeverity })
        : await this.textOf(tx, n, recipient.timezone, isDiscreet);
    if (n.channel === 'in_app') {
      await tx.query(
        `UPDATE notification SET state = 'sent', sent_at = mend_now(), attempts = attempts + 1, title = $3, body = $4, claimed_at = NULL, updated_at = mend_now()
          WHERE clinic_id = $1 AND id = $2`,
        [clinicId, n.id, text.title, text.body],
      );
      await announceReminderSent(tx, clinicId, n);
      return { action: 'none' };
    }
    const claimed: Array<{ id: string }> = await tx.query(
      `UPDATE notification SET claimed_at = mend_now(), attempts = attempts + 1, title = $3, body = $4, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2 AND state IN ('scheduled', 'deferred')
          AND (claimed_at IS NULL OR claimed_at < mend_now() - make_interval(secs => $5))
        RETURNING id`,
      [clinicId, n.id, text.title, text.body, this.config.reminders.claimLeaseMs / 1000],
    );
    if (claimed.length === 0) return { action: 'none' };
    const link = await this.linkFor(tx, n);
    return {
      action: 'email',
      to: recipient.email,
      subject: text.title,
      ...emailBodies(text.body, link, isDiscreet),
      messageId: reminderMessageId(n.id, this.config.http.publicUrl),
      isDiscreet,
    };
  }

  private async isHighSeverity(tx: EntityManager, n: NotificationRow): Promise<boolean> {
    const rows: Array<{ severity: string }> = await tx.query(
      `SELECT severity FROM alert WHERE clinic_id = $1 AND id = $2`,
      [n.clinic_id, n.alert_id],
    );
    return rows[0]?.severity === 'high';
  }

  /** Why the reminder no longer applies, read from the database now; null when it still does. */
  private async whySkip(
    tx: EntityManager,
    n: NotificationRow,
    recipient: SendContext,
    now: Date,
  ): Promise<SkipReason | null> {
    const preferences = toNotificationPreferences(recipient.preferences);
    if ((n.channel === 'email' && !preferences.email) || (n.channel === 'in_app' && !preferences.inApp))
      return 'channel_off';
    if (n.kind === 'plan_rating_due') return planRatingSkipReason(tx, n, recipient.timezone, now);
    if (n.kind === 'homework_due' || n.kind === 'overdue_nudge') {
      const rows: Array<{ assignment_status: string; couple_status: string; closes_at: Date; is_done: boolean }> =
        await tx.query(
          `SELECT a.status AS assignment_status, c.status AS couple_status, o.closes_at,
                EXISTS (SELECT 1 FROM check_in ci WHERE ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id) AS is_done
           FROM occurrence o
           JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
           JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id
          WHERE o.clinic_id = $1 AND o.id = $2`,
          [n.clinic_id, n.occurrence_id],
        );
      const o = rows[0];
      if (!o) return 'cancelled';
      if (o.is_done) return 'already_done';
      if (o.couple_status === 'closed') return 'closed';
      if (o.couple_status === 'paused' || o.assignment_status === 'paused') return 'paused';
      if (o.assignment_status !== 'active') return 'cancelled';
      if (o.closes_at.getTime() <= now.getTime()) return 'too_late';
      return null;
    }
    if (n.kind === 'session_reminder') {
      const rows: Array<{ status: string; starts_at: Date; couple_status: string }> = await tx.query(
        `SELECT s.status, s.starts_at, c.status AS couple_status FROM therapy_session s JOIN couple c ON c.clinic_id = s.clinic_id AND c.id = s.couple_id
          WHERE s.clinic_id = $1 AND s.id = $2`,
        [n.clinic_id, n.session_id],
      );
      const s = rows[0];
      if (!s || s.status !== 'scheduled') return 'cancelled';
      if (s.couple_status === 'closed') return 'closed';
      if (s.starts_at.getTime() <= now.getTime()) return 'too_late';
      return null;
    }
    if (n.kind === 'alert_notice') {
      const rows: Array<{ status: string }> = await tx.query(
        `SELECT status FROM alert WHERE clinic_id = $1 AND id = $2`,
        [n.clinic_id, n.alert_id],
      );
      if (!rows[0]) return 'cancelled';
      return rows[0].status === 'open' ? null : 'already_done';
    }
    return null;
  }

  /**
   * Over the clinic's daily cap of individual reminders (per recipient, channel and local day;
   * an email claimed and still being sent counts) the reminder joins that day's digest. When the day's digest already went out, it is sent
   * on its own rather than dropped.
   */
  private async mergeIfOverCap(
    tx: EntityManager,
    n: NotificationRow,
    zone: string,
    cap: number,
    isDiscreet: boolean,
    now: Date,
  ): Promise<boolean> {
    // Serialises the count-then-send of one recipient's channel, so concurrent jobs cannot both slip under the cap.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `mend.reminder-cap.${n.clinic_id}.${n.recipient_id}.${n.channel}`,
    ]);
    const { localDate } = decideDailyCap({ sendAt: now, zone, alreadySent: [], cap });
    const day = localDayBounds(localDate, zone);
    const counted: Array<{ n: number }> = await tx.query(
      `SELECT count(*)::int AS n FROM notification
        WHERE clinic_id = $1 AND recipient_id = $2 AND channel = $3 AND kind <> 'digest'
          AND ((state = 'sent' AND sent_at >= $4 AND sent_at < $5)
               OR (state IN ('scheduled', 'deferred') AND claimed_at >= $4 AND claimed_at < $5))`,
      [n.clinic_id, n.recipient_id, n.channel, day.start, day.end],
    );
    if (counted[0].n < cap) return false;
    const digestKey = `digest.${n.channel}.${n.recipient_id}.day.${localDate}`;
    const text = notificationText({ kind: 'digest', isDiscreet, exerciseTitles: [] });
    const digest = await notificationsRepository.insert(tx, {
      clinicId: n.clinic_id,
      id: newId(),
      recipientId: n.recipient_id,
      kind: 'digest',
      channel: n.channel,
      dedupeKey: digestKey,
      title: text.title,
      body: text.body,
      sendAt: new Date(now.getTime() + DIGEST_DELAY_MS),
      state: 'scheduled',
    });
    const pending: Array<{ send_at: Date }> = await tx.query(
      `SELECT send_at FROM notification WHERE clinic_id = $1 AND id = $2 AND state IN ('scheduled', 'deferred') AND claimed_at IS NULL`,
      [n.clinic_id, digest.id],
    );
    if (pending.length === 0) return false;
    await tx.query(
      `UPDATE notification SET state = 'skipped', skip_reason = 'merged', digest_id = $3, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
      [n.clinic_id, n.id, digest.id],
    );
    if (digest.isNew) await announceSend(tx, n.clinic_id, digest.id, pending[0].send_at);
    return true;
  }

  private async textOf(
    tx: EntityManager,
    n: NotificationRow,
    zone: string,
    isDiscreet: boolean,
  ): Promise<{ title: string; body: string }> {
    if (n.kind === 'plan_rating_due') return notificationText({ kind: 'plan_rating_due', isDiscreet });
    if (n.kind === 'homework_due' || n.kind === 'overdue_nudge') {
      const rows: Array<{ title: string }> = await tx.query(
        `SELECT v.title FROM occurrence o JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
           JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
          WHERE o.clinic_id = $1 AND o.id = $2`,
        [n.clinic_id, n.occurrence_id],
      );
      return notificationText({ kind: n.kind, isDiscreet, exerciseTitle: rows[0]?.title ?? '' });
    }
    if (n.kind === 'session_reminder') {
      const rows: Array<{ starts_at: Date }> = await tx.query(
        `SELECT starts_at FROM therapy_session WHERE clinic_id = $1 AND id = $2`,
        [n.clinic_id, n.session_id],
      );
      return notificationText({ kind: 'session_reminder', startsAt: rows[0].starts_at, zone });
    }
    if (n.kind === 'digest') {
      const merged: Array<{ title: string | null }> = await tx.query(
        `SELECT v.title FROM notification m
           LEFT JOIN occurrence o ON o.clinic_id = m.clinic_id AND o.id = m.occurrence_id
           LEFT JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
           LEFT JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
          WHERE m.clinic_id = $1 AND m.digest_id = $2 ORDER BY m.send_at`,
        [n.clinic_id, n.id],
      );
      return notificationText({
        kind: 'digest',
        isDiscreet,
        exerciseTitles: merged.map((m) => m.title ?? 'a reminder'),
      });
    }
    return notificationText({ kind: 'alert_notice' });
  }

  private async linkFor(tx: EntityManager, n: NotificationRow): Promise<string> {
    const fallback = this.config.http.publicUrl;
    if (n.kind === 'plan_rating_due') return planRatingUrl(fallback);
    if (n.alert_id) {
      // An alert notice opens the couple's page in the web app (sign-in first, then back to it);
      // the couple's id is an opaque identifier, nothing about the alert or the people.
      const rows: Array<{ couple_id: string }> = await tx.query(
        `SELECT couple_id FROM alert WHERE clinic_id = $1 AND id = $2`,
        [n.clinic_id, n.alert_id],
      );
      return rows[0] ? couplePageUrl(fallback, rows[0].couple_id) : fallback;
    }
    if (!n.occurrence_id) return fallback;
    try {
      // A savepoint: a refused link must not abort the claim's transaction.
      return await tx.transaction(
        async (inner) => (await this.links.linkFor(inner, n.clinic_id, n.recipient_id, n.occurrence_id!)) ?? fallback,
      );
    } catch (error) {
      this.logger.warn({
        msg: 'no check-in link for a reminder; linking to the product',
        clinicId: n.clinic_id,
        notificationId: n.id,
        error: String(error).slice(0, 120),
      });
      return fallback;
    }
  }
}

interface SentRow {
  id: string;
  recipient_id: string;
  occurrence_id: string | null;
  session_id: string | null;
  alert_id: string | null;
}

/** Tells subscribed integrations a reminder went out: ids only, never its text. */
async function announceReminderSent(tx: EntityManager, clinicId: string, row: SentRow): Promise<void> {
  await announceEvent(tx, clinicId, 'reminder.sent', {
    notificationId: row.id,
    recipientId: row.recipient_id,
    occurrenceId: row.occurrence_id,
    sessionId: row.session_id,
    alertId: row.alert_id,
  });
}

/**
 * One Message-ID per notification, the same on every attempt. A worker killed after the SMTP
 * server accepted an email but before the send was recorded leaves a claim that expires
 * (REMINDER_CLAIM_LEASE_MS) and the email goes out again: a plain SMTP hand-off cannot be made
 * exactly-once, so the repeat carries the same id and mailboxes that collapse repeated
 * Message-IDs show it once. Ids only: no personal data in headers.
 */
/** The web app's couple page (apps/web/src/router.tsx: /couples/:coupleId). */
export function couplePageUrl(publicUrl: string, coupleId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/couples/${coupleId}`;
}

export function reminderMessageId(notificationId: string, publicUrl: string): string {
  return `<reminder.${notificationId}@${new URL(publicUrl).hostname}>`;
}
