import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { decodeCursor, DomainException, toPage, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import {
  toNotificationPreferences,
  toNotificationPreferencesView,
  type NotificationPage,
  type NotificationPreferences,
  type NotificationPreferencesView,
  type NotificationView,
} from './notification.types.js';
import { notificationsRepository, toNotificationView } from './notifications.repository.js';
import { loadClinicReminderSettings } from './reminder-planner.js';

export interface ListNotificationsInput {
  limit: number;
  cursor?: string;
  isUnreadOnly?: boolean;
}

/**
 * A signed-in user's own in-app notifications and channel preferences. Every query is scoped to
 * the principal's clinic (row-level security) AND to the principal as recipient, so another
 * user's notification answers exactly like a missing one.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
  ) {}

  async listMine(principal: UserPrincipal, input: ListNotificationsInput): Promise<NotificationPage> {
    const cursorId = decodeCursor(input.cursor);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      let after: { sentAt: Date; id: string } | undefined;
      if (cursorId) {
        const last = await notificationsRepository.findInboxItem(tx, principal.clinicId, principal.userId, cursorId);
        if (!last)
          throw new DomainException('invalid', 'The cursor is not valid', {
            errors: [{ field: 'cursor', message: 'cursor is not valid' }],
          });
        after = { sentAt: last.sent_at!, id: last.id };
      }
      const rows = await notificationsRepository.listInbox(tx, principal.clinicId, principal.userId, {
        after,
        isUnreadOnly: input.isUnreadOnly,
        limit: input.limit,
      });
      const unreadCount = await notificationsRepository.countUnread(tx, principal.clinicId, principal.userId);
      return { ...toPage(rows, input.limit, toNotificationView), unreadCount };
    });
  }

  async markMine(
    principal: UserPrincipal,
    notificationId: string,
    input: { read: boolean },
  ): Promise<NotificationView> {
    const row = await this.db.withClinic(principal.clinicId, (tx) =>
      notificationsRepository.setRead(tx, principal.clinicId, principal.userId, notificationId, input.read),
    );
    if (!row) throw DomainException.notFound('Notification');
    return toNotificationView(row);
  }

  async preferences(principal: UserPrincipal): Promise<NotificationPreferencesView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const stored = await notificationsRepository.findPreferences(tx, principal.clinicId, principal.userId);
      if (stored === null) throw DomainException.notFound('User');
      return toNotificationPreferencesView(
        toNotificationPreferences(stored),
        await loadClinicReminderSettings(tx, principal.clinicId),
      );
    });
  }

  async updatePreferences(
    principal: UserPrincipal,
    input: Partial<Record<keyof NotificationPreferences, boolean>>,
  ): Promise<NotificationPreferencesView> {
    const changes: Record<string, boolean> = {};
    if (input.email !== undefined) changes.email = input.email;
    if (input.inApp !== undefined) changes.inApp = input.inApp;
    if (input.discreet !== undefined) changes.discreet = input.discreet;
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const stored =
        Object.keys(changes).length === 0
          ? await notificationsRepository.findPreferences(tx, principal.clinicId, principal.userId)
          : await notificationsRepository.mergePreferences(tx, principal.clinicId, principal.userId, changes);
      if (stored === null) throw DomainException.notFound('User');
      if (Object.keys(changes).length > 0) {
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, 'user.update_notification_preferences', 'user', principal.userId),
        );
      }
      return toNotificationPreferencesView(
        toNotificationPreferences(stored),
        await loadClinicReminderSettings(tx, principal.clinicId),
      );
    });
  }
}
