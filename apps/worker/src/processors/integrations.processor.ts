import { Injectable } from '@nestjs/common';

import { InboundEventsService } from '@mend/integrations';
import { JobName, QueueName, QueueProcessor, type JobHandlers } from '@mend/queue';

type Integrations = typeof QueueName.Integrations;

/** Scheduling-tool events (Cal.com, Calendly) applied to sessions after the API stored them. */
@Injectable()
export class IntegrationsProcessor extends QueueProcessor<Integrations> {
  readonly queueName = QueueName.Integrations;

  protected readonly handlers: JobHandlers<Integrations> = {
    [JobName.InboundEventProcess]: async (job) => {
      await this.inbound.process(job.data);
    },
  };

  constructor(private readonly inbound: InboundEventsService) {
    super();
  }
}
