import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { DomainException, isIanaTimeZone, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { toClinicView, type ClinicView } from './identity.views.js';
import { usersRepository } from './users.repository.js';

const invalid = (field: string, message: string) =>
  new DomainException('invalid', message, { errors: [{ field, message }] });

export interface UpdateClinicInput {
  name?: string;
  timezone?: string;
}

/**
 * The clinic's own profile: its name and time zone. The slug is what people sign in with, so it
 * does not change here.
 *
 * The clinic's zone is only a default: it is given to users invited from then on (staff and
 * partners who do not name their own), and it is the zone a progress chart is drawn in for a
 * reader without one of their own (an API key). Nobody's own zone moves with it, so no reminder
 * or due time moves either: those follow each partner's zone.
 */
@Injectable()
export class ClinicService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
  ) {}

  async get(principal: UserPrincipal): Promise<ClinicView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const clinic = await usersRepository.findClinic(tx, principal.clinicId);
      if (!clinic) throw DomainException.notFound('Clinic');
      return toClinicView(clinic);
    });
  }

  async update(principal: UserPrincipal, input: UpdateClinicInput): Promise<ClinicView> {
    const name = input.name?.trim();
    if (name !== undefined && !name) {
      throw invalid('name', 'name must not be blank');
    }
    if (input.timezone !== undefined && !isIanaTimeZone(input.timezone)) {
      throw invalid('timezone', 'timezone must be an IANA time zone such as Europe/Berlin');
    }
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const before = await usersRepository.findClinic(tx, principal.clinicId, { forUpdate: true });
      if (!before) throw DomainException.notFound('Clinic');
      const after = await usersRepository.updateClinic(tx, principal.clinicId, { name, timezone: input.timezone });
      // Only what changed, as before → after: a clinic's name and zone are not personal data.
      const changes: Record<string, { from: string; to: string }> = {};
      if (after.name !== before.name) changes.name = { from: before.name, to: after.name };
      if (after.timezone !== before.timezone) changes.timezone = { from: before.timezone, to: after.timezone };
      if (Object.keys(changes).length) {
        await this.audit.record(tx, {
          ...this.audit.entryFor(principal, 'clinic.update', 'clinic', principal.clinicId),
          detail: changes,
        });
      }
      return toClinicView(after);
    });
  }
}
