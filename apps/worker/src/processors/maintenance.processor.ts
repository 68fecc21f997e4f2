import { Injectable } from '@nestjs/common';

import { Clock } from '@mend/core';
import { ProgressService } from '@mend/progress';
import { JobName, QueueName, QueueProcessor, type JobHandlers } from '@mend/queue';
import { RemindersReconciler } from '@mend/reminders';

type Maintenance = typeof QueueName.Maintenance;

/** Background upkeep of clinical data: alerts are stored as soon as the data that opens them lands. */
@Injectable()
export class MaintenanceProcessor extends QueueProcessor<Maintenance> {
  readonly queueName = QueueName.Maintenance;

  protected readonly handlers: JobHandlers<Maintenance> = {
    [JobName.ProgressRefresh]: async (job) => {
      await this.progress.refreshCouple(job.data.clinicId, job.data.coupleId, this.clock.now());
    },
    [JobName.RemindersReconcile]: async (job) => {
      await this.reconciler.run(job.data, this.clock.now());
    },
  };

  constructor(
    private readonly progress: ProgressService,
    private readonly reconciler: RemindersReconciler,
    private readonly clock: Clock,
  ) {
    super();
  }
}
