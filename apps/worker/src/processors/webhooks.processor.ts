import { Injectable } from '@nestjs/common';

import { WebhookDeliveryService } from '@mend/integrations';
import { JobName, QueueName, QueueProcessor, type JobHandlers } from '@mend/queue';

type Webhooks = typeof QueueName.Webhooks;

/** Outbound webhooks: fan an event out to its endpoints, then one job per delivery attempt. */
@Injectable()
export class WebhooksProcessor extends QueueProcessor<Webhooks> {
  readonly queueName = QueueName.Webhooks;

  protected readonly handlers: JobHandlers<Webhooks> = {
    [JobName.WebhookFanout]: async (job) => {
      await this.deliveries.fanout(job.data);
    },
    [JobName.WebhookDelivery]: async (job) => {
      await this.deliveries.deliver(job.data);
    },
  };

  constructor(private readonly deliveries: WebhookDeliveryService) {
    super();
  }
}
