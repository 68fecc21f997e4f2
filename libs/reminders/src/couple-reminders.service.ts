import { Injectable } from '@nestjs/common';

import { decodeCursor, DomainException, toPage, type Page, type UserPrincipal } from '@mend/core';
import { requireCouple } from '@mend/couples';
import { TenantDatabase } from '@mend/database';

import type { NotificationChannel, NotificationKind, NotificationState, SkipReason } from './notification.types.js';
import type { NotificationRow } from './notifications.repository.js';

/** One planned or past reminder of a couple, as its therapist sees it: the record, never a message body. */
export interface CoupleReminderView {
  id: string;
  recipientId: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  occurrenceId: string | null;
  sessionId: string | null;
  alertId: string | null;
  sendAt: Date;
  state: NotificationState;
  skipReason: SkipReason | null;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
}

type ReminderRow = Pick<
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

function toView(r: ReminderRow): CoupleReminderView {
  return {
    id: r.id,
    recipientId: r.recipient_id,
    kind: r.kind,
    channel: r.channel,
    occurrenceId: r.occurrence_id,
    sessionId: r.session_id,
    alertId: r.alert_id,
    sendAt: r.send_at,
    state: r.state,
    skipReason: r.skip_reason,
    attempts: r.attempts,
    lastError: r.last_error,
    sentAt: r.sent_at,
  };
}

/** The couple's reminders (homework, nudges, sessions, alert notices, digests of its members), newest send first. */
@Injectable()
export class CoupleRemindersService {
  constructor(private readonly db: TenantDatabase) {}

  async list(
    principal: UserPrincipal,
    coupleId: string,
    query: { limit: number; cursor?: string },
  ): Promise<Page<CoupleReminderView>> {
    const cursorId = decodeCursor(query.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId);
      const params: unknown[] = [principal.clinicId, coupleId];
      let after = '';
      if (cursorId) {
        const last: Array<{ send_at: Date; id: string }> = await tx.query(
          `SELECT send_at, id FROM notification WHERE clinic_id = $1 AND id = $2`,
          [principal.clinicId, cursorId],
        );
        if (!last[0])
          throw new DomainException('invalid', 'The cursor is not valid', {
            errors: [{ field: 'cursor', message: 'cursor is not valid' }],
          });
        params.push(last[0].send_at, last[0].id);
        after = ` AND (n.send_at, n.id) < ($3::timestamptz, $4::uuid)`;
      }
      params.push(query.limit + 1);
      const rows: ReminderRow[] = await tx.query(
        `SELECT n.id, n.recipient_id, n.kind, n.channel, n.occurrence_id, n.session_id, n.alert_id, n.send_at, n.state, n.skip_reason, n.attempts, n.last_error, n.sent_at
           FROM notification n
           LEFT JOIN occurrence o ON o.clinic_id = n.clinic_id AND o.id = n.occurrence_id
           LEFT JOIN therapy_session s ON s.clinic_id = n.clinic_id AND s.id = n.session_id
           LEFT JOIN alert a ON a.clinic_id = n.clinic_id AND a.id = n.alert_id
          WHERE n.clinic_id = $1 AND (o.couple_id = $2 OR s.couple_id = $2 OR a.couple_id = $2
                OR (n.kind = 'digest' AND n.recipient_id IN (SELECT user_id FROM couple_partner WHERE clinic_id = $1 AND couple_id = $2)))${after}
          ORDER BY n.send_at DESC, n.id DESC
          LIMIT $${params.length}`,
        params,
      );
      return toPage(rows, query.limit, toView);
    });
  }
}
