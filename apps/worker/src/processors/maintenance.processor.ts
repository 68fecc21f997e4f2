import { Injectable } from '@nestjs/common';

import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { ProgressService } from '@mend/progress';
import { ALL_CLINICS, JobName, QueueName, QueueProcessor, type JobHandlers } from '@mend/queue';
import { planAlertNotices, RemindersReconciler } from '@mend/reminders';

type Maintenance = typeof QueueName.Maintenance;

/** Background upkeep of clinical data: alerts are stored as soon as the data that opens them lands. */
@Injectable()
export class MaintenanceProcessor extends QueueProcessor<Maintenance> {
  readonly queueName = QueueName.Maintenance;

  protected readonly handlers: JobHandlers<Maintenance> = {
    [JobName.ProgressRefresh]: async (job) => {
      const { clinicId, coupleId } = job.data;
      await this.db.withClinic(clinicId, async (tx) => {
        // An erased couple leaves nothing to refresh.
        const [exists] = await tx.query(`SELECT 1 FROM couple WHERE clinic_id = $1 AND id = $2`, [clinicId, coupleId]);
        if (!exists) return;
        const now = this.clock.now();
        await this.progress.refreshAlerts(tx, clinicId, coupleId, now);
        // In the same transaction: an alert is never stored without its therapist notice planned.
        await planAlertNotices(tx, clinicId, coupleId, now);
      });
    },
    [JobName.RemindersReconcile]: async (job) => {
      if (job.data.clinicId === ALL_CLINICS) await this.reconciler.fanOut(this.clock.now());
      else
        await this.reconciler.reconcileClinic(job.data.clinicId, this.clock.now(), undefined, {
          isReplan: job.data.isReplan === true,
        });
    },
  };

  constructor(
    private readonly db: TenantDatabase,
    private readonly progress: ProgressService,
    private readonly reconciler: RemindersReconciler,
    private readonly clock: Clock,
  ) {
    super();
  }
}
