import type { EntityManager } from 'typeorm';

import type { Score } from '@mend/exercises';

export interface CheckedIn {
  clinicId: string;
  coupleId: string;
  checkInId: string;
  authorId: string;
  score: Score | null;
  now: Date;
}

/**
 * What must happen in the check-in's own transaction, implemented by libs/progress (an abstract
 * class, not an import of progress, keeps the dependency pointing one way). Safety cannot wait
 * for a queue: a concern opens its alert and plans the therapist's notice before the partner
 * sees the confirmation.
 */
export abstract class CheckInHooks {
  /** Answers the crisis resources to show the author, or null when the answers raise no safety concern. */
  abstract checkedIn(tx: EntityManager, checkIn: CheckedIn): Promise<{ crisisResources: string | null }>;

  /** The crisis resources for the author's own check-in if it raised a safety concern (for a replayed answer). */
  abstract crisisResourcesFor(
    tx: EntityManager,
    clinicId: string,
    checkInId: string,
    authorId: string,
  ): Promise<string | null>;
}
