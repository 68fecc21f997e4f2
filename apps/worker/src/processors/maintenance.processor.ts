import { Injectable } from '@nestjs/common';

import { ExpiredRowsPurge } from '@mend/check-in-page';
import { Clock } from '@mend/core';
import { ProgressService } from '@mend/progress';
import { ALL_CLINICS, JobName, QueueName, QueueProcessor, type JobHandlers } from '@mend/queue';
import { RemindersReconciler } from '@mend/reminders';

type Maintenance = typeof QueueName.Maintenance;

/** Background upkeep: alerts are stored as soon as the data that opens them lands; expired rows are purged. */
@Injectable()
export class MaintenanceProcessor extends QueueProcessor<Maintenance> {
  readonly queueName = QueueName.Maintenance;

  protected readonly handlers: JobHandlers<Maintenance> = {
    [JobName.ProgressRefresh]: async (job) => {
      await this.progress.refreshCouple(job.data.clinicId, job.data.coupleId, this.clock.now());
    },
    [JobName.RemindersReconcile]: async (job) => {
      const now = this.clock.now();
      await this.reconciler.run(job.data, now);
      // The same per-clinic, every-minute pass checks the alerts the clock opens (a missed streak
      // grows when an occurrence closes, with no request to trigger it).
      if (job.data.clinicId !== ALL_CLINICS) await this.progress.sweepAlerts(job.data.clinicId, now);
    },
    [JobName.ExpiredRowsPurge]: async (job) => {
      await this.purge.run(job.data, this.clock.now());
    },
  };

  constructor(
    private readonly progress: ProgressService,
    private readonly reconciler: RemindersReconciler,
    private readonly purge: ExpiredRowsPurge,
    private readonly clock: Clock,
  ) {
    super();
  }
}
