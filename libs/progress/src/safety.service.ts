import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { Clock, DomainException, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { CheckInHooks, type CheckedIn } from '@mend/homework';
import { planAlertNotices } from '@mend/reminders';

import { safetyCondition } from './progress.compute.js';
import { progressRepository } from './progress.repository.js';
import {
  clinicSafetySettings,
  isSafetyConcern,
  MAX_CRISIS_RESOURCES_LENGTH,
  type ClinicSafetySettings,
} from './safety-settings.js';
import { safetyRepository } from './safety.repository.js';

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
 * who answered — for no one else. The private safety check feeds the same concern: any answer
 * indicating danger opens it. A later answer above the threshold resolves the concern, unless
 * the partner's latest safety check still indicates danger.
 */
@Injectable()
export class SafetyService implements CheckInHooks {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async checkedIn(tx: EntityManager, checkIn: CheckedIn): Promise<{ crisisResources: string | null }> {
    const score = checkIn.score;
    const isScreen = score?.kind === 'safety_screen';
    if (typeof score?.safety !== 'number' && !isScreen) return { crisisResources: null };
    const state = await safetyRepository.stateOf(tx, checkIn.clinicId, checkIn.coupleId, checkIn.authorId);
    if (!state) throw DomainException.notFound('Clinic');
    const settings = clinicSafetySettings(state.settings);
    const isConcern = isScreen ? score!.isSafetyConcern === true : isSafetyConcern(score!.safety, settings);
    // The partner's condition from all their safety evidence (this check-in included): a calm
    // pulse must not resolve what a safety check disclosed.
    const condition = safetyCondition(checkIn.authorId, state.evidence, settings.threshold, checkIn.now);
    // A calm answer with no concern open changes nothing (most check-ins): no statement for it.
    if (condition.holds === true || (condition.holds === false && state.hasOpenConcern))
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
    const rows: Array<{ safety: number | null; is_screen_concern: boolean | null }> = await tx.query(
      `SELECT (score->>'safety')::int AS safety, (score->>'isSafetyConcern')::boolean AS is_screen_concern
         FROM check_in WHERE clinic_id = $1 AND id = $2 AND author_id = $3`,
      [clinicId, checkInId, authorId],
    );
    const row = rows[0];
    if (!row || (typeof row.safety !== 'number' && row.is_screen_concern !== true)) return null;
    const settings = clinicSafetySettings(await settingsOf(tx, clinicId));
    return row.is_screen_concern === true || isSafetyConcern(row.safety ?? undefined, settings)
      ? settings.crisisResources
      : null;
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
