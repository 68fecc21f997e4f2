import { Injectable } from '@nestjs/common';
import { type JobHandlers, JobName, QueueName, QueueProcessor } from '@mend/queue';
import { InvitationEmailHandler } from './invitation-email.handler.js';

type Notifications = typeof QueueName.Notifications;

/** The notifications queue: one handler per job routed to it (checked at boot by QueueWorkers). */
@Injectable()
export class NotificationsProcessor extends QueueProcessor<Notifications> {
  readonly queueName = QueueName.Notifications;

  protected readonly handlers: JobHandlers<Notifications> = {
    [JobName.InvitationEmail]: async (job) => {
      await this.invitationEmail.handle(job.data);
    },
  };

  constructor(private readonly invitationEmail: InvitationEmailHandler) {
    super();
  }
}
