import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';

import type { JobName, JobPayloads, JobsOnQueue, QueueName } from './queue.registry.js';

export type RegistryJob<K extends JobName> = Job<JobPayloads[K], unknown, K>;

/** Exactly one handler per job routed to queue Q: a missing or extra key does not compile. */
export type JobHandlers<Q extends QueueName> = { [K in JobsOnQueue<Q>]: (job: RegistryJob<K>) => Promise<void> };

/** What the worker runner needs of a processor, whatever its queue. */
export interface RunnableProcessor {
  readonly queueName: QueueName;
  handledJobNames(): string[];
  process(job: Job): Promise<void>;
}

/**
 * One per queue. BullMQ has no named processors, so `process` dispatches on the job name
 * through the typed handler map, and logs each job's start and end with its id, name, clinic
 * and duration — never its data.
 */
export abstract class QueueProcessor<Q extends QueueName = QueueName> implements RunnableProcessor {
  abstract readonly queueName: Q;
  protected abstract readonly handlers: JobHandlers<Q>;
  private readonly jobLogger = new Logger(this.constructor.name);

  handledJobNames(): string[] {
    return Object.keys(this.handlers);
  }

  async process(job: Job): Promise<void> {
    const handler = (this.handlers as unknown as Record<string, ((job: Job) => Promise<void>) | undefined>)[job.name];
    const context = {
      jobId: job.id,
      jobName: job.name,
      clinicId: (job.data as { clinicId?: unknown } | undefined)?.clinicId,
      attempt: job.attemptsMade + 1,
    };
    if (!handler) throw new UnrecoverableError(`No handler for job ${job.name} on queue ${this.queueName}`);
    const startedAt = performance.now();
    this.jobLogger.log({ msg: 'job started', ...context });
    try {
      await handler(job);
      this.jobLogger.log({ msg: 'job completed', ...context, durationMs: Math.round(performance.now() - startedAt) });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.jobLogger.warn({
        msg: 'job failed',
        ...context,
        durationMs: Math.round(performance.now() - startedAt),
        isFinal: err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        error: `${err.name}: ${err.message.slice(0, 200)}`,
      });
      throw err;
    }
  }
}
