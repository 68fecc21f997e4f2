import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { TenantDatabase } from '@mend/database';
import {
  ALL_CLINICS,
  JobName,
  JobProducer,
  outboxDedupeId,
  outboxJobId,
  QueueConnections,
  QueueName,
  unpublishedOutboxIds,
  type RemindersReconcileJobData,
} from '@mend/queue';

import { notificationsRepository } from './notifications.repository.js';
import { OccurrenceHorizon } from './occurrence-horizon.js';
import { planPlanRatingReminders } from './plan-rating-reminders.js';
import { planOccurrenceReminders, replanPendingReminders } from './reminder-planner.js';

/** Due notifications re-added per clinic and pass; the next pass takes the rest. */
export const RECONCILE_BATCH = 1_000;

// Not 'active': a job of a killed worker stays active until BullMQ's stall check; a re-added job is harmless
// (the send is claimed in PostgreSQL), so only a job still waiting to run counts as live.
const LIVE_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * An `active` job whose notification recorded a failed attempt this recently is that attempt,
 * between the record's commit and BullMQ moving the job to its backoff: it counts as live (a job
 * re-added then would run the retry at once). Any other active job may be a dead worker's and
 * is not waited for. BullMQ's lock duration: a dead worker's job is handed on by then anyway.
 */
export const FAILED_ATTEMPT_SETTLE_MS = 30_000;

export interface ReconcileResult {
  clinics: number;
  failedClinics: number;
  requeued: number;
}

/**
 * The reminder reconciler (every minute, from a job scheduler that fans out one job per
 * clinic): per clinic, tops up the occurrence horizon, plans reminders that came into range (homework, and each
 * partner's weekly repair-plan rating), and re-adds every due, unsent
 * notification that has no live job. One clinic's failure is logged and does not stop the others.
 */
@Injectable()
export class RemindersReconciler {
  private readonly logger = new Logger(RemindersReconciler.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly producer: JobProducer,
    private readonly connections: QueueConnections,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly horizon: OccurrenceHorizon,
  ) {}

  /**
   * The scheduled pass: one job per clinic (ids only), so clinics reconcile in parallel across
   * worker processes and one clinic's failure is retried on its own. Job ids carry the interval,
   * so a pass is added once however many schedulers fire.
   */
  async fanOut(now: Date): Promise<number> {
    const pass = Math.floor(now.getTime() / this.config.reminders.reconcileIntervalMs);
    let added = 0;
    for (const clinicId of await this.db.clinicIds()) {
      await this.producer.add(
        { name: JobName.RemindersReconcile, data: { clinicId } },
        { jobId: `reminders-reconcile.${clinicId}.pass-${pass}` },
      );
      added++;
    }
    return added;
  }

  /** A reminders-reconcile job: the scheduled fan-out, or one clinic's pass. */
  async run(data: RemindersReconcileJobData, now: Date): Promise<void> {
    if (data.clinicId === ALL_CLINICS) await this.fanOut(now);
    else await this.reconcileClinic(data.clinicId, now, undefined, { isReplan: data.isReplan === true });
  }

  /**
   * Every clinic in this process, one after the other (operators, tests and benchmarks).
   * `graceMs` (default REMINDERS_RECONCILE_GRACE_MS): a due notification is only re-added when
   * its send has been due this long. The outbox relay publishes on time, so anything older
   * without a live job was lost (Redis flushed, a job removed) or abandoned.
   */
  async reconcileAll(now: Date, graceMs = this.config.reminders.reconcileGraceMs): Promise<ReconcileResult> {
    const result: ReconcileResult = { clinics: 0, failedClinics: 0, requeued: 0 };
    for (const clinicId of await this.db.clinicIds()) {
      result.clinics++;
      try {
        result.requeued += await this.reconcileClinic(clinicId, now, graceMs);
      } catch (error) {
        result.failedClinics++;
        this.logger.error({
          msg: 'reminder reconciliation failed for a clinic; will retry',
          clinicId,
          error: errorMessage(error),
        });
      }
    }
    return result;
  }

  /** One clinic; with `isReplan` (its reminder settings changed) every planned send is planned again first. */
  async reconcileClinic(
    clinicId: string,
    now: Date,
    graceMs = this.config.reminders.reconcileGraceMs,
    options: { isReplan?: boolean } = {},
  ): Promise<number> {
    const due = await this.db.withClinic(clinicId, async (tx) => {
      if (options.isReplan) await replanPendingReminders(tx, clinicId, {}, now);
      await this.horizon.ensure(tx, clinicId, now);
      await planOccurrenceReminders(tx, clinicId, {}, now);
      await planPlanRatingReminders(tx, clinicId, {}, now);
      return this.dueWithoutPendingOutbox(tx, clinicId, now, graceMs);
    });
    const queue = this.connections.queue(QueueName.Notifications);
    let requeued = 0;
    for (const row of due) {
      const announced = outboxJobId(
        clinicId,
        outboxDedupeId(clinicId, JobName.ReminderSend, `${row.id}.${row.send_at.getTime()}`),
      );
      const job = await queue.getJob(announced);
      if (job) {
        const state = await job.getState();
        if (LIVE_STATES.has(state) || (state === 'active' && row.has_just_failed)) continue;
      }
      await this.producer.add(
        { name: JobName.ReminderSend, data: { clinicId, notificationId: row.id } },
        { jobId: `reminder-reconcile.${clinicId}.${row.id}.${Math.floor(now.getTime() / 60_000)}` },
      );
      requeued++;
    }
    if (requeued > 0) this.logger.warn({ msg: 'due reminders had no job; re-added', clinicId, requeued });
    return requeued;
  }

  /** Due, unsent, unclaimed (or abandoned) notifications whose announcement the relay has published. */
  private async dueWithoutPendingOutbox(
    tx: EntityManager,
    clinicId: string,
    now: Date,
    graceMs: number,
  ): Promise<Array<{ id: string; send_at: Date; has_just_failed: boolean }>> {
    const rows = await notificationsRepository.dueUnsent(
      tx,
      clinicId,
      new Date(now.getTime() - graceMs),
      new Date(now.getTime() - this.config.reminders.claimLeaseMs),
      RECONCILE_BATCH,
      new Date(now.getTime() - FAILED_ATTEMPT_SETTLE_MS),
    );
    if (rows.length === 0) return rows;
    const outboxIds = rows.map((r) => outboxDedupeId(clinicId, JobName.ReminderSend, `${r.id}.${r.send_at.getTime()}`));
    const waiting = new Set(await unpublishedOutboxIds(tx, clinicId, outboxIds));
    return rows.filter((_, i) => !waiting.has(outboxIds[i]));
  }
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
