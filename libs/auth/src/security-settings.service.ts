import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { DomainException, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

/** Bounds of the idle sign-out time a clinic may choose. */
export const IDLE_TIMEOUT_MINUTES = { min: 5, max: 720, default: 30 } as const;

export interface ClinicSecuritySettings {
  /** The web app signs a user out after this long without activity (with a warning first). */
  idleTimeoutMinutes: number;
  /** Admins and therapists must sign in with a second factor (those without one enrol at sign-in). */
  requireMfaForStaff: boolean;
}

/**
 * The security keys of `clinic.settings` (jsonb), under "security": idleTimeoutMinutes (5–720,
 * default 30) and requireMfaForStaff (default false). A missing or invalid value means the default.
 */
export function clinicSecuritySettings(settings: Record<string, unknown> | null | undefined): ClinicSecuritySettings {
  const security = (settings?.security ?? {}) as Record<string, unknown>;
  const idle = security.idleTimeoutMinutes;
  const isValidIdle =
    typeof idle === 'number' &&
    Number.isInteger(idle) &&
    idle >= IDLE_TIMEOUT_MINUTES.min &&
    idle <= IDLE_TIMEOUT_MINUTES.max;
  return {
    idleTimeoutMinutes: isValidIdle ? idle : IDLE_TIMEOUT_MINUTES.default,
    requireMfaForStaff: security.requireMfaForStaff === true,
  };
}

@Injectable()
export class SecuritySettingsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
  ) {}

  /** Readable by every signed-in user: the web app needs its own idle time. */
  async get(principal: UserPrincipal): Promise<ClinicSecuritySettings> {
    const rows: Array<{ settings: Record<string, unknown> }> = await this.db.withClinic(principal.clinicId, (tx) =>
      tx.query(`SELECT settings FROM clinic WHERE id = $1`, [principal.clinicId]),
    );
    if (!rows[0]) throw DomainException.notFound('Clinic');
    return clinicSecuritySettings(rows[0].settings);
  }

  async update(principal: UserPrincipal, input: Partial<ClinicSecuritySettings>): Promise<ClinicSecuritySettings> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const rows: Array<{ settings: Record<string, unknown> }> = await tx.query(
        `SELECT settings FROM clinic WHERE id = $1 FOR UPDATE`,
        [principal.clinicId],
      );
      if (!rows[0]) throw DomainException.notFound('Clinic');
      const next = { ...clinicSecuritySettings(rows[0].settings), ...input };
      await tx.query(`UPDATE clinic SET settings = jsonb_set(settings, '{security}', $2::jsonb) WHERE id = $1`, [
        principal.clinicId,
        JSON.stringify(next),
      ]);
      await this.audit.record(tx, {
        ...this.audit.entryFor(principal, 'clinic.security_settings_update', 'clinic', principal.clinicId),
        detail: { ...next },
      });
      return next;
    });
  }
}
