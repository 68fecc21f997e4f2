import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { EntityManager } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, newId } from '@mend/core';
import { queryRows, TenantDatabase } from '@mend/database';
import { MailDeliveryError, MailerService, toMailDeliveryError } from '@mend/mail';
import { writeAndAnnounce } from '@mend/queue';

import { ClinicBatcher, type BatchOutcome } from './clinic-batcher.js';
import { emailBodies, isDiscreetFor, notificationText } from './notification-text.js';
import { toNotificationPreferences, type SkipReason } from './notification.types.js';
import { notificationsRepository, type NotificationRow } from './notifications.repository.js';
import { loadPlanRatingFacts, planRatingSkip, planRatingUrl, type PlanRatingFacts } from './plan-rating-reminders.js';
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

/** Jobs of one clinic that are active together share one run, at most this many (the worker's concurrency bounds it first). */
export const SEND_BATCH_MAX = 100;

/**
 * Runs of one clinic in flight at once in a worker: while one batch waits on its COMMIT (or on
 * the round trips before it), the next one reads. A second run starts only with a quarter of a
 * full batch waiting, so a burst does not break into small transactions.
 */
export const SEND_RUNS_PER_CLINIC = 2;

/** How many tight days (see underDailyCap) a sender remembers before it starts over. */
const TIGHT_DAYS_REMEMBERED = 10_000;

/** A recipient's channel and local day, as the daily cap counts it. */
interface CapDay {
  /** Clinic, recipient, channel and local date. */
  key: string;
  /** The advisory lock's key: clinic, recipient and channel (one lock for all its days). */
  lockKey: string;
  recipientId: string;
  channel: string;
  localDate: string;
  start: Date;
  end: Date;
}

/** Thrown inside the batch's transaction (which rolls back) when a day took its lock shared but is near the cap. */
class TightCapDays extends Error {
  constructor(readonly days: string[]) {
    super(`daily cap near for ${days.length} recipient day(s): run again with their locks exclusive`);
  }
}

/** The recipient as the sender needs it, read with the notification. */
interface SendContext {
  email: string;
  timezone: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  disabled_at: Date | null;
  preferences: unknown;
}

/**
 * What the skip checks and the texts read about a notification's subject, loaded for a whole
 * batch (one statement per kind of subject present): a new kind adds its facts here, its load in
 * loadSubjects, its rules in whySkip and its words in textOf.
 */
interface SubjectFacts {
  occurrence?: {
    assignment_status: string;
    couple_status: string;
    closes_at: Date;
    is_done: boolean;
    exercise_title: string | null;
    /** Given to one partner alone (the safety check): never named (a shared phone or inbox must not tell). */
    is_private: boolean;
  };
  session?: { status: string; starts_at: Date; couple_status: string };
  alert?: { status: string; severity: string; couple_id: string };
  planRating?: PlanRatingFacts;
  /** A digest's merged reminders, in send order: each one's exercise title, or null. */
  digestTitles?: Array<string | null>;
}

interface Candidate {
  n: NotificationRow;
  recipient: SendContext;
  subject: SubjectFacts;
  isHighSeverity: boolean;
  isUrgent: boolean;
  /** The clinic's discreet mode, or this recipient's own for email (isDiscreetFor). */
  isDiscreet: boolean;
}

interface EmailSend {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  isDiscreet: boolean;
}

interface SendRequest {
  notificationId: string;
  attempt: ReminderSendAttempt;
}

export interface ReminderSendAttempt {
  /** True when BullMQ will not retry this job after a failure. */
  isFinalAttempt: boolean;
}

/**
 * Sends notifications at their time: re-reads each and everything it depends on, skips what no
 * longer applies, defers inside quiet hours, merges over the daily cap into a digest, then
 * claims each email with a conditional UPDATE (committed) BEFORE the side effect, so a job that
 * runs twice never sends twice. In-app delivery is the state change itself (exactly once).
 *
 * A job per notification stays (its retries, its completion), but the jobs of one clinic active
 * in this worker at the same time go through in one run (ClinicBatcher): one tenant transaction
 * locks their rows, reads their recipients and subjects, counts the daily caps and writes every
 * state and `reminder.sent` event with one statement each, instead of about ten statements per
 * reminder. Emails go to SMTP after that commit, and are recorded sent together.
 */
@Injectable()
export class ReminderSender {
  private readonly logger = new Logger(ReminderSender.name);
  /**
   * Days (clinic, recipient, channel, local date) found near the daily cap: their advisory lock
   * is taken exclusive from the start. Bounded; forgetting one only costs a batch run again.
   */
  private readonly tightDays = new Set<string>();
  private readonly batches = new ClinicBatcher<SendRequest>(
    (clinicId, requests) => this.sendBatch(clinicId, requests),
    SEND_BATCH_MAX,
    { maxRunning: SEND_RUNS_PER_CLINIC, minParallelBatch: SEND_BATCH_MAX / 4 },
  );

  constructor(
    private readonly db: TenantDatabase,
    private readonly mailer: MailerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly links: ReminderLinkIssuer,
  ) {}

  /** Sends one notification (resolves once it is settled, with the other jobs of its batch). */
  async send(clinicId: string, notificationId: string, attempt: ReminderSendAttempt): Promise<void> {
    await this.batches.submit(clinicId, { notificationId, attempt });
  }

  private async sendBatch(clinicId: string, requests: SendRequest[]): Promise<BatchOutcome[]> {
    const ids = [...new Set(requests.map((r) => r.notificationId))];
    let emails: Map<string, EmailSend>;
    for (let attempt = 1; ; attempt += 1) {
      const now = this.clock.now();
      try {
        emails = await this.db.withClinic(clinicId, (tx) => this.decide(tx, clinicId, ids, now));
        break;
      } catch (error) {
        // Rolled back: the tight days take their lock exclusive in the next run.
        if (!(error instanceof TightCapDays) || attempt >= 3) throw error;
        this.rememberTight(error.days);
      }
    }
    const outcomes: BatchOutcome[] = requests.map(() => ({ ok: true }));
    if (emails.size === 0) return outcomes;

    // One SMTP hand-off per claimed email (a notification twice in the batch is handled once).
    const handedOff = new Set<string>();
    const failures: Array<{ id: string; error: MailDeliveryError; isFinal: boolean }> = [];
    await Promise.all(
      requests.map(async (request, i) => {
        const email = emails.get(request.notificationId);
        if (!email || handedOff.has(request.notificationId)) return;
        handedOff.add(request.notificationId);
        try {
          await this.mailer.send(email);
        } catch (error) {
          const err = error instanceof MailDeliveryError ? error : toMailDeliveryError(error);
          failures.push({
            id: request.notificationId,
            error: err,
            isFinal: err.isPermanent || request.attempt.isFinalAttempt,
          });
          outcomes[i] = { ok: false, error: err.isPermanent ? new UnrecoverableError(err.message) : err };
        }
      }),
    );
    const failed = new Set(failures.map((f) => f.id));
    const sent = [...handedOff].filter((id) => !failed.has(id));
    await this.db.withClinic(clinicId, async (tx) => {
      for (const f of failures) {
        await tx.query(
          `UPDATE notification SET claimed_at = NULL, last_error = $3, state = CASE WHEN $4 THEN 'failed' ELSE state END, updated_at = mend_now()
            WHERE clinic_id = $1 AND id = $2`,
          [clinicId, f.id, f.error.message.slice(0, 500), f.isFinal],
        );
      }
      if (sent.length === 0) return;
      await writeAndAnnounce(tx, clinicId, 'reminder.sent', {
        sql: `UPDATE notification n SET state = 'sent', sent_at = mend_now(), claimed_at = NULL, last_error = NULL, updated_at = mend_now()
               WHERE n.clinic_id = $1 AND n.id = ANY($2::uuid[]) AND n.state IN ('scheduled', 'deferred')
              RETURNING ${SENT_EVENT_DATA}`,
        params: [clinicId, sent],
      });
    });
    return outcomes;
  }

  private rememberTight(days: string[]): void {
    if (this.tightDays.size + days.length > TIGHT_DAYS_REMEMBERED) this.tightDays.clear();
    for (const day of days) this.tightDays.add(day);
  }

  /** Settles every open notification of the batch; answers the emails claimed for sending. */
  private async decide(tx: EntityManager, clinicId: string, ids: string[], now: Date): Promise<Map<string, EmailSend>> {
    const emails = new Map<string, EmailSend>();
    const rows = await this.lockRows(tx, clinicId, ids);
    // Gone (its occurrence was removed with a pause or cancel), settled, early (a job of an older
    // plan) or claimed by a send in progress: nothing to do.
    const open = rows.filter(({ n }) => {
      if (n.state !== 'scheduled' && n.state !== 'deferred') return false;
      if (n.send_at.getTime() > now.getTime() + EARLY_JOB_TOLERANCE_MS) return false;
      return !(n.claimed_at && n.claimed_at.getTime() > now.getTime() - this.config.reminders.claimLeaseMs);
    });
    if (open.length === 0) return emails;

    const settings = await loadClinicReminderSettings(tx, clinicId);
    const subjects = await this.loadSubjects(tx, clinicId, open);
    const skips: Array<{ id: string; reason: SkipReason }> = [];
    const candidates: Candidate[] = [];
    for (const { n, recipient } of open) {
      const subject = subjects.get(n.id) ?? {};
      const skip =
        !recipient || recipient.disabled_at ? 'recipient_disabled' : this.whySkip(n, recipient, subject, now);
      if (skip) {
        skips.push({ id: n.id, reason: skip });
        continue;
      }
      // A high-severity alert (a safety concern) goes out at once when the clinic allows it: no
      // quiet hours, no daily cap.
      const isHighSeverity = n.kind === 'alert_notice' && subject.alert?.severity === 'high';
      const isUrgent = isHighSeverity && settings.urgentAlertsBreakQuietHours;
      // Preferences or quiet hours may have changed since planning: deferral is decided now.
      const quiet = effectiveQuietHours(
        { quietHoursStart: recipient!.quiet_hours_start, quietHoursEnd: recipient!.quiet_hours_end },
        settings,
      );
      if (!isUrgent && isInQuietHours(now, recipient!.timezone, quiet)) {
        const later = deferPastQuietHours(now, recipient!.timezone, quiet).sendAt;
        await tx.query(
          `UPDATE notification SET state = 'deferred', send_at = $3, claimed_at = NULL, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
          [clinicId, n.id, later],
        );
        await announceSend(tx, clinicId, n.id, later);
        continue;
      }
      const isDiscreet = isDiscreetFor(settings, toNotificationPreferences(recipient!.preferences), n.channel);
      candidates.push({ n, recipient: recipient!, subject, isHighSeverity, isUrgent, isDiscreet });
    }
    if (skips.length > 0)
      await tx.query(
        `UPDATE notification n SET state = 'skipped', skip_reason = s.reason, claimed_at = NULL, updated_at = mend_now()
           FROM unnest($2::uuid[], $3::text[]) AS s(id, reason)
          WHERE n.clinic_id = $1 AND n.id = s.id`,
        [clinicId, skips.map((s) => s.id), skips.map((s) => s.reason)],
      );

    const sending = await this.underDailyCap(tx, clinicId, candidates, settings.dailyCap, now);
    const inApp: Array<{ id: string; title: string; body: string }> = [];
    const byEmail: Array<{ c: Candidate; title: string; body: string }> = [];
    for (const c of sending) {
      const text = this.textOf(c.n, c.subject, c.recipient.timezone, c.isDiscreet, c.isHighSeverity);
      if (c.n.channel === 'in_app') inApp.push({ id: c.n.id, ...text });
      else byEmail.push({ c, ...text });
    }
    if (inApp.length > 0) {
      // The sent states, and their reminder.sent events when an endpoint listens: one round trip when none does.
      await writeAndAnnounce(tx, clinicId, 'reminder.sent', {
        sql: `UPDATE notification n SET state = 'sent', sent_at = mend_now(), attempts = n.attempts + 1, title = s.title, body = s.body, claimed_at = NULL, updated_at = mend_now()
                FROM unnest($2::uuid[], $3::text[], $4::text[]) AS s(id, title, body)
               WHERE n.clinic_id = $1 AND n.id = s.id
              RETURNING ${SENT_EVENT_DATA}`,
        params: [clinicId, inApp.map((s) => s.id), inApp.map((s) => s.title), inApp.map((s) => s.body)],
      });
    }
    if (byEmail.length === 0) return emails;
    const claimed = await queryRows<{ id: string }>(
      tx,
      `UPDATE notification n SET claimed_at = mend_now(), attempts = n.attempts + 1, title = s.title, body = s.body, updated_at = mend_now()
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS s(id, title, body)
        WHERE n.clinic_id = $1 AND n.id = s.id AND n.state IN ('scheduled', 'deferred')
          AND (n.claimed_at IS NULL OR n.claimed_at < mend_now() - make_interval(secs => $5))
        RETURNING n.id`,
      [
        clinicId,
        byEmail.map((e) => e.c.n.id),
        byEmail.map((e) => e.title),
        byEmail.map((e) => e.body),
        this.config.reminders.claimLeaseMs / 1000,
      ],
    );
    const isClaimed = new Set(claimed.map((r) => r.id));
    for (const { c, title, body } of byEmail) {
      if (!isClaimed.has(c.n.id)) continue;
      const link = await this.linkFor(tx, c.n, c.subject);
      emails.set(c.n.id, {
        to: c.recipient.email,
        subject: title,
        ...emailBodies(body, link, c.isDiscreet),
        messageId: reminderMessageId(c.n.id, this.config.http.publicUrl),
        isDiscreet: c.isDiscreet,
      });
    }
    return emails;
  }

  /**
   * The batch's notifications with their recipients, locked in id order (so two batches that
   * share rows queue behind each other instead of deadlocking).
   */
  private async lockRows(
    tx: EntityManager,
    clinicId: string,
    ids: string[],
  ): Promise<Array<{ n: NotificationRow; recipient: SendContext | null }>> {
    const rows: Array<
      NotificationRow & { r_id: string | null } & { [K in keyof SendContext as `r_${K}`]: SendContext[K] }
    > = await tx.query(
      `SELECT n.*, u.id AS r_id, u.email AS r_email, u.timezone AS r_timezone, u.quiet_hours_start::text AS r_quiet_hours_start,
                u.quiet_hours_end::text AS r_quiet_hours_end, u.disabled_at AS r_disabled_at, u.notification_preferences AS r_preferences
           FROM notification n LEFT JOIN "user" u ON u.clinic_id = n.clinic_id AND u.id = n.recipient_id
          WHERE n.clinic_id = $1 AND n.id = ANY($2::uuid[])
          ORDER BY n.id
          FOR UPDATE OF n`,
      [clinicId, ids],
    );
    return rows.map(
      ({ r_id, r_email, r_timezone, r_quiet_hours_start, r_quiet_hours_end, r_disabled_at, r_preferences, ...n }) => ({
        n,
        recipient: r_id
          ? {
              email: r_email,
              timezone: r_timezone,
              quiet_hours_start: r_quiet_hours_start,
              quiet_hours_end: r_quiet_hours_end,
              disabled_at: r_disabled_at,
              preferences: r_preferences,
            }
          : null,
      }),
    );
  }

  /** Each notification's subject facts, keyed by notification id: one statement per kind of subject present. */
  private async loadSubjects(
    tx: EntityManager,
    clinicId: string,
    open: Array<{ n: NotificationRow; recipient: SendContext | null }>,
  ): Promise<Map<string, SubjectFacts>> {
    const rows = open.map((r) => r.n);
    const facts = new Map<string, SubjectFacts>(rows.map((n) => [n.id, {}]));
    const idsOf = (pick: (n: NotificationRow) => string | null, kinds: readonly string[]) => [
      ...new Set(rows.filter((n) => kinds.includes(n.kind) && pick(n)).map((n) => pick(n)!)),
    ];

    const occurrenceIds = idsOf((n) => n.occurrence_id, ['homework_due', 'overdue_nudge']);
    if (occurrenceIds.length > 0) {
      const found: Array<{ id: string } & NonNullable<SubjectFacts['occurrence']>> = await tx.query(
        `SELECT o.id, a.status AS assignment_status, c.status AS couple_status, o.closes_at,
                EXISTS (SELECT 1 FROM check_in ci WHERE ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id) AS is_done,
                v.title AS exercise_title, a.partner_id IS NOT NULL AS is_private
           FROM occurrence o
           JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
           JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id
           LEFT JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
          WHERE o.clinic_id = $1 AND o.id = ANY($2::uuid[])`,
        [clinicId, occurrenceIds],
      );
      const byId = new Map(found.map((o) => [o.id, o]));
      for (const n of rows)
        if (n.occurrence_id && byId.has(n.occurrence_id)) facts.get(n.id)!.occurrence = byId.get(n.occurrence_id);
    }

    const sessionIds = idsOf((n) => n.session_id, ['session_reminder']);
    if (sessionIds.length > 0) {
      const found: Array<{ id: string } & NonNullable<SubjectFacts['session']>> = await tx.query(
        `SELECT s.id, s.status, s.starts_at, c.status AS couple_status
           FROM therapy_session s JOIN couple c ON c.clinic_id = s.clinic_id AND c.id = s.couple_id
          WHERE s.clinic_id = $1 AND s.id = ANY($2::uuid[])`,
        [clinicId, sessionIds],
      );
      const byId = new Map(found.map((s) => [s.id, s]));
      for (const n of rows)
        if (n.session_id && byId.has(n.session_id)) facts.get(n.id)!.session = byId.get(n.session_id);
    }

    const alertIds = idsOf((n) => n.alert_id, ['alert_notice']);
    if (alertIds.length > 0) {
      const found: Array<{ id: string } & NonNullable<SubjectFacts['alert']>> = await tx.query(
        `SELECT id, status, severity, couple_id FROM alert WHERE clinic_id = $1 AND id = ANY($2::uuid[])`,
        [clinicId, alertIds],
      );
      const byId = new Map(found.map((a) => [a.id, a]));
      for (const n of rows) if (n.alert_id && byId.has(n.alert_id)) facts.get(n.id)!.alert = byId.get(n.alert_id);
    }

    // The partner's week is theirs: its bounds come from the recipient's zone.
    const ratings = open.filter((r) => r.n.kind === 'plan_rating_due' && r.recipient);
    if (ratings.length > 0) {
      const found = await loadPlanRatingFacts(
        tx,
        clinicId,
        ratings.map((r) => ({ n: r.n, zone: r.recipient!.timezone })),
      );
      for (const [id, f] of found) facts.get(id)!.planRating = f;
    }

    const digestIds = rows.filter((n) => n.kind === 'digest').map((n) => n.id);
    if (digestIds.length > 0) {
      const merged: Array<{ digest_id: string; title: string | null }> = await tx.query(
        `SELECT m.digest_id, CASE WHEN a.partner_id IS NULL THEN v.title ELSE 'a check-in' END AS title FROM notification m
           LEFT JOIN occurrence o ON o.clinic_id = m.clinic_id AND o.id = m.occurrence_id
           LEFT JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
           LEFT JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
          WHERE m.clinic_id = $1 AND m.digest_id = ANY($2::uuid[]) ORDER BY m.send_at, m.id`,
        [clinicId, digestIds],
      );
      for (const id of digestIds) facts.get(id)!.digestTitles = [];
      for (const m of merged) facts.get(m.digest_id)!.digestTitles!.push(m.title);
    }
    return facts;
  }

  /** Why the reminder no longer applies, from the facts read in this transaction; null when it still does. */
  private whySkip(n: NotificationRow, recipient: SendContext, subject: SubjectFacts, now: Date): SkipReason | null {
    const preferences = toNotificationPreferences(recipient.preferences);
    if ((n.channel === 'email' && !preferences.email) || (n.channel === 'in_app' && !preferences.inApp))
      return 'channel_off';
    if (n.kind === 'plan_rating_due') return planRatingSkip(subject.planRating, now);
    if (n.kind === 'homework_due' || n.kind === 'overdue_nudge') {
      const o = subject.occurrence;
      if (!o) return 'cancelled';
      if (o.is_done) return 'already_done';
      if (o.couple_status === 'closed') return 'closed';
      if (o.couple_status === 'paused' || o.assignment_status === 'paused') return 'paused';
      if (o.assignment_status !== 'active') return 'cancelled';
      if (o.closes_at.getTime() <= now.getTime()) return 'too_late';
      return null;
    }
    if (n.kind === 'session_reminder') {
      const s = subject.session;
      if (!s || s.status !== 'scheduled') return 'cancelled';
      if (s.couple_status === 'closed') return 'closed';
      if (s.starts_at.getTime() <= now.getTime()) return 'too_late';
      return null;
    }
    if (n.kind === 'alert_notice') {
      if (!subject.alert) return 'cancelled';
      return subject.alert.status === 'open' ? null : 'already_done';
    }
    return null;
  }

  /**
   * Over the clinic's daily cap of individual reminders (per recipient, channel and local day;
   * an email claimed and still being sent counts) a reminder joins that day's digest. When the
   * day's digest already went out, it is sent on its own rather than dropped. Answers the
   * candidates that go out now. The batch's own reminders count in send order, as if each had
   * been sent alone.
   *
   * The count-then-send of a recipient's channel is serialised by an advisory lock, taken in one
   * order (by hash) so two batches never wait in a circle. Most days are far from the cap: when
   * what was sent that day plus every reminder of that day still open (scheduled or deferred, the
   * batch's own included, and any other batch's in flight: they are still open to this snapshot)
   * stays within the cap, nothing any batch does can take the day over it, so the lock is taken
   * shared and batches of two workers that share recipients run side by side. A day that is
   * tight (or becomes so under a race) takes it exclusive: the batch is run again (a fresh
   * transaction) with that day's lock exclusive, and this process remembers the day as tight.
   */
  private async underDailyCap(
    tx: EntityManager,
    clinicId: string,
    candidates: Candidate[],
    cap: number,
    now: Date,
  ): Promise<Candidate[]> {
    const capped = candidates
      .filter((c) => c.n.kind !== 'digest' && !c.isUrgent)
      .sort((a, b) => a.n.send_at.getTime() - b.n.send_at.getTime() || a.n.id.localeCompare(b.n.id));
    if (capped.length === 0) return candidates;
    // Every candidate shares `now`: its local day is worked out once per zone, not per reminder.
    const dayInZone = new Map<string, { localDate: string; start: Date; end: Date }>();
    const days = new Map<string, CapDay>();
    const dayOf = new Map<Candidate, string>();
    for (const c of capped) {
      const zone = c.recipient.timezone;
      let zoneDay = dayInZone.get(zone);
      if (!zoneDay) {
        const { localDate } = decideDailyCap({ sendAt: now, zone, alreadySent: [], cap });
        zoneDay = { localDate, ...localDayBounds(localDate, zone) };
        dayInZone.set(zone, zoneDay);
      }
      const key = `${clinicId}.${c.n.recipient_id}.${c.n.channel}.${zoneDay.localDate}`;
      dayOf.set(c, key);
      if (!days.has(key))
        days.set(key, {
          key,
          lockKey: `mend.reminder-cap.${clinicId}.${c.n.recipient_id}.${c.n.channel}`,
          recipientId: c.n.recipient_id,
          channel: c.n.channel,
          ...zoneDay,
        });
    }
    const list = [...days.values()];
    await tx.query(
      `SELECT CASE WHEN l.exclusive THEN pg_advisory_xact_lock(l.h) ELSE pg_advisory_xact_lock_shared(l.h) END
         FROM (SELECT hashtext(k.key) AS h, bool_or(k.exclusive) AS exclusive FROM unnest($1::text[], $2::boolean[]) AS k(key, exclusive)
                GROUP BY 1 ORDER BY 1) AS l`,
      [list.map((d) => d.lockKey), list.map((d) => this.tightDays.has(d.key))],
    );
    // Counted after the locks (a fresh snapshot): sent that day, or claimed and still being sent;
    // and still open, due before the day ends.
    const counted: Array<{ i: number; used: number; open: number }> = await tx.query(
      `SELECT k.i::int AS i,
              count(n.id) FILTER (WHERE (n.state = 'sent' AND n.sent_at >= k.day_start AND n.sent_at < k.day_end)
                                     OR (n.state IN ('scheduled', 'deferred') AND n.claimed_at >= k.day_start AND n.claimed_at < k.day_end))::int AS used,
              count(n.id) FILTER (WHERE n.state IN ('scheduled', 'deferred') AND n.send_at < k.day_end + make_interval(secs => $6))::int AS open
         FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS k(recipient_id, channel, day_start, day_end, i)
         LEFT JOIN notification n ON n.clinic_id = $1 AND n.recipient_id = k.recipient_id AND n.channel = k.channel AND n.kind <> 'digest'
          AND ((n.state = 'sent' AND n.sent_at >= k.day_start AND n.sent_at < k.day_end)
               OR (n.state IN ('scheduled', 'deferred') AND (n.claimed_at >= k.day_start AND n.claimed_at < k.day_end
                                                             OR n.send_at < k.day_end + make_interval(secs => $6))))
        GROUP BY k.i`,
      [
        clinicId,
        list.map((d) => d.recipientId),
        list.map((d) => d.channel),
        list.map((d) => d.start),
        list.map((d) => d.end),
        EARLY_JOB_TOLERANCE_MS / 1000,
      ],
    );
    const used = new Map<string, number>();
    const tight: string[] = [];
    for (const r of counted) {
      const day = list[r.i - 1];
      used.set(day.key, r.used);
      if (!this.tightDays.has(day.key) && r.used + r.open > cap) tight.push(day.key);
    }
    // A shared lock does not keep another batch from sending that day: start again, exclusive.
    if (tight.length > 0) throw new TightCapDays(tight);
    const merged = new Set<Candidate>();
    for (const c of capped) {
      const key = dayOf.get(c)!;
      const count = used.get(key) ?? 0;
      if (count >= cap && (await this.mergeIntoDigest(tx, c.n, days.get(key)!.localDate, c.isDiscreet, now))) {
        merged.add(c);
        continue;
      }
      used.set(key, count + 1);
    }
    return candidates.filter((c) => !merged.has(c));
  }

  /** Joins the day's digest (made on first need); false when that digest already went out. */
  private async mergeIntoDigest(
    tx: EntityManager,
    n: NotificationRow,
    localDate: string,
    isDiscreet: boolean,
    now: Date,
  ): Promise<boolean> {
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

  /** The words of the notification, chosen per kind from the facts read in this transaction. */
  private textOf(
    n: NotificationRow,
    subject: SubjectFacts,
    zone: string,
    isDiscreet: boolean,
    isHighSeverity: boolean,
  ): { title: string; body: string } {
    if (n.kind === 'plan_rating_due') return notificationText({ kind: 'plan_rating_due', isDiscreet });
    if (n.kind === 'homework_due' || n.kind === 'overdue_nudge')
      return notificationText({
        kind: n.kind,
        isDiscreet: isDiscreet || subject.occurrence?.is_private === true,
        exerciseTitle: subject.occurrence?.exercise_title ?? '',
      });
    if (n.kind === 'session_reminder')
      return notificationText({ kind: 'session_reminder', startsAt: subject.session!.starts_at, zone });
    if (n.kind === 'digest')
      return notificationText({
        kind: 'digest',
        isDiscreet,
        exerciseTitles: (subject.digestTitles ?? []).map((title) => title ?? 'a reminder'),
      });
    return notificationText({ kind: 'alert_notice', isUrgent: isHighSeverity });
  }

  private async linkFor(tx: EntityManager, n: NotificationRow, subject: SubjectFacts): Promise<string> {
    const fallback = this.config.http.publicUrl;
    if (n.kind === 'plan_rating_due') return planRatingUrl(fallback);
    if (n.alert_id) {
      // An alert notice opens the couple's page in the web app (sign-in first, then back to it);
      // the couple's id is an opaque identifier, nothing about the alert or the people.
      return subject.alert ? couplePageUrl(fallback, subject.alert.couple_id) : fallback;
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

/**
 * A sent notification's `reminder.sent` data (DomainEventData['reminder.sent']: ids only, never
 * its text), built in SQL from the row a sent UPDATE returns.
 */
const SENT_EVENT_DATA = `jsonb_build_object('notificationId', n.id, 'recipientId', n.recipient_id, 'occurrenceId', n.occurrence_id,
                       'sessionId', n.session_id, 'alertId', n.alert_id) AS data`;

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
