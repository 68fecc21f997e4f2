/**
 * The one typed registry of queues, job names and payloads. Payloads carry ids only:
 * handlers re-read the database, so a payload never holds clinical content or personal data.
 */
export const QueueName = {
  Notifications: 'notifications',
  Maintenance: 'maintenance',
  Webhooks: 'webhooks',
  Integrations: 'integrations',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  InvitationEmail: 'invitation.email',
  PasswordResetEmail: 'password-reset.email',
  LoginFailuresEmail: 'login-failures.email',
  ProgressRefresh: 'progress.refresh',
  WebhookFanout: 'webhook.fanout',
  WebhookDelivery: 'webhook.delivery',
  InboundEventProcess: 'integration.inbound',
  ReminderSend: 'reminder.send',
  RemindersReconcile: 'reminders.reconcile',
  ExpiredRowsPurge: 'retention.purge',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface InvitationEmailJobData {
  clinicId: string;
  invitationId: string;
}

/** Mints the token of a requested password reset and emails its link (the API stores no token). */
export interface PasswordResetEmailJobData {
  clinicId: string;
  resetId: string;
}

/** Tells an account's owner that their sign-in failed repeatedly (from any source). */
export interface LoginFailuresEmailJobData {
  clinicId: string;
  userId: string;
}

/** Re-reads a couple's check-ins and stores any alert that has opened (a check-in just landed). */
export interface ProgressRefreshJobData {
  clinicId: string;
  coupleId: string;
}

/** Creates one delivery per endpoint listening to a stored webhook event (announceEvent). */
export interface WebhookFanoutJobData {
  clinicId: string;
  eventId: string;
}

/** Attempt number `attempt` of one webhook delivery; the next attempt is a new job. */
export interface WebhookDeliveryJobData {
  clinicId: string;
  deliveryId: string;
  attempt: number;
}

/** Applies a verified, stored event from a scheduling tool (Cal.com, Calendly) to Mend's sessions. */
export interface InboundEventProcessJobData {
  clinicId: string;
  eventId: string;
}

/** Sends (or skips, defers, merges) one planned notification; re-reads it at send time. */
export interface ReminderSendJobData {
  clinicId: string;
  notificationId: string;
}

/**
 * The reminder reconciler, run by a job scheduler every minute. `clinicId` is
 * {@link ALL_CLINICS} for the scheduled fan-out over every clinic, or one clinic's id.
 */
export interface RemindersReconcileJobData {
  clinicId: string;
  /** Also plan again every planned, unsent reminder of the clinic (its reminder settings changed). */
  isReplan?: boolean;
}

/**
 * Deletes rows that stopped working (expired Idempotency-Key records, check-in links and page
 * sessions, spent password resets and invitations, ended sign-in families), run by a job
 * scheduler every hour. `clinicId` is {@link ALL_CLINICS} for the fan-out, or one clinic's id.
 */
export interface ExpiredRowsPurgeJobData {
  clinicId: string;
}

/** The clinic id of platform-wide periodic jobs that fan out per clinic themselves. */
export const ALL_CLINICS = 'all-clinics';

/** Maps each job name to its payload and queue. Adding a job means adding it here first. */
export interface JobPayloads {
  [JobName.InvitationEmail]: InvitationEmailJobData;
  [JobName.PasswordResetEmail]: PasswordResetEmailJobData;
  [JobName.LoginFailuresEmail]: LoginFailuresEmailJobData;
  [JobName.ProgressRefresh]: ProgressRefreshJobData;
  [JobName.WebhookFanout]: WebhookFanoutJobData;
  [JobName.WebhookDelivery]: WebhookDeliveryJobData;
  [JobName.InboundEventProcess]: InboundEventProcessJobData;
  [JobName.ReminderSend]: ReminderSendJobData;
  [JobName.RemindersReconcile]: RemindersReconcileJobData;
  [JobName.ExpiredRowsPurge]: ExpiredRowsPurgeJobData;
}

/** Every payload names its clinic: handlers open a tenant transaction with it, logs carry it. */
type EveryPayloadHasClinic = { [K in JobName]: JobPayloads[K] extends { clinicId: string } ? true : never }[JobName];
const everyPayloadHasClinic: EveryPayloadHasClinic = true;
void everyPayloadHasClinic;

export const JOB_QUEUE = {
  [JobName.InvitationEmail]: QueueName.Notifications,
  [JobName.PasswordResetEmail]: QueueName.Notifications,
  [JobName.LoginFailuresEmail]: QueueName.Notifications,
  [JobName.ProgressRefresh]: QueueName.Maintenance,
  [JobName.WebhookFanout]: QueueName.Webhooks,
  [JobName.WebhookDelivery]: QueueName.Webhooks,
  [JobName.InboundEventProcess]: QueueName.Integrations,
  [JobName.ReminderSend]: QueueName.Notifications,
  [JobName.RemindersReconcile]: QueueName.Maintenance,
  [JobName.ExpiredRowsPurge]: QueueName.Maintenance,
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
