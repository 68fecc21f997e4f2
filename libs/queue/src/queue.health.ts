import { Injectable } from '@nestjs/common';

import { QueueConnections } from './queue-connections.js';

/** Readiness of the queue backend (Redis, or BullMQ's PostgreSQL schema), for GET /health/ready. */
@Injectable()
export class QueueHealth {
  constructor(private readonly connections: QueueConnections) {}

  /** Rejects when the backend does not answer a real queue command within `timeoutMs`. */
  ping(timeoutMs = 2000): Promise<void> {
    return this.connections.ping(timeoutMs);
  }
}
