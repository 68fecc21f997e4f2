import type { EntityManager } from 'typeorm';

/**
 * Tops up a clinic's planned occurrences before the reconciler plans their reminders;
 * implemented by libs/homework. An abstract class (not an import of homework, which depends on
 * reminders) keeps the dependency pointing one way.
 */
export abstract class OccurrenceHorizon {
  abstract ensure(tx: EntityManager, clinicId: string, now: Date): Promise<void>;
}
