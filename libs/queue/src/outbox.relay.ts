import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { AppConfig } from '@mend/config';
import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { outboxJobId } from './job-options.js';
import { JobProducer } from './job.producer.js';
import { QUEUE_CONFIG } from './queue-connections.js';
import { isJobName, JOB_QUEUE, JobName, type JobItem } from './queue.registry.js';

export const OUTBOX_RELAY_BATCH_SIZE = 200;

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  payload: JobItem['data'];
  available_at: Date;
}

/**
 * The one job published before its row is due: the reminder sender re-reads its notification and
 * does nothing for a job that runs before the row's send time (a plan that moved), so a delayed
 * job is safe. Other jobs (webhook retries) are published when due.
 */
const PUBLISHED_AHEAD = JobName.ReminderSend;

/**
 * Publishes due outbox rows to BullMQ (worker only; several workers may run it at once).
 *
 * Per clinic, in a tenant transaction, due rows are locked with SKIP LOCKED (so two relays never
 * take the same row), each row's job is added with an id derived from the row, and the rows are
 * marked published. A crash after the add but before the commit leaves the rows unpublished; the
 * next pass adds them again under the same job ids, which BullMQ ignores while the first job is
 * retained (see COMPLETED_JOB_RETENTION) — so each row becomes exactly one job.
 *
 * Reminder sends due within `reminders.publishAheadMs` are published ahead as delayed jobs, so a
 * burst due at one instant (every partner's 20:00) is already waiting in the queue then: the
 * instant costs no outbox scan. The outbox stays the source of truth; the reconciler re-adds a
 * due, unsent reminder whose job the queue lost.
 *
 * The worker calls start() once the queue backend is ready; stop() (also on module destroy)
 * waits for a pass in progress.
 */
@Injectable()
export class OutboxRelay implements OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private isStopping = false;

  constructor(
    private readonly db: TenantDatabase,
    private readonly producer: JobProducer,
    @Inject(QUEUE_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.timer || this.running) return;
    this.isStopping = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a pass in progress to commit. */
  async stop(): Promise<void> {
    this.isStopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over due rows (up to `batchSize`); returns how many rows were published. */
  async relayOnce(batchSize = OUTBOX_RELAY_BATCH_SIZE): Promise<number> {
    const now = this.clock.now();
    const due: Array<{ clinic_id: string; id: string }> = await this.db.source.query(
      'SELECT clinic_id, id FROM mend_outbox_due($1, $2)',
      [batchSize, new Date(now.getTime() + this.config.reminders.publishAheadMs)],
    );
    const byClinic = new Map<string, string[]>();
    for (const row of due) byClinic.set(row.clinic_id, [...(byClinic.get(row.clinic_id) ?? []), row.id]);

    let published = 0;
    for (const [clinicId, ids] of byClinic) {
      try {
        published += await this.db.withClinic(clinicId, (tx) => this.publishClinic(tx, clinicId, ids, now));
      } catch (error) {
        // One clinic's failure (e.g. the queue backend refusing an add) must not hold up the others.
        this.logger.error({
          msg: 'outbox relay failed for a clinic; will retry',
          clinicId,
          error: errorMessage(error),
        });
      }
    }
    return published;
  }

  private async publishClinic(tx: EntityManager, clinicId: string, ids: string[], now: Date): Promise<number> {
    const rows: OutboxRow[] = await tx.query(
      `SELECT id, queue, job_name, payload, available_at FROM outbox
        WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND published_at IS NULL
          AND (available_at <= mend_now() OR (job_name = $3 AND available_at <= mend_now() + make_interval(secs => $4)))
        ORDER BY available_at, id
        FOR UPDATE SKIP LOCKED`,
      [clinicId, ids, PUBLISHED_AHEAD, this.config.reminders.publishAheadMs / 1000],
    );
    const publishable = rows.filter((row) => {
      const isKnown = isJobName(row.job_name) && JOB_QUEUE[row.job_name] === row.queue;
      if (!isKnown)
        this.logger.error({
          msg: 'outbox row names a job or queue missing from the registry; left unpublished',
          clinicId,
          outboxId: row.id,
          jobName: row.job_name,
        });
      return isKnown;
    });
    await Promise.all(
      publishable.map((row) =>
        this.producer.add({ name: row.job_name, data: row.payload } as JobItem, {
          jobId: outboxJobId(clinicId, row.id),
          delayMs: row.available_at.getTime() - now.getTime(),
        }),
      ),
    );
    await this.markPublished(
      tx,
      clinicId,
      publishable.map((row) => row.id),
    );
    return publishable.length;
  }

  protected async markPublished(tx: EntityManager, clinicId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(`UPDATE outbox SET published_at = mend_now() WHERE clinic_id = $1 AND id = ANY($2::uuid[])`, [
      clinicId,
      ids,
    ]);
  }

  private schedule(delayMs: number): void {
    if (this.isStopping) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    let published = 0;
    try {
      published = await this.relayOnce();
    } catch (error) {
      this.logger.error({ msg: 'outbox relay pass failed; will retry', error: errorMessage(error) });
    }
    // A full batch means more is probably due: go again at once instead of waiting.
    this.schedule(published >= OUTBOX_RELAY_BATCH_SIZE ? 0 : this.config.queue.relayIntervalMs);
  }
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
