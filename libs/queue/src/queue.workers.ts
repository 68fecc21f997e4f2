import { Inject, Injectable, Logger } from '@nestjs/common';

import type { AppConfig } from '@mend/config';

import { QUEUE_CONFIG, QueueConnections, type MendWorker } from './queue-connections.js';
import type { RunnableProcessor } from './queue.processor.js';
import { ALL_QUEUES, jobsOnQueue, QueueName } from './queue.registry.js';

/**
 * Checks at boot that every registry job has exactly one handler: one processor per queue that
 * has jobs, covering exactly that queue's jobs. Throws listing every problem.
 */
export function assertProcessorsMatchRegistry(processors: readonly RunnableProcessor[]): void {
  const problems: string[] = [];
  for (const queue of ALL_QUEUES) {
    const owners = processors.filter((p) => p.queueName === queue);
    const expected = jobsOnQueue(queue);
    if (owners.length > 1)
      problems.push(
        `queue ${queue} has ${owners.length} processors (${owners.map((p) => p.constructor.name).join(', ')})`,
      );
    if (owners.length === 0 && expected.length > 0)
      problems.push(`queue ${queue} has no processor for ${expected.join(', ')}`);
    for (const owner of owners) {
      const handled = owner.handledJobNames();
      for (const name of expected)
        if (!handled.includes(name)) problems.push(`${owner.constructor.name} has no handler for ${name}`);
      for (const name of handled) {
        if (!(expected as string[]).includes(name))
          problems.push(`${owner.constructor.name} handles ${name}, which the registry does not route to ${queue}`);
      }
    }
  }
  for (const processor of processors) {
    if (!ALL_QUEUES.includes(processor.queueName))
      problems.push(`${processor.constructor.name} processes unknown queue ${processor.queueName}`);
  }
  if (problems.length > 0)
    throw new Error(`Job processors do not match the queue registry:\n  - ${problems.join('\n  - ')}`);
}

/** Runs one BullMQ worker per processor and closes them gracefully. */
@Injectable()
export class QueueWorkers {
  private readonly logger = new Logger(QueueWorkers.name);
  private readonly workers: MendWorker[] = [];

  constructor(
    private readonly connections: QueueConnections,
    @Inject(QUEUE_CONFIG) private readonly config: AppConfig,
  ) {}

  start(processors: readonly RunnableProcessor[]): void {
    assertProcessorsMatchRegistry(processors);
    for (const processor of processors) {
      const concurrency =
        processor.queueName === QueueName.Notifications
          ? this.config.queue.notificationsConcurrency
          : this.config.queue.workerConcurrency;
      const worker = this.connections.createWorker(processor.queueName, (job) => processor.process(job), {
        concurrency,
      });
      this.workers.push(worker);
      this.logger.log({
        msg: 'worker started',
        queue: processor.queueName,
        backend: this.connections.backend,
        concurrency,
      });
    }
  }

  /** Stops fetching, lets active jobs finish for up to `timeoutMs`, then releases the rest. */
  async close(timeoutMs = 25_000): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => this.connections.closeWorker(worker, timeoutMs)));
  }
}
