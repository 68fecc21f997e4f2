import type { EntityManager } from 'typeorm';

import type { CoupleStatus } from './couple-access.js';

/**
 * What the homework schedule must do when a couple changes, implemented by libs/homework.
 * An abstract class (not an import of homework) keeps the dependency pointing one way.
 */
export abstract class CoupleScheduleHooks {
  abstract statusChanged(tx: EntityManager, clinicId: string, coupleId: string, status: CoupleStatus): Promise<void>;
}
