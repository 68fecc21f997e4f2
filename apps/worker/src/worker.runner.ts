import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  ALL_CLINICS,
  JOB_POLICIES,
  JobName,
  OutboxRelay,
  QueueConnections,
  QueueName,
  REMINDERS_RECONCILE_EVERY_MS,
  type RunnableProcessor,
  QueueWorkers,
  withTimeout,
} from '@mend/queue';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { IntegrationsProcessor } from './processors/integrations.processor.js';
import { NotificationsProcessor } from './processors/notifications.processor.js';
import { PeriodicSweeps } from './processors/periodic.sweeps.js';
import { WebhooksProcessor } from './processors/webhooks.processor.js';

/**
 * How long active jobs get to finish on SIGTERM before the workers are force-closed (their
 * locks then lapse and BullMQ hands them to another worker as stalled). Below the launcher's
 * and Docker's 10 s stop timeout, so the process exits on its own.
 */
export const WORKER_SHUTDOWN_GRACE_MS = 8_000;

/** A worker that cannot reach its backend at boot exits (and is restarted) rather than idling. */
export const BACKEND_READY_TIMEOUT_MS = 30_000;

/** Starts the BullMQ workers (one per processor) and the outbox relay; drains them on shutdown. */
@Injectable()
export class WorkerRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerRunner.name);
  private readonly processors: RunnableProcessor[];

  constructor(
    private readonly connections: QueueConnections,
    private readonly workers: QueueWorkers,
    private readonly relay: OutboxRelay,
    notifications: NotificationsProcessor,
    maintenance: MaintenanceProcessor,
    webhooks: WebhooksProcessor,
    integrations: IntegrationsProcessor,
    private readonly sweeps: PeriodicSweeps,
  ) {
    this.processors = [notifications, maintenance, webhooks, integrations];
  }

  async start(): Promise<void> {
    await withTimeout(
      this.connections.waitUntilReady(),
      BACKEND_READY_TIMEOUT_MS,
      `the ${this.connections.backend} queue backend was not ready within ${BACKEND_READY_TIMEOUT_MS / 1000} s`,
    );
    await this.warnUnlessNoEviction();
    this.workers.start(this.processors);
    await this.scheduleReminderReconciler();
    this.relay.start();
    this.sweeps.start();
    this.logger.log({ msg: 'worker ready', backend: this.connections.backend });
  }

  /** Relay first (no new jobs from this process), then the workers finish or release theirs. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.sweeps.stop();
    await this.workers.close(WORKER_SHUTDOWN_GRACE_MS);
  }

  /**
   * The reminder reconciler runs every minute from a job scheduler: upserting it from every
   * worker is idempotent, and one scheduler means one run per minute however many workers run.
   */
  private async scheduleReminderReconciler(): Promise<void> {
    const name = JobName.RemindersReconcile;
    const { attempts, backoff, removeOnComplete, removeOnFail } = JOB_POLICIES[name].options;
    await this.connections
      .queue(QueueName.Maintenance)
      .upsertJobScheduler('reminders-reconcile', { every: REMINDERS_RECONCILE_EVERY_MS }, { name, data: { clinicId: ALL_CLINICS }, opts: { attempts, backoff, removeOnComplete, removeOnFail } });
  }

  /** An evicting Redis silently drops jobs and locks; BullMQ needs `noeviction`. */
  private async warnUnlessNoEviction(): Promise<void> {
    if (this.connections.backend !== 'redis') return;
    try {
      const policy = await this.connections.redisEvictionPolicy();
      if (policy !== 'noeviction') {
        this.logger.warn({ msg: `Redis maxmemory-policy is ${policy ?? 'unknown'}; set it to noeviction or queued jobs can be lost`, policy });
      }
    } catch (error) {
      this.logger.warn({ msg: 'could not read Redis maxmemory-policy; make sure it is noeviction', error: error instanceof Error ? error.message : String(error) });
    }
  }
}
