import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { DomainException, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { JobName, OutboxWriter } from '@mend/queue';

import { clinicSettingsRepository } from './clinic-settings.repository.js';
import { clinicReminderSettings, type ClinicReminderSettings } from './reminder-settings.js';
import type { QuietHours } from './reminder-time.js';

export interface UpdateClinicReminderSettingsInput {
  quietHours?: QuietHours;
  dailyCap?: number;
  isDiscreet?: boolean;
  overdueAfterMinutes?: number;
  sessionReminderHours?: number;
  homeworkLeadMinutes?: number;
  urgentAlertsBreakQuietHours?: boolean;
  planRatingWeekday?: number;
  planRatingTime?: string;
}

/**
 * The clinic's reminder defaults (quiet hours, daily cap, discreet mode, overdue delay, session
 * reminder lead). Admins change them; everyone on the staff may read them. A change is saved,
 * audited and followed by a re-plan of the clinic's planned reminders, announced through the
 * outbox in the same transaction so it cannot be lost; what is decided at send time (quiet
 * hours, cap, discreet titles) already follows the new settings from the next send.
 */
@Injectable()
export class ClinicReminderSettingsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
  ) {}

  async get(principal: UserPrincipal): Promise<ClinicReminderSettings> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const clinic = await clinicSettingsRepository.find(tx, principal.clinicId);
      if (!clinic) throw DomainException.notFound('Clinic');
      return clinicReminderSettings(clinic.settings);
    });
  }

  async update(principal: UserPrincipal, input: UpdateClinicReminderSettingsInput): Promise<ClinicReminderSettings> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const clinic = await clinicSettingsRepository.find(tx, principal.clinicId, { lock: true });
      if (!clinic) throw DomainException.notFound('Clinic');
      const current = clinicReminderSettings(clinic.settings);
      const next: ClinicReminderSettings = {
        quietHours: input.quietHours
          ? { start: input.quietHours.start, end: input.quietHours.end }
          : current.quietHours,
        dailyCap: input.dailyCap ?? current.dailyCap,
        isDiscreet: input.isDiscreet ?? current.isDiscreet,
        overdueAfterMinutes: input.overdueAfterMinutes ?? current.overdueAfterMinutes,
        sessionReminderHours: input.sessionReminderHours ?? current.sessionReminderHours,
        homeworkLeadMinutes: input.homeworkLeadMinutes ?? current.homeworkLeadMinutes,
        urgentAlertsBreakQuietHours: input.urgentAlertsBreakQuietHours ?? current.urgentAlertsBreakQuietHours,
        planRatingWeekday: input.planRatingWeekday ?? current.planRatingWeekday,
        planRatingTime: input.planRatingTime ?? current.planRatingTime,
      };
      await clinicSettingsRepository.writeReminderSettings(tx, principal.clinicId, next);
      if (JSON.stringify(next) !== JSON.stringify(current)) {
        await this.outbox.enqueue(tx, principal.clinicId, {
          name: JobName.RemindersReconcile,
          data: { clinicId: principal.clinicId, isReplan: true },
        });
      }
      await this.audit.record(
        tx,
        this.audit.entryFor(principal, 'clinic.update_reminder_settings', 'clinic', principal.clinicId),
      );
      return next;
    });
  }
}
