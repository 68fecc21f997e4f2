import { Global, Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '@mend/core';
import { CoupleScheduleHooks, couplesRepository, type CoupleStatus } from '@mend/couples';
import { ProfileHooks } from '@mend/identity';
import { OccurrenceHorizon, replanPendingReminders } from '@mend/reminders';

import {
  ensureHorizon,
  replanCoupleOccurrences,
  resumeCoupleOccurrences,
  suspendCoupleOccurrences,
} from './occurrences.js';

/**
 * Keeps occurrences and reminders in step with couple status and each user's zone and quiet hours,
 * and tops up the occurrence horizon the reminder reconciler plans from.
 */
@Injectable()
export class HomeworkScheduleHooks implements CoupleScheduleHooks, ProfileHooks, OccurrenceHorizon {
  constructor(private readonly clock: Clock) {}

  async statusChanged(tx: EntityManager, clinicId: string, coupleId: string, status: CoupleStatus): Promise<void> {
    if (status === 'active') await resumeCoupleOccurrences(tx, clinicId, coupleId, this.clock.now());
    else await suspendCoupleOccurrences(tx, clinicId, coupleId, this.clock.now());
  }

  async timezoneChanged(tx: EntityManager, clinicId: string, userId: string): Promise<void> {
    const coupleId = await couplesRepository.coupleIdOfPartner(tx, clinicId, userId);
    if (coupleId) await replanCoupleOccurrences(tx, clinicId, coupleId, this.clock.now());
  }

  async reminderWindowChanged(tx: EntityManager, clinicId: string, userId: string): Promise<void> {
    await replanPendingReminders(tx, clinicId, { recipientId: userId }, this.clock.now());
  }

  async ensure(tx: EntityManager, clinicId: string, now: Date): Promise<void> {
    await ensureHorizon(tx, clinicId, {}, now);
  }
}

/** Global so the couples, identity and reminders modules receive the hooks without importing homework. */
@Global()
@Module({
  providers: [
    HomeworkScheduleHooks,
    { provide: CoupleScheduleHooks, useExisting: HomeworkScheduleHooks },
    { provide: ProfileHooks, useExisting: HomeworkScheduleHooks },
    { provide: OccurrenceHorizon, useExisting: HomeworkScheduleHooks },
  ],
  exports: [CoupleScheduleHooks, ProfileHooks, OccurrenceHorizon],
})
export class HomeworkScheduleHooksModule {}
