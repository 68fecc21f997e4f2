import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { Clock, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { requireCouple } from './couple-access.js';
import { couplesRepository, type CoupleRecords } from './couples.repository.js';

/** Everything Mend holds about one couple, for a records request. */
export interface CoupleExport extends CoupleRecords {
  exportedAt: Date;
}

/**
 * Data rights: export and erasure. These are the one place an admin may read clinical content,
 * and both are audited. Erasure deletes the couple and its partners' accounts; audit events keep
 * only ids, so the log still shows who did what without the data.
 */
@Injectable()
export class CoupleRecordsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async export(principal: UserPrincipal, coupleId: string): Promise<CoupleExport> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { admin: true });
      const records = await couplesRepository.records(tx, principal.clinicId, coupleId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'couple.export', 'couple', coupleId));
      return { exportedAt: this.clock.now(), ...records };
    });
  }

  async erase(principal: UserPrincipal, coupleId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, { admin: true }, { lock: true });
      await couplesRepository.erase(tx, principal.clinicId, coupleId, couple.partnerIds);
      await this.audit.record(tx, this.audit.entryFor(principal, 'couple.erase', 'couple', coupleId));
    });
  }
}
