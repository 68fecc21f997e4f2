/** The words of the `notification` table (see migrations/1764259200000-CreateNotifications.ts). */

export const NOTIFICATION_KINDS = [
  'homework_due',
  'overdue_nudge',
  'session_reminder',
  'alert_notice',
  'digest',
  // To the therapist a couple was moved away from (written by libs/couples, delivered at once).
  'couple_reassigned',
  // To a partner: time to rate the couple's repair plan for their week (plan-rating-reminders.ts).
  'plan_rating_due',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_CHANNELS = ['email', 'in_app', 'webhook'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** scheduled → (deferred) → sent | skipped | failed. */
export const NOTIFICATION_STATES = ['scheduled', 'deferred', 'sent', 'skipped', 'failed'] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];

/** Why a planned send did not happen; the table's CHECK lists the same values. */
export const SKIP_REASONS = [
  'already_done',
  'cancelled',
  'paused',
  'closed',
  'rescheduled',
  'channel_off',
  'recipient_disabled',
  'merged',
  'too_late',
  'reminders_off',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What a notification is about; the kind fixes which subject it has. */
export type NotificationSubject =
  | { kind: 'homework_due' | 'overdue_nudge'; occurrenceId: string }
  | { kind: 'session_reminder'; sessionId: string }
  | { kind: 'alert_notice'; alertId: string }
  /** One digest per recipient, channel and local day (YYYY-MM-DD in the recipient's zone). */
  | { kind: 'digest'; localDate: string }
  /** One per partner and local week (weekStart: the Monday, YYYY-MM-DD in the partner's zone). */
  | { kind: 'plan_rating_due'; coupleId: string; weekStart: string };

/**
 * The unique key of a notification within its clinic: at most one row per recipient, kind,
 * subject and channel, ever. Ids and dates only, so keys never carry personal data.
 */
export function notificationDedupeKey(
  recipientId: string,
  channel: NotificationChannel,
  subject: NotificationSubject,
): string {
  const about =
    subject.kind === 'digest'
      ? `day.${subject.localDate}`
      : subject.kind === 'plan_rating_due'
        ? `couple.${subject.coupleId}.week.${subject.weekStart}`
        : subject.kind === 'session_reminder'
          ? `session.${subject.sessionId}`
          : subject.kind === 'alert_notice'
            ? `alert.${subject.alertId}`
            : `occurrence.${subject.occurrenceId}`;
  return `${subject.kind}.${channel}.${recipientId}.${about}`;
}

/** The week a plan-rating reminder is for, read back from its dedupe key (the only place it is kept). */
export function planRatingWeekOf(dedupeKey: string): string | null {
  return /\.week\.(\d{4}-\d{2}-\d{2})$/.exec(dedupeKey)?.[1] ?? null;
}

/** A delivered in-app notification as its recipient sees it. */
export interface NotificationView {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  occurrenceId: string | null;
  sessionId: string | null;
  alertId: string | null;
  coupleId: string | null;
  sentAt: Date;
  readAt: Date | null;
  isRead: boolean;
}

export interface NotificationPage {
  data: NotificationView[];
  nextCursor: string | null;
  /** All of the recipient's unread in-app notifications, not only this page's. */
  unreadCount: number;
}

/**
 * Per-user channel switches, and whether the user's reminder emails are discreet. The webhook
 * channel belongs to the clinic's integrations, not to users.
 */
export interface NotificationPreferences {
  email: boolean;
  inApp: boolean;
  /**
   * The user's own choice of discreet emails (neutral words, no product name, no exercise);
   * null until they choose, when the clinic's discreet mode decides. See `isDiscreetFor`.
   */
  discreet: boolean | null;
}

/** The preferences as their owner reads them: the discreet choice resolved against the clinic's. */
export interface NotificationPreferencesView {
  email: boolean;
  inApp: boolean;
  /** The user's own choice, or the clinic's discreet mode until they choose. */
  discreet: boolean;
  /** The clinic's discreet mode is on: every reminder is discreet, whatever the user chose. */
  isClinicDiscreet: boolean;
}

export const DEFAULT_NOTIFICATION_PREFERENCES: Readonly<NotificationPreferences> = Object.freeze({
  email: true,
  inApp: true,
  discreet: null,
});

/** Reads the stored jsonb leniently: a missing or non-boolean key means the channel is on, and no discreet choice. */
export function toNotificationPreferences(stored: unknown): NotificationPreferences {
  const value = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  return {
    email: typeof value.email === 'boolean' ? value.email : DEFAULT_NOTIFICATION_PREFERENCES.email,
    inApp: typeof value.inApp === 'boolean' ? value.inApp : DEFAULT_NOTIFICATION_PREFERENCES.inApp,
    discreet: typeof value.discreet === 'boolean' ? value.discreet : DEFAULT_NOTIFICATION_PREFERENCES.discreet,
  };
}

export function toNotificationPreferencesView(
  preferences: NotificationPreferences,
  clinic: { isDiscreet: boolean },
): NotificationPreferencesView {
  return {
    email: preferences.email,
    inApp: preferences.inApp,
    discreet: preferences.discreet ?? clinic.isDiscreet,
    isClinicDiscreet: clinic.isDiscreet,
  };
}
