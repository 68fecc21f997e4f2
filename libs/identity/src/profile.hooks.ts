import type { EntityManager } from 'typeorm';

/** What must follow a user's profile change (a partner's new zone re-plans their homework). */
export abstract class ProfileHooks {
  abstract timezoneChanged(tx: EntityManager, clinicId: string, userId: string): Promise<void>;
}
