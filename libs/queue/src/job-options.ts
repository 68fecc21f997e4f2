import type { JobsOptions, KeepJobs } from 'bullmq';
import { JobName, type JobPayloads } from './queue.registry.js';

/**
 * Completed jobs are kept for a day. Besides making recent work visible to operators, this is
 * what turns a deterministic job id into deduplication: adding a job whose id still exists is a
 * no-op, so the outbox relay can re-add a row after a crash without doubling its job. No count
 * cap, because a cap could evict a job inside that window under load (payloads are ids only).
 */
export const COMPLETED_JOB_RETENTION: KeepJobs = { age: 24 * 60 * 60 };

/** Failed jobs stay a week for investigation, capped so a failure storm cannot fill the backend. */
export const FAILED_JOB_RETENTION: KeepJobs = { age: 7 * 24 * 60 * 60, count: 50_000 };

/** Invitation emails: 6 attempts, 30 s doubling (about 15 minutes in all) covers an SMTP outage blip. */
export const INVITATION_EMAIL_RETRY = { attempts: 6, backoff: { type: 'exponential', delay: 30_000 } } as const;

/** Alert refresh: a database read and a small insert; a few quick retries ride out a restart. */
export const PROGRESS_REFRESH_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 5_000 } } as const;

export interface JobPolicy<K extends JobName> {
  options: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail' | 'priority'>;
  /** Deterministic id for a direct add (the outbox relay uses the outbox row id instead). */
  jobId(data: JobPayloads[K]): string;
}

export const JOB_POLICIES: { [K in JobName]: JobPolicy<K> } = {
  [JobName.InvitationEmail]: {
    options: { ...INVITATION_EMAIL_RETRY, removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION },
    jobId: (data) => `invitation-email.${data.clinicId}.${data.invitationId}`,
  },
  [JobName.ProgressRefresh]: {
    options: { ...PROGRESS_REFRESH_RETRY, removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION },
    // Announced through the outbox (one job per check-in, id from the outbox row); a direct add dedupes per couple.
    jobId: (data) => `progress-refresh.${data.clinicId}.${data.coupleId}`,
  },
};

/** BullMQ uses ':' as its key separator and rejects integer-like custom ids. */
const JOB_ID = /^(?!\d+$)[A-Za-z0-9._-]{1,200}$/;

export function assertValidJobId(jobId: string): void {
  if (!JOB_ID.test(jobId)) throw new Error(`Invalid job id "${jobId}": use letters, digits, '.', '_' or '-' (no ':')`);
}

/** The job id of an outbox row: stable across relay restarts, so a re-add is deduplicated. */
export function outboxJobId(clinicId: string, outboxId: string): string {
  return `outbox.${clinicId}.${outboxId}`;
}
