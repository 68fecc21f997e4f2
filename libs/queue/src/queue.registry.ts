/**
 * The one typed registry of queues, job names and payloads. Payloads carry ids only:
 * handlers re-read the database, so a payload never holds clinical content or personal data.
 */
export const QueueName = {
  Notifications: 'notifications',
  Maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  InvitationEmail: 'invitation.email',
  ProgressRefresh: 'progress.refresh',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface InvitationEmailJobData {
  clinicId: string;
  invitationId: string;
}

/** Re-reads a couple's check-ins and stores any alert that has opened (a check-in just landed). */
export interface ProgressRefreshJobData {
  clinicId: string;
  coupleId: string;
}

/** Maps each job name to its payload and queue. Adding a job means adding it here first. */
export interface JobPayloads {
  [JobName.InvitationEmail]: InvitationEmailJobData;
  [JobName.ProgressRefresh]: ProgressRefreshJobData;
}

/** Every payload names its clinic: handlers open a tenant transaction with it, logs carry it. */
type EveryPayloadHasClinic = { [K in JobName]: JobPayloads[K] extends { clinicId: string } ? true : never }[JobName];
const everyPayloadHasClinic: EveryPayloadHasClinic = true;
void everyPayloadHasClinic;

export const JOB_QUEUE = {
  [JobName.InvitationEmail]: QueueName.Notifications,
  [JobName.ProgressRefresh]: QueueName.Maintenance,
} as const satisfies { [K in JobName]: QueueName };

export type JobItem = { [K in JobName]: { name: K; data: JobPayloads[K] } }[JobName];

/** The job names routed to queue Q. */
export type JobsOnQueue<Q extends QueueName> = { [K in JobName]: (typeof JOB_QUEUE)[K] extends Q ? K : never }[JobName];

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);
export const ALL_JOBS: readonly JobName[] = Object.values(JobName);

export function isJobName(value: string): value is JobName {
  return (ALL_JOBS as readonly string[]).includes(value);
}

export function jobsOnQueue(queue: QueueName): JobName[] {
  return ALL_JOBS.filter((name) => JOB_QUEUE[name] === queue);
}
