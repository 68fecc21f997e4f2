import type { DataSource, EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

import type {
  NotificationChannel,
  NotificationKind,
  NotificationState,
  NotificationView,
  SkipReason,
} from './notification.types.js';

export interface NotificationRow {
  clinic_id: string;
  id: string;
  recipient_id: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  occurrence_id: string | null;
  session_id: string | null;
  alert_id: string | null;
  couple_id: string | null;
  digest_id: string | null;
  dedupe_key: string;
  title: string;
  body: string;
  send_at: Date;
  state: NotificationState;
  skip_reason: SkipReason | null;
  attempts: number;
  claimed_at: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  read_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A notification as a couple's reminder list shows it. */
export type CoupleReminderRow = Pick<
  NotificationRow,
  | 'id'
  | 'recipient_id'
  | 'kind'
  | 'channel'
  | 'occurrence_id'
  | 'session_id'
  | 'alert_id'
  | 'send_at'
  | 'state'
  | 'skip_reason'
  | 'attempts'
  | 'last_error'
  | 'sent_at'
>;

export interface NewNotification {
  clinicId: string;
  id: string;
  recipientId: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  occurrenceId?: string | null;
  sessionId?: string | null;
  alertId?: string | null;
  coupleId?: string | null;
  dedupeKey: string;
  title: string;
  body: string;
  sendAt: Date;
  state: 'scheduled' | 'deferred';
}

/** The in-app inbox only ever shows delivered in-app notifications. */
const INBOX = `channel = 'in_app' AND state = 'sent'`;

export function toNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    occurrenceId: row.occurrence_id,
    sessionId: row.session_id,
    alertId: row.alert_id,
    coupleId: row.couple_id ?? null,
    sentAt: row.sent_at!,
    readAt: row.read_at,
    isRead: row.read_at !== null,
  };
}

/** SQL for notifications. Every method takes the transaction that pinned the clinic, and the clinic. */
export const notificationsRepository = {
  /**
   * Plans a notification once: a second insert with the same dedupe key is a no-op (the existing
   * row wins). Answers whether this call created it.
   */
  async insert(tx: EntityManager, n: NewNotification): Promise<{ id: string; isNew: boolean }> {
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO notification (clinic_id, id, recipient_id, kind, channel, occurrence_id, session_id, alert_id, dedupe_key, title, body, send_at, state, couple_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (clinic_id, dedupe_key) DO NOTHING
       RETURNING id`,
      [
        n.clinicId,
        n.id,
        n.recipientId,
        n.kind,
        n.channel,
        n.occurrenceId ?? null,
        n.sessionId ?? null,
        n.alertId ?? null,
        n.dedupeKey,
        n.title,
        n.body,
        n.sendAt,
        n.state,
        n.coupleId ?? null,
      ],
    );
    if (rows.length > 0) return { id: rows[0].id, isNew: true };
    const existing: Array<{ id: string }> = await tx.query(
      `SELECT id FROM notification WHERE clinic_id = $1 AND dedupe_key = $2`,
      [n.clinicId, n.dedupeKey],
    );
    return { id: existing[0].id, isNew: false };
  },

  async findInboxItem(
    tx: EntityManager,
    clinicId: string,
    recipientId: string,
    id: string,
  ): Promise<NotificationRow | null> {
    const rows: NotificationRow[] = await tx.query(
      `SELECT * FROM notification WHERE clinic_id = $1 AND recipient_id = $2 AND id = $3 AND ${INBOX}`,
      [clinicId, recipientId, id],
    );
    return rows[0] ?? null;
  },

  /** Newest first by delivery time; `after` is the last row of the previous page. */
  async listInbox(
    tx: EntityManager,
    clinicId: string,
    recipientId: string,
    page: { after?: { sentAt: Date; id: string }; isUnreadOnly?: boolean; limit: number },
  ): Promise<NotificationRow[]> {
    const params: unknown[] = [clinicId, recipientId];
    let where = `clinic_id = $1 AND recipient_id = $2 AND ${INBOX}`;
    if (page.isUnreadOnly) where += ' AND read_at IS NULL';
    if (page.after) {
      params.push(page.after.sentAt, page.after.id);
      where += ` AND (sent_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    params.push(page.limit + 1);
    return tx.query(
      `SELECT * FROM notification WHERE ${where} ORDER BY sent_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  },

  async countUnread(tx: EntityManager, clinicId: string, recipientId: string): Promise<number> {
    const rows: Array<{ n: number }> = await tx.query(
      `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND recipient_id = $2 AND ${INBOX} AND read_at IS NULL`,
      [clinicId, recipientId],
    );
    return rows[0].n;
  },

  /** Marks read (keeping the first read time) or unread; null when it is not in the recipient's inbox. */
  async setRead(
    tx: EntityManager,
    clinicId: string,
    recipientId: string,
    id: string,
    isRead: boolean,
  ): Promise<NotificationRow | null> {
    const rows = await queryRows<NotificationRow>(
      tx,
      `UPDATE notification
          SET read_at = CASE WHEN $4 THEN coalesce(read_at, mend_now()) ELSE NULL END,
              updated_at = CASE WHEN (read_at IS NULL) = $4 THEN mend_now() ELSE updated_at END
        WHERE clinic_id = $1 AND recipient_id = $2 AND id = $3 AND ${INBOX}
        RETURNING *`,
      [clinicId, recipientId, id, isRead],
    );
    return rows[0] ?? null;
  },

  async findPreferences(tx: EntityManager, clinicId: string, userId: string): Promise<unknown | null> {
    const rows: Array<{ preferences: unknown }> = await tx.query(
      `SELECT notification_preferences AS preferences FROM "user" WHERE clinic_id = $1 AND id = $2`,
      [clinicId, userId],
    );
    return rows.length > 0 ? rows[0].preferences : null;
  },

  /** Merges the given switches into the stored preferences; null when the user does not exist. */
  async mergePreferences(
    tx: EntityManager,
    clinicId: string,
    userId: string,
    changes: Record<string, boolean>,
  ): Promise<unknown | null> {
    const rows = await queryRows<{ preferences: unknown }>(
      tx,
      `UPDATE "user" SET notification_preferences = notification_preferences || $3::jsonb, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2
        RETURNING notification_preferences AS preferences`,
      [clinicId, userId, JSON.stringify(changes)],
    );
    return rows.length > 0 ? rows[0].preferences : null;
  },

  /** Where a notification stands in send order (a couple's reminder list pages by it). */
  async findSendPosition(
    tx: EntityManager,
    clinicId: string,
    id: string,
  ): Promise<{ send_at: Date; id: string } | undefined> {
    const last: Array<{ send_at: Date; id: string }> = await tx.query(
      `SELECT send_at, id FROM notification WHERE clinic_id = $1 AND id = $2`,
      [clinicId, id],
    );
    return last[0];
  },

  /**
   * A couple's reminders — of its occurrences, sessions and alerts, and its partners' digests —
   * newest send first, after a send position when paging.
   */
  async listOfCouple(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    after: { send_at: Date; id: string } | null,
    limit: number,
  ): Promise<CoupleReminderRow[]> {
    const params: unknown[] = [clinicId, coupleId];
    let afterSql = '';
    if (after) {
      params.push(after.send_at, after.id);
      afterSql = ` AND (n.send_at, n.id) < ($3::timestamptz, $4::uuid)`;
    }
    params.push(limit);
    return tx.query(
      `SELECT n.id, n.recipient_id, n.kind, n.channel, n.occurrence_id, n.session_id, n.alert_id, n.send_at, n.state, n.skip_reason, n.attempts, n.last_error, n.sent_at
           FROM notification n
           LEFT JOIN occurrence o ON o.clinic_id = n.clinic_id AND o.id = n.occurrence_id
           LEFT JOIN therapy_session s ON s.clinic_id = n.clinic_id AND s.id = n.session_id
           LEFT JOIN alert a ON a.clinic_id = n.clinic_id AND a.id = n.alert_id
          WHERE n.clinic_id = $1 AND (o.couple_id = $2 OR s.couple_id = $2 OR a.couple_id = $2
                OR (n.kind = 'plan_rating_due' AND n.couple_id = $2)
                OR (n.kind = 'digest' AND n.recipient_id IN (SELECT user_id FROM couple_partner WHERE clinic_id = $1 AND couple_id = $2)))${afterSql}
          ORDER BY n.send_at DESC, n.id DESC
          LIMIT $${params.length}`,
      params,
    );
  },

  /** Due (by `dueBefore`), unsent notifications not claimed since `claimedBefore` (a lapsed claim counts as none). */
  async dueUnsent(
    tx: EntityManager,
    clinicId: string,
    dueBefore: Date,
    claimedBefore: Date,
    limit: number,
    failedSince: Date,
  ): Promise<Array<{ id: string; send_at: Date; has_just_failed: boolean }>> {
    return tx.query(
      `SELECT n.id, n.send_at, (n.last_error IS NOT NULL AND n.updated_at >= $5) AS has_just_failed FROM notification n
        WHERE n.clinic_id = $1 AND n.state IN ('scheduled', 'deferred') AND n.send_at <= $2
          AND (n.claimed_at IS NULL OR n.claimed_at < $3)
        ORDER BY n.send_at, n.id LIMIT $4`,
      [clinicId, dueBefore, claimedBefore, limit, failedSince],
    );
  },
};

/**
 * Due, unsent notifications across clinics (ids only), for the reconciler: it runs before any
 * clinic is known, so it goes through the owner's id-only definer function, then opens one
 * tenant transaction per clinic to read the rows themselves.
 */
export async function dueNotificationIds(
  source: DataSource | EntityManager,
  dueBefore: Date,
  limit: number,
): Promise<Array<{ clinicId: string; id: string }>> {
  const rows: Array<{ clinic_id: string; id: string }> = await source.query(
    'SELECT clinic_id, id FROM mend_notifications_due($1, $2)',
    [dueBefore, limit],
  );
  return rows.map((row) => ({ clinicId: row.clinic_id, id: row.id }));
}
