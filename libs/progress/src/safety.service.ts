import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { Clock, DomainException, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { CheckInHooks, type CheckedIn } from '@mend/homework';
import { planAlertNotices } from '@mend/reminders';

import type { AlertCondition } from './progress.compute.js';
import { progressRepository } from './progress.repository.js';
import {
  clinicSafetySettings,
  isSafetyConcern,
  MAX_CRISIS_RESOURCES_LENGTH,
  type ClinicSafetySettings,
} from './safety-settings.js';

export interface UpdateClinicSafetySettingsInput {
  threshold?: number;
  /** null goes back to the built-in text. */
  crisisResources?: string | null;
}

async function settingsOf(tx: EntityManager, clinicId: string, forUpdate = false): Promise<unknown> {
  const rows: Array<{ settings: unknown }> = await tx.query(
    `SELECT settings FROM clinic WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [clinicId],
  );
  if (!rows[0]) throw DomainException.notFound('Clinic');
  return rows[0].settings;
}

/**
 * Safety first: a low answer on emotional safety opens a high-severity `safety_concern` alert
 * and plans the therapist's email and in-app notice in the check-in's own transaction (no queue
 * between the answer and the notice), and answers the clinic's crisis resources for the partner
 * who answered — for no one else. A later answer above the threshold resolves the concern.
 */
@Injectable()
export class SafetyService implements CheckInHooks {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async checkedIn(tx: EntityManager, checkIn: CheckedIn): Promise<{ crisisResources: string | null }> {
    const safety = checkIn.score?.safety;
    if (typeof safety !== 'number') return { crisisResources: null };
    const settings = clinicSafetySettings(await settingsOf(tx, checkIn.clinicId));
    const isConcern = isSafetyConcern(safety, settings);
    const condition: AlertCondition = isConcern
      ? {
          kind: 'safety_concern',
          partnerId: checkIn.authorId,
          holds: true,
          severity: 'high',
          windowStart: checkIn.now,
          detail: { safety, threshold: settings.threshold, answeredAt: checkIn.now.toISOString() },
        }
      : {
          kind: 'safety_concern',
          partnerId: checkIn.authorId,
          holds: false,
          reason: `The latest safety answer (${safety} of 10) is above the clinic's threshold (${settings.threshold})`,
        };
    await progressRepository.syncAlerts(tx, checkIn.clinicId, checkIn.coupleId, [condition], checkIn.now);
    if (!isConcern) return { crisisResources: null };
    await planAlertNotices(tx, checkIn.clinicId, checkIn.coupleId, checkIn.now);
    return { crisisResources: settings.crisisResources };
  }

  /** For the author's own confirmation page: the crisis resources if their check-in raised a concern. */
  async crisisResourcesFor(
    tx: EntityManager,
    clinicId: string,
    checkInId: string,
    authorId: string,
  ): Promise<string | null> {
    const rows: Array<{ safety: number | null }> = await tx.query(
      `SELECT (score->>'safety')::int AS safety FROM check_in WHERE clinic_id = $1 AND id = $2 AND author_id = $3`,
      [clinicId, checkInId, authorId],
    );
    const safety = rows[0]?.safety;
    if (typeof safety !== 'number') return null;
    const settings = clinicSafetySettings(await settingsOf(tx, clinicId));
    return isSafetyConcern(safety, settings) ? settings.crisisResources : null;
  }

  async get(principal: UserPrincipal): Promise<ClinicSafetySettings> {
    return this.db.withClinic(principal.clinicId, async (tx) =>
      clinicSafetySettings(await settingsOf(tx, principal.clinicId)),
    );
  }

  async update(principal: UserPrincipal, input: UpdateClinicSafetySettingsInput): Promise<ClinicSafetySettings> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const stored = await settingsOf(tx, principal.clinicId, true);
      const root = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>).safety : null;
      const current = root !== null && typeof root === 'object' ? (root as Record<string, unknown>) : {};
      const next: Record<string, unknown> = { ...current };
      if (input.threshold !== undefined) next.threshold = input.threshold;
      if (input.crisisResources === null) delete next.crisisResources;
      else if (input.crisisResources !== undefined)
        next.crisisResources = input.crisisResources.slice(0, MAX_CRISIS_RESOURCES_LENGTH);
      await tx.query(
        `UPDATE clinic SET settings = jsonb_set(settings, '{safety}', $2::jsonb), updated_at = $3 WHERE id = $1`,
        [principal.clinicId, JSON.stringify(next), this.clock.now()],
      );
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'clinic.update_safety_settings', 'clinic', principal.clinicId),
      );
      return clinicSafetySettings({ safety: next });
    });
  }
}
