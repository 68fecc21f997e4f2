import { Injectable } from '@nestjs/common';

import { decodeCursor, DomainException, toPage, type Page, type UserPrincipal } from '@mend/core';
import { requireCouple } from '@mend/couples';
import { TenantDatabase } from '@mend/database';

import type { NotificationChannel, NotificationKind, NotificationState, SkipReason } from './notification.types.js';
import { notificationsRepository, type CoupleReminderRow } from './notifications.repository.js';

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

function toView(r: CoupleReminderRow): CoupleReminderView {
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
      let after: { send_at: Date; id: string } | null = null;
      if (cursorId) {
        const last = await notificationsRepository.findSendPosition(tx, principal.clinicId, cursorId);
        if (!last)
          throw new DomainException('invalid', 'The cursor is not valid', {
            errors: [{ field: 'cursor', message: 'cursor is not valid' }],
          });
        after = last;
      }
      const rows = await notificationsRepository.listOfCouple(tx, principal.clinicId, coupleId, after, query.limit + 1);
      return toPage(rows, query.limit, toView);
    });
  }
}
