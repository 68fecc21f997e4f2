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

/**
 * Webhook jobs: these retries only cover the worker's own failures (database, crash). A receiver
 * that fails is not a job failure: the delivery records the attempt and schedules the next one
 * through the outbox (exponential backoff for a day, see libs/integrations), so the schedule
 * lives in PostgreSQL and survives a lost Redis.
 */
export const WEBHOOK_JOB_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 5_000 } } as const;

/** Inbound scheduling events: a database transaction; quick retries ride out a restart. */
export const INBOUND_EVENT_RETRY = { attempts: 8, backoff: { type: 'exponential', delay: 5_000 } } as const;

/**
 * Reminder sends: 8 attempts, 15 s doubling (about an hour in all) rides out an SMTP outage; a
 * permanent refusal (bad address) is unrecoverable at once and recorded as failed.
 */
export const REMINDER_SEND_RETRY = { attempts: 8, backoff: { type: 'exponential', delay: 15_000 } } as const;

/** The reconciler runs every minute anyway: one retry is enough. */
export const REMINDERS_RECONCILE_RETRY = { attempts: 2, backoff: { type: 'fixed', delay: 10_000 } } as const;

/** The purge runs every hour and deletes idempotently: one retry, then the next pass. */
export const EXPIRED_ROWS_PURGE_RETRY = { attempts: 2, backoff: { type: 'fixed', delay: 60_000 } } as const;

export interface JobPolicy<K extends JobName> {
  options: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail' | 'priority'>;
  /** Deterministic id for a direct add (the outbox relay uses the outbox row id instead). */
  jobId(data: JobPayloads[K]): string;
}

export const JOB_POLICIES: { [K in JobName]: JobPolicy<K> } = {
  [JobName.InvitationEmail]: {
    options: {
      ...INVITATION_EMAIL_RETRY,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    },
    jobId: (data) => `invitation-email.${data.clinicId}.${data.invitationId}`,
  },
  [JobName.PasswordResetEmail]: {
    options: {
      ...INVITATION_EMAIL_RETRY,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    },
    jobId: (data) => `password-reset-email.${data.clinicId}.${data.resetId}`,
  },
  [JobName.LoginFailuresEmail]: {
    options: {
      ...INVITATION_EMAIL_RETRY,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    },
    jobId: (data) => `login-failures-email.${data.clinicId}.${data.userId}`,
  },
  [JobName.ProgressRefresh]: {
    options: {
      ...PROGRESS_REFRESH_RETRY,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    },
    // Announced through the outbox (one job per check-in, id from the outbox row); a direct add dedupes per couple.
    jobId: (data) => `progress-refresh.${data.clinicId}.${data.coupleId}`,
  },
  [JobName.WebhookFanout]: {
    options: { ...WEBHOOK_JOB_RETRY, removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION },
    jobId: (data) => `webhook-fanout.${data.clinicId}.${data.eventId}`,
  },
  [JobName.WebhookDelivery]: {
    options: { ...WEBHOOK_JOB_RETRY, removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION },
    jobId: (data) => `webhook-delivery.${data.clinicId}.${data.deliveryId}.${data.attempt}`,
  },
  [JobName.InboundEventProcess]: {
    options: { ...INBOUND_EVENT_RETRY, removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION },
    jobId: (data) => `integration-inbound.${data.clinicId}.${data.eventId}`,
  },
  [JobName.ReminderSend]: {
    options: { ...REMINDER_SEND_RETRY, removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION },
    // Normally announced through the outbox; the reconciler adds its own ids (see libs/reminders).
    jobId: (data) => `reminder-send.${data.clinicId}.${data.notificationId}`,
  },
  [JobName.RemindersReconcile]: {
    options: {
      ...REMINDERS_RECONCILE_RETRY,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    },
    jobId: (data) => `reminders-reconcile.${data.clinicId}`,
  },
  [JobName.ExpiredRowsPurge]: {
    options: {
      ...EXPIRED_ROWS_PURGE_RETRY,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    },
    jobId: (data) => `retention-purge.${data.clinicId}`,
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
