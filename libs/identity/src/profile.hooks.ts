import type { EntityManager } from 'typeorm';

/** What must follow a user's profile change (a partner's new zone re-plans their homework and reminders). */
export abstract class ProfileHooks {
  abstract timezoneChanged(tx: EntityManager, clinicId: string, userId: string): Promise<void>;
  /** Zone or quiet hours changed: the user's planned reminders follow, in the same transaction. */
  abstract reminderWindowChanged(tx: EntityManager, clinicId: string, userId: string): Promise<void>;
}
