import { Injectable } from '@nestjs/common';

import { assertValidJobId, JOB_POLICIES, type JobPolicy } from './job-options.js';
import { QueueConnections } from './queue-connections.js';
import { isJobName, JOB_QUEUE, type JobItem, type JobName } from './queue.registry.js';

export interface AddJobOptions {
  /** Overrides the job's own deterministic id (the outbox relay passes the outbox row's). */
  jobId?: string;
  delayMs?: number;
}

/**
 * Adds registry jobs to their queue with their named policy. Ids are deterministic, so adding
 * the same job twice while the first is still retained is a no-op.
 *
 * Most code should not call this directly: announce work through the {@link OutboxWriter} in
 * the transaction that caused it, so a lost queue loses nothing.
 */
@Injectable()
export class JobProducer {
  constructor(private readonly connections: QueueConnections) {}

  async add(item: JobItem, options: AddJobOptions = {}): Promise<string> {
    if (!isJobName(item.name))
      throw new Error(`Unknown job "${String(item.name)}": add it to the queue registry first`);
    const policy = JOB_POLICIES[item.name] as JobPolicy<JobName>;
    const jobId = options.jobId ?? policy.jobId(item.data);
    assertValidJobId(jobId);
    const job = await this.connections.queue(JOB_QUEUE[item.name]).add(item.name, item.data, {
      ...policy.options,
      jobId,
      delay: options.delayMs && options.delayMs > 0 ? options.delayMs : undefined,
    });
    return job.id ?? jobId;
  }
}
