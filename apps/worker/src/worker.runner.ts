import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

import { EXPIRED_ROWS_PURGE_INTERVAL_MS } from '@mend/check-in-page';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { PeriodicSweeps } from '@mend/integrations';
import {
  ALL_CLINICS,
  JOB_POLICIES,
  JobName,
  OutboxRelay,
  QueueConnections,
  QueueName,
  QueueWorkers,
  withTimeout,
  type RunnableProcessor,
} from '@mend/queue';

import { IntegrationsProcessor } from './processors/integrations.processor.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { NotificationsProcessor } from './processors/notifications.processor.js';
import { WebhooksProcessor } from './processors/webhooks.processor.js';

/**
 * How long active jobs get to finish on SIGTERM before the workers are force-closed (their
 * locks then lapse and BullMQ hands them to another worker as stalled). Below the launcher's
 * and Docker's 10 s stop timeout, so the process exits on its own.
 */
export const WORKER_SHUTDOWN_GRACE_MS = 8_000;

const RECONCILER_SCHEDULER_ID = 'reminders-reconcile';
export const EXPIRED_ROWS_PURGE_SCHEDULER_ID = 'retention-purge';

/** A worker that cannot reach its backend at boot exits (and is restarted) rather than idling. */
export const BACKEND_READY_TIMEOUT_MS = 30_000;

/** Starts the BullMQ workers (one per processor) and the outbox relay; drains them on shutdown. */
@Injectable()
export class WorkerRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerRunner.name);
  private readonly processors: RunnableProcessor[];
  private schedulerWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: QueueConnections,
    private readonly workers: QueueWorkers,
    private readonly relay: OutboxRelay,
    notifications: NotificationsProcessor,
    maintenance: MaintenanceProcessor,
    webhooks: WebhooksProcessor,
    integrations: IntegrationsProcessor,
    private readonly sweeps: PeriodicSweeps,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    await this.scheduleExpiredRowsPurge();
    this.watchReminderReconciler();
    this.relay.start();
    this.sweeps.start();
    this.logger.log({ msg: 'worker ready', backend: this.connections.backend });
  }

  /** Relay first (no new jobs from this process), then the workers finish or release theirs. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.schedulerWatch);
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
      .upsertJobScheduler(
        RECONCILER_SCHEDULER_ID,
        { every: this.config.reminders.reconcileIntervalMs },
        { name, data: { clinicId: ALL_CLINICS }, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
      );
  }

  /** Retention: rows that stopped working are deleted every hour (one scheduler, fanned out per clinic). */
  private async scheduleExpiredRowsPurge(): Promise<void> {
    const name = JobName.ExpiredRowsPurge;
    const { attempts, backoff, removeOnComplete, removeOnFail } = JOB_POLICIES[name].options;
    await this.connections
      .queue(QueueName.Maintenance)
      .upsertJobScheduler(
        EXPIRED_ROWS_PURGE_SCHEDULER_ID,
        { every: EXPIRED_ROWS_PURGE_INTERVAL_MS },
        { name, data: { clinicId: ALL_CLINICS }, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
      );
  }

  /**
   * The scheduler lives in the queue backend, so a Redis that lost its data (FLUSHALL, a restart
   * without persistence) loses it too, and with it the one job that would recover the lost
   * reminders. Every worker looks for it once per interval and puts it back when it is gone.
   */
  private watchReminderReconciler(): void {
    this.schedulerWatch = setInterval(() => {
      void this.ensureReminderReconciler().catch((error: unknown) =>
        this.logger.warn({
          msg: 'could not check the reminder reconciler schedule; will retry',
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }, this.config.reminders.reconcileIntervalMs);
    this.schedulerWatch.unref();
  }

  private async ensureReminderReconciler(): Promise<boolean> {
    const queue = this.connections.queue(QueueName.Maintenance);
    // The purge's schedule is lost with the same data; it is put back on the same watch.
    if (!(await queue.getJobScheduler(EXPIRED_ROWS_PURGE_SCHEDULER_ID))) await this.scheduleExpiredRowsPurge();
    if (await queue.getJobScheduler(RECONCILER_SCHEDULER_ID)) return false;
    await this.scheduleReminderReconciler();
    this.logger.warn({
      msg: 'the reminder reconciler schedule was missing (the queue backend lost its data?); re-created it',
    });
    return true;
  }

  /** An evicting Redis silently drops jobs and locks; BullMQ needs `noeviction`. */
  private async warnUnlessNoEviction(): Promise<void> {
    if (this.connections.backend !== 'redis') return;
    try {
      const policy = await this.connections.redisEvictionPolicy();
      if (policy !== 'noeviction') {
        this.logger.warn({
          msg: `Redis maxmemory-policy is ${policy ?? 'unknown'}; set it to noeviction or queued jobs can be lost`,
          policy,
        });
      }
    } catch (error) {
      this.logger.warn({
        msg: 'could not read Redis maxmemory-policy; make sure it is noeviction',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
