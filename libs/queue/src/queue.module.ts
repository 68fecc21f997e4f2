import { Module, type DynamicModule } from '@nestjs/common';

import type { AppConfig } from '@mend/config';

import { JobProducer } from './job.producer.js';
import { OutboxWriter } from './outbox.writer.js';
import { QUEUE_CONFIG, QueueConnections } from './queue-connections.js';
import { QueueHealth } from './queue.health.js';
import { QueueWorkers } from './queue.workers.js';

/**
 * BullMQ on the configured backend. The API uses JobProducer, OutboxWriter and QueueHealth; the
 * worker also provides OutboxRelay (which needs DatabaseModule) and starts QueueWorkers.
 */
@Module({})
export class QueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      providers: [
        { provide: QUEUE_CONFIG, useValue: config },
        QueueConnections,
        JobProducer,
        OutboxWriter,
        QueueHealth,
        QueueWorkers,
      ],
      exports: [QUEUE_CONFIG, QueueConnections, JobProducer, OutboxWriter, QueueHealth, QueueWorkers],
    };
  }
}
