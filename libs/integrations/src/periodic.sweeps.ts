import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { announceMissedOccurrences } from './webhooks/missed-occurrences.js';
import { clinicsListeningToMissedOccurrences } from './webhooks/webhooks.repository.js';

/**
 * Periodic work that has no triggering write: `occurrence.missed` (an occurrence closes by the
 * clock, not by a request). A timer per worker process, like the outbox relay; the pass is safe
 * to run from several workers at once (announcements are deduplicated per occurrence). It fans
 * out per clinic, and one clinic's failure does not stop the others. (Expired rows, Idempotency-Key
 * records among them, are purged by the retention.purge job: see ExpiredRowsPurge.)
 */
@Injectable()
export class PeriodicSweeps implements OnModuleDestroy {
  private readonly logger = new Logger(PeriodicSweeps.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private isStopping = false;

  constructor(
    private readonly db: TenantDatabase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.isStopping = false;
    this.every(this.config.webhooks.missedScanIntervalMs, () => this.announceMissedOnce());
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** One pass over the clinics with an endpoint listening to occurrence.missed; answers how many were announced. */
  async announceMissedOnce(now: Date = this.clock.now()): Promise<number> {
    let announced = 0;
    for (const clinicId of await clinicsListeningToMissedOccurrences(this.db.source)) {
      try {
        announced += await this.db.withClinic(clinicId, (tx) => announceMissedOccurrences(tx, clinicId, now));
      } catch (error) {
        this.logger.error({
          msg: 'occurrence.missed scan failed for a clinic; will retry',
          clinicId,
          error: errorMessage(error),
        });
      }
    }
    return announced;
  }

  private every(intervalMs: number, pass: () => Promise<unknown>): void {
    const run = () => {
      if (this.isStopping) return;
      const running = pass()
        .catch((error: unknown) =>
          this.logger.error({ msg: 'periodic sweep failed; will retry', error: errorMessage(error) }),
        )
        .finally(() => {
          this.running.delete(running);
          if (!this.isStopping) schedule(intervalMs);
        });
      this.running.add(running);
    };
    const schedule = (delayMs: number) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        run();
      }, delayMs);
      this.timers.add(timer);
    };
    schedule(0);
  }
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
