import type { EntityManager } from 'typeorm';

import { newId } from '@mend/core';
import { queryRows } from '@mend/database';
import { JobName, OutboxWriter } from '@mend/queue';

import { clinicSettingsRepository } from './clinic-settings.repository.js';
import { notificationText } from './notification-text.js';
import {
  notificationDedupeKey,
  type NotificationChannel,
  type NotificationKind,
  type NotificationSubject,
  type SkipReason,
} from './notification.types.js';
import { notificationsRepository } from './notifications.repository.js';
import { clinicReminderSettings, effectiveQuietHours, type ClinicReminderSettings } from './reminder-settings.js';
import {
  deferPastQuietHours,
  homeworkReminderAt,
  overdueNudgeAt,
  sessionReminderAt,
  type RecipientWindow,
  type ReminderTime,
} from './reminder-time.js';

/**
 * Planning: turns occurrences, sessions and alerts into notification rows, inside the caller's
 * clinic-pinned transaction, so a reminder commits or rolls back with the change that caused
 * it. Each row is planned once per dedupe key; its send is announced through the outbox with
 * `availableAt` = send time; the relay publishes it as a delayed job once the send time is
 * within REMINDERS_PUBLISH_AHEAD_MS (a lost Redis loses nothing the reconciler cannot re-add). A moved send announces a new job (the dedupe key of
 * the announcement carries the send time); the old job finds the row not yet due and does
 * nothing. Whether a reminder still applies is decided again at send time (reminder-sender).
 */

/** Every reminder goes out on both user channels; a channel switched off is skipped at send time. */
export const USER_CHANNELS: readonly NotificationChannel[] = ['email', 'in_app'];

/** Homework reminders are planned this far ahead; the reconciler plans the rest as time passes. */
export const PLAN_AHEAD_MS = 3 * 24 * 60 * 60_000;

const outbox = new OutboxWriter();

export interface RecipientFacts {
  id: string;
  timezone: string;
  quietHoursStart: string | null;
  quietHoursEnd: string | null;
}

export async function loadClinicReminderSettings(tx: EntityManager, clinicId: string): Promise<ClinicReminderSettings> {
  return clinicReminderSettings((await clinicSettingsRepository.find(tx, clinicId))?.settings);
}

async function recipients(tx: EntityManager, clinicId: string, ids: string[]): Promise<Map<string, RecipientFacts>> {
  if (ids.length === 0) return new Map();
  const rows: Array<{
    id: string;
    timezone: string;
    quiet_hours_start: string | null;
    quiet_hours_end: string | null;
  }> = await tx.query(
    `SELECT id, timezone, quiet_hours_start::text, quiet_hours_end::text FROM "user" WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND disabled_at IS NULL`,
    [clinicId, ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { id: r.id, timezone: r.timezone, quietHoursStart: r.quiet_hours_start, quietHoursEnd: r.quiet_hours_end },
    ]),
  );
}

export function windowFor(
  recipient: RecipientFacts,
  settings: ClinicReminderSettings,
  now: Date,
  notAfter?: Date,
): RecipientWindow {
  return { zone: recipient.timezone, quietHours: effectiveQuietHours(recipient, settings), notBefore: now, notAfter };
}

export interface PlannedNotification {
  clinicId: string;
  recipientId: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  occurrenceId?: string;
  sessionId?: string;
  alertId?: string;
  /** plan_rating_due: the couple and the partner's week (its Monday) the rating is for. */
  coupleId?: string;
  weekStart?: string;
  title: string;
  body: string;
  time: ReminderTime;
}

/** Announces the send of a notification at `sendAt` (once per notification and instant). */
export async function announceSend(
  tx: EntityManager,
  clinicId: string,
  notificationId: string,
  sendAt: Date,
): Promise<void> {
  await outbox.enqueue(
    tx,
    clinicId,
    { name: JobName.ReminderSend, data: { clinicId, notificationId } },
    { availableAt: sendAt, dedupeKey: `${notificationId}.${sendAt.getTime()}` },
  );
}

/**
 * Plans one notification: inserted once by dedupe key; an existing unsent one moves to the new
 * time. Answers the row id, or null when the existing row is already settled.
 */
export async function scheduleNotification(tx: EntityManager, n: PlannedNotification): Promise<string | null> {
  const subject: NotificationSubject =
    n.kind === 'plan_rating_due'
      ? { kind: n.kind, coupleId: n.coupleId!, weekStart: n.weekStart! }
      : n.kind === 'session_reminder'
        ? { kind: n.kind, sessionId: n.sessionId! }
        : n.kind === 'alert_notice'
          ? { kind: n.kind, alertId: n.alertId! }
          : { kind: n.kind as 'homework_due' | 'overdue_nudge', occurrenceId: n.occurrenceId! };
  const state = n.time.isDeferred ? 'deferred' : 'scheduled';
  const { id, isNew } = await notificationsRepository.insert(tx, {
    clinicId: n.clinicId,
    id: newId(),
    recipientId: n.recipientId,
    kind: n.kind,
    channel: n.channel,
    occurrenceId: n.occurrenceId ?? null,
    sessionId: n.sessionId ?? null,
    alertId: n.alertId ?? null,
    coupleId: n.coupleId ?? null,
    dedupeKey: notificationDedupeKey(n.recipientId, n.channel, subject),
    title: n.title,
    body: n.body,
    sendAt: n.time.sendAt,
    state,
  });
  if (!isNew) {
    // A pending send moves; one settled only because reminders were switched off comes back.
    const moved: Array<{ id: string }> = await tx.query(
      `UPDATE notification SET send_at = $3, state = $4, skip_reason = NULL, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2
          AND ((state IN ('scheduled', 'deferred') AND send_at <> $3) OR (state = 'skipped' AND skip_reason = 'reminders_off'))
        RETURNING id`,
      [n.clinicId, id, n.time.sendAt, state],
    );
    if (moved.length === 0) return null;
  }
  await announceSend(tx, n.clinicId, id, n.time.sendAt);
  return id;
}

/**
 * Settles the unsent notifications of a subject that no longer applies (a claimed send is left to
 * its worker). Only the filters given are in the statement, so it is planned for the subject's
 * own index (every check-in runs it) rather than for "any of these may be null".
 */
export async function skipPending(
  tx: EntityManager,
  clinicId: string,
  where: { sessionId?: string; occurrenceId?: string; kind?: NotificationKind; recipientId?: string },
  reason: SkipReason,
): Promise<number> {
  if (where.sessionId === undefined && where.occurrenceId === undefined) return 0;
  const params: unknown[] = [clinicId, reason];
  const filters = (
    [
      ['session_id', where.sessionId],
      ['occurrence_id', where.occurrenceId],
      ['kind', where.kind],
      ['recipient_id', where.recipientId],
    ] as const
  ).flatMap(([column, value]) => (value === undefined ? [] : [`AND ${column} = $${params.push(value)}`]));
  const rows = await queryRows<{ id: string }>(
    tx,
    `UPDATE notification SET state = 'skipped', skip_reason = $2, updated_at = mend_now()
      WHERE clinic_id = $1 AND state IN ('scheduled', 'deferred') AND claimed_at IS NULL ${filters.join(' ')}
      RETURNING id`,
    params,
  );
  return rows.length;
}

interface OpenOccurrenceRow {
  id: string;
  couple_id: string;
  partner_id: string | null;
  due_at: Date;
  closes_at: Date;
  reminders: { isEnabled?: boolean; minutesBefore?: number; overdueAfterMinutes?: number | null } | null;
  title: string;
  /** Given to one partner only (the safety check): its reminders never name it (see notificationText). */
  is_private: boolean;
}

/**
 * Homework due and overdue nudges for the open, unanswered, not yet planned occurrences of
 * active assignments of active couples due within {@link PLAN_AHEAD_MS}: of one assignment, one
 * couple, or (empty scope) the whole clinic. Answers how many notifications were planned.
 *
 * With `isReplan` (an assignment's reminder settings changed) occurrences already planned are
 * planned again: pending sends move to their new time, sends the settings no longer produce are
 * skipped ('reminders_off'), and ones skipped that way come back when reminders are on again.
 * Sends already made or claimed are left as they are.
 */
export async function planOccurrenceReminders(
  tx: EntityManager,
  clinicId: string,
  scope: { assignmentId?: string; coupleId?: string },
  now: Date,
  options: { isReplan?: boolean } = {},
): Promise<number> {
  const rows: OpenOccurrenceRow[] = await tx.query(
    `SELECT o.id, o.couple_id, o.partner_id, o.due_at, o.closes_at, a.reminders, v.title, a.partner_id IS NOT NULL AS is_private
       FROM occurrence o
       JOIN assignment a ON a.clinic_id = o.clinic_id AND a.id = o.assignment_id
       JOIN couple c ON c.clinic_id = o.clinic_id AND c.id = o.couple_id
       JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
      WHERE o.clinic_id = $1 AND ($2::uuid IS NULL OR o.assignment_id = $2) AND ($3::uuid IS NULL OR o.couple_id = $3)
        AND a.status = 'active' AND c.status = 'active' AND o.closes_at > $4 AND o.due_at < $5
        AND NOT EXISTS (SELECT 1 FROM check_in ci WHERE ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id)
        AND ($6 OR NOT EXISTS (SELECT 1 FROM notification n WHERE n.clinic_id = o.clinic_id AND n.occurrence_id = o.id))
      ORDER BY o.due_at, o.id
      LIMIT 5000`,
    [
      clinicId,
      scope.assignmentId ?? null,
      scope.coupleId ?? null,
      now,
      new Date(now.getTime() + PLAN_AHEAD_MS),
      options.isReplan === true,
    ],
  );
  if (rows.length === 0) return 0;
  const settings = await loadClinicReminderSettings(tx, clinicId);
  const coupleIds = [...new Set(rows.filter((r) => r.partner_id === null).map((r) => r.couple_id))];
  const partnersOf = new Map<string, string[]>();
  if (coupleIds.length > 0) {
    const partners: Array<{ couple_id: string; user_id: string }> = await tx.query(
      `SELECT couple_id, user_id FROM couple_partner WHERE clinic_id = $1 AND couple_id = ANY($2::uuid[]) ORDER BY position`,
      [clinicId, coupleIds],
    );
    for (const p of partners) partnersOf.set(p.couple_id, [...(partnersOf.get(p.couple_id) ?? []), p.user_id]);
  }
  const targetIds = (row: OpenOccurrenceRow) =>
    row.partner_id ? [row.partner_id] : (partnersOf.get(row.couple_id) ?? []);
  const people = await recipients(tx, clinicId, [...new Set(rows.flatMap(targetIds))]);

  let planned = 0;
  for (const row of rows) {
    const reminders = row.reminders ?? {};
    if (reminders.isEnabled === false) {
      if (options.isReplan) await skipPending(tx, clinicId, { occurrenceId: row.id }, 'reminders_off');
      continue;
    }
    // The assignment's own lead, else the clinic's (default 2 h): a reminder at the due time makes its reader late.
    const minutesBefore = Number.isInteger(reminders.minutesBefore)
      ? reminders.minutesBefore!
      : settings.homeworkLeadMinutes;
    const overdueAfter = Number.isInteger(reminders.overdueAfterMinutes)
      ? reminders.overdueAfterMinutes!
      : settings.overdueAfterMinutes;
    for (const recipientId of targetIds(row)) {
      const recipient = people.get(recipientId);
      if (!recipient) continue;
      const window = windowFor(recipient, settings, now, row.closes_at);
      const due = homeworkReminderAt(row.due_at, minutesBefore, window);
      const nudge = overdueNudgeAt(row.due_at, overdueAfter, window);
      for (const channel of USER_CHANNELS) {
        if (due) {
          const text = notificationText({
            kind: 'homework_due',
            isDiscreet: settings.isDiscreet || row.is_private,
            exerciseTitle: row.title,
          });
          if (
            await scheduleNotification(tx, {
              clinicId,
              recipientId,
              kind: 'homework_due',
              channel,
              occurrenceId: row.id,
              ...text,
              time: due,
            })
          )
            planned++;
        }
        if (nudge) {
          const text = notificationText({
            kind: 'overdue_nudge',
            isDiscreet: settings.isDiscreet || row.is_private,
            exerciseTitle: row.title,
          });
          if (
            await scheduleNotification(tx, {
              clinicId,
              recipientId,
              kind: 'overdue_nudge',
              channel,
              occurrenceId: row.id,
              ...text,
              time: nudge,
            })
          )
            planned++;
        }
      }
      // The new settings leave no time for a send planned under the old ones (e.g. it would now fall after the occurrence closes).
      if (options.isReplan && !due)
        await skipPending(tx, clinicId, { occurrenceId: row.id, kind: 'homework_due', recipientId }, 'reminders_off');
      if (options.isReplan && !nudge)
        await skipPending(tx, clinicId, { occurrenceId: row.id, kind: 'overdue_nudge', recipientId }, 'reminders_off');
    }
  }
  return planned;
}

/**
 * Session reminders for the partners and the therapist, `sessionReminderHours` before a
 * scheduled session; moved with the session; skipped ('cancelled') when it no longer takes
 * place, or ('too_late') when it moved too close to plan one.
 */
export async function planSessionReminders(
  tx: EntityManager,
  clinicId: string,
  sessionId: string,
  now: Date,
): Promise<number> {
  const rows: Array<{
    couple_id: string;
    therapist_id: string;
    starts_at: Date;
    status: string;
    couple_status: string;
  }> = await tx.query(
    `SELECT s.couple_id, s.therapist_id, s.starts_at, s.status, c.status AS couple_status
       FROM therapy_session s JOIN couple c ON c.clinic_id = s.clinic_id AND c.id = s.couple_id
      WHERE s.clinic_id = $1 AND s.id = $2`,
    [clinicId, sessionId],
  );
  const session = rows[0];
  if (!session) return 0;
  if (session.status !== 'scheduled' || session.couple_status === 'closed') {
    await skipPending(tx, clinicId, { sessionId }, 'cancelled');
    return 0;
  }
  if (session.starts_at.getTime() <= now.getTime()) return 0;
  const settings = await loadClinicReminderSettings(tx, clinicId);
  const partners: Array<{ user_id: string }> = await tx.query(
    `SELECT user_id FROM couple_partner WHERE clinic_id = $1 AND couple_id = $2 ORDER BY position`,
    [clinicId, session.couple_id],
  );
  const people = await recipients(tx, clinicId, [...partners.map((p) => p.user_id), session.therapist_id]);
  let planned = 0;
  for (const recipient of people.values()) {
    const time = sessionReminderAt(
      session.starts_at,
      settings.sessionReminderHours,
      windowFor(recipient, settings, now),
    );
    if (!time) {
      await tx.query(
        `UPDATE notification SET state = 'skipped', skip_reason = 'too_late', updated_at = mend_now()
          WHERE clinic_id = $1 AND session_id = $2 AND recipient_id = $3 AND state IN ('scheduled', 'deferred') AND claimed_at IS NULL`,
        [clinicId, sessionId, recipient.id],
      );
      continue;
    }
    const text = notificationText({ kind: 'session_reminder', startsAt: session.starts_at, zone: recipient.timezone });
    for (const channel of USER_CHANNELS) {
      if (
        await scheduleNotification(tx, {
          clinicId,
          recipientId: recipient.id,
          kind: 'session_reminder',
          channel,
          sessionId,
          ...text,
          time,
        })
      )
        planned++;
    }
  }
  return planned;
}

/** Tells the couple's therapist about each open alert that has no notice yet (past quiet hours). */
export async function planAlertNotices(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
  now: Date,
): Promise<number> {
  const alerts: Array<{ id: string; therapist_id: string; severity: string }> = await tx.query(
    `SELECT a.id, c.therapist_id, a.severity FROM alert a JOIN couple c ON c.clinic_id = a.clinic_id AND c.id = a.couple_id
      WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.status = 'open'
        AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.clinic_id = a.clinic_id AND n.alert_id = a.id)`,
    [clinicId, coupleId],
  );
  if (alerts.length === 0) return 0;
  const settings = await loadClinicReminderSettings(tx, clinicId);
  const people = await recipients(tx, clinicId, [...new Set(alerts.map((a) => a.therapist_id))]);
  let planned = 0;
  for (const alert of alerts) {
    const therapist = people.get(alert.therapist_id);
    if (!therapist) continue;
    const isUrgent = alert.severity === 'high' && settings.urgentAlertsBreakQuietHours;
    const text = notificationText({ kind: 'alert_notice', isUrgent: alert.severity === 'high' });
    const time = isUrgent
      ? { sendAt: now, isDeferred: false }
      : deferPastQuietHours(now, therapist.timezone, effectiveQuietHours(therapist, settings));
    for (const channel of USER_CHANNELS) {
      if (
        await scheduleNotification(tx, {
          clinicId,
          recipientId: therapist.id,
          kind: 'alert_notice',
          channel,
          alertId: alert.id,
          ...text,
          time,
        })
      )
        planned++;
    }
  }
  return planned;
}

/**
 * Plans again the planned, unclaimed sends of one user (their zone or quiet hours changed) or,
 * without `recipientId`, of the whole clinic (its reminder settings changed), in the caller's
 * transaction: session reminders and homework through their planners (which move only what
 * changed; a clinic re-plan takes every open occurrence, since a new overdue delay can make room
 * for nudges nothing was planned for), alert notices deferred from now under the new quiet
 * hours. Sends already made or claimed stay as they were.
 */
export async function replanPendingReminders(
  tx: EntityManager,
  clinicId: string,
  scope: { recipientId?: string },
  now: Date,
): Promise<void> {
  const pending: Array<{
    recipient_id: string;
    session_id: string | null;
    assignment_id: string | null;
    alert_id: string | null;
  }> = await tx.query(
    `SELECT DISTINCT n.recipient_id, n.session_id, o.assignment_id, n.alert_id
       FROM notification n LEFT JOIN occurrence o ON o.clinic_id = n.clinic_id AND o.id = n.occurrence_id
      WHERE n.clinic_id = $1 AND ($2::uuid IS NULL OR n.recipient_id = $2)
        AND n.state IN ('scheduled', 'deferred') AND n.claimed_at IS NULL AND n.kind <> 'digest'`,
    [clinicId, scope.recipientId ?? null],
  );
  const idsOf = (column: 'session_id' | 'assignment_id') =>
    new Set(pending.map((p) => p[column]).filter((id): id is string => id !== null));
  for (const sessionId of idsOf('session_id')) await planSessionReminders(tx, clinicId, sessionId, now);
  if (scope.recipientId) {
    for (const assignmentId of idsOf('assignment_id'))
      await planOccurrenceReminders(tx, clinicId, { assignmentId }, now, { isReplan: true });
  } else {
    await planOccurrenceReminders(tx, clinicId, {}, now, { isReplan: true });
  }

  const alertsOf = new Map<string, string[]>();
  for (const p of pending)
    if (p.alert_id) alertsOf.set(p.recipient_id, [...(alertsOf.get(p.recipient_id) ?? []), p.alert_id]);
  if (alertsOf.size === 0) return;
  const settings = await loadClinicReminderSettings(tx, clinicId);
  for (const person of (await recipients(tx, clinicId, [...alertsOf.keys()])).values()) {
    const time = deferPastQuietHours(now, person.timezone, effectiveQuietHours(person, settings));
    const notices: Array<{ id: string }> = await tx.query(
      `UPDATE notification SET send_at = $4, state = $5, updated_at = mend_now()
        WHERE clinic_id = $1 AND recipient_id = $2 AND alert_id = ANY($3::uuid[]) AND state IN ('scheduled', 'deferred') AND claimed_at IS NULL AND send_at <> $4
        RETURNING id`,
      [clinicId, person.id, alertsOf.get(person.id), time.sendAt, time.isDeferred ? 'deferred' : 'scheduled'],
    );
    for (const notice of notices) await announceSend(tx, clinicId, notice.id, time.sendAt);
  }
}
