/** What a batch answers for each of its items, in the items' order. */
export type BatchOutcome = { ok: true } | { ok: false; error: unknown };

interface Waiting<I> {
  item: I;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface ClinicLane<I> {
  waiting: Array<Waiting<I>>;
  running: number;
  isScheduled: boolean;
}

/**
 * Group commit per clinic. Each BullMQ job still stands for one item (its own retries, its own
 * completion), but the jobs of one clinic that are active in this process at the same time share
 * one run: an item that arrives while the clinic's run is in flight waits for it to end and goes
 * with the others in the next run (or, when the batcher allows more than one run in flight and
 * enough items wait, in a run alongside). An idle lane runs at the next turn of the event loop, so a
 * lone item waits for nothing; a busy one batches by itself, as large as the worker's
 * concurrency allows (capped at `maxBatch`).
 *
 * A run answers one outcome per item, so one item's failure fails only its own job. A run that
 * throws as a whole (a deadlock, a row that breaks the shared statement) is retried item by item,
 * so one bad item cannot keep failing the jobs that happened to share its batch.
 */
export class ClinicBatcher<I> {
  private readonly lanes = new Map<string, ClinicLane<I>>();
  private readonly maxRunning: number;
  private readonly minParallelBatch: number;

  /**
   * `maxRunning` runs of a clinic may be in flight at once (default 1): a second one starts while
   * the first waits on the database only once `minParallelBatch` items wait for it, so a burst
   * overlaps one batch's reads with another's COMMIT without breaking into small batches.
   */
  constructor(
    private readonly run: (clinicId: string, items: I[]) => Promise<BatchOutcome[]>,
    private readonly maxBatch: number,
    options: { maxRunning?: number; minParallelBatch?: number } = {},
  ) {
    this.maxRunning = options.maxRunning ?? 1;
    this.minParallelBatch = options.minParallelBatch ?? 1;
  }

  submit(clinicId: string, item: I): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const lane = this.lanes.get(clinicId) ?? { waiting: [], running: 0, isScheduled: false };
      this.lanes.set(clinicId, lane);
      lane.waiting.push({ item, resolve, reject });
      this.schedule(clinicId, lane);
    });
  }

  private schedule(clinicId: string, lane: ClinicLane<I>): void {
    if (lane.isScheduled || lane.waiting.length === 0 || lane.running >= this.maxRunning) return;
    if (lane.running > 0 && lane.waiting.length < this.minParallelBatch) return;
    lane.isScheduled = true;
    // The next turn, not now: items submitted in the same turn (jobs fetched together) join.
    setImmediate(() => {
      lane.isScheduled = false;
      void this.flush(clinicId, lane);
    });
  }

  private async flush(clinicId: string, lane: ClinicLane<I>): Promise<void> {
    const batch = lane.waiting.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    lane.running += 1;
    try {
      const outcomes = await this.runSettled(
        clinicId,
        batch.map((w) => w.item),
      );
      batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome.ok) w.resolve();
        else w.reject(outcome.error);
      });
    } finally {
      lane.running -= 1;
      if (lane.waiting.length === 0 && lane.running === 0) this.lanes.delete(clinicId);
      else this.schedule(clinicId, lane);
    }
  }

  private async runSettled(clinicId: string, items: I[]): Promise<BatchOutcome[]> {
    try {
      const outcomes = await this.run(clinicId, items);
      if (outcomes.length !== items.length) throw new Error('a batch answered a different number of outcomes');
      return outcomes;
    } catch (error) {
      if (items.length === 1) return [{ ok: false, error }];
      const alone: BatchOutcome[] = [];
      for (const item of items) {
        try {
          alone.push(...(await this.run(clinicId, [item])));
        } catch (itemError) {
          alone.push({ ok: false, error: itemError });
        }
      }
      return alone;
    }
  }
}
