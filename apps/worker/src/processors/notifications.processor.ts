import { Injectable } from '@nestjs/common';

import { InvitationEmailHandler } from '@mend/identity';
import { JobName, QueueName, QueueProcessor, type JobHandlers } from '@mend/queue';
import { ReminderSender } from '@mend/reminders';

import { AccountEmailHandler } from './account-email.handler.js';

type Notifications = typeof QueueName.Notifications;

/** The notifications queue: one handler per job routed to it (checked at boot by QueueWorkers). */
@Injectable()
export class NotificationsProcessor extends QueueProcessor<Notifications> {
  readonly queueName = QueueName.Notifications;

  protected readonly handlers: JobHandlers<Notifications> = {
    [JobName.InvitationEmail]: async (job) => {
      await this.invitationEmail.handle(job.data);
    },
    [JobName.PasswordResetEmail]: async (job) => {
      await this.accountEmail.passwordReset(job.data);
    },
    [JobName.LoginFailuresEmail]: async (job) => {
      await this.accountEmail.loginFailures(job.data);
    },
    [JobName.ReminderSend]: async (job) => {
      await this.reminders.send(job.data.clinicId, job.data.notificationId, {
        isFinalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      });
    },
  };

  constructor(
    private readonly invitationEmail: InvitationEmailHandler,
    private readonly accountEmail: AccountEmailHandler,
    private readonly reminders: ReminderSender,
  ) {
    super();
  }
}
