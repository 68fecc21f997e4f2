import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  createPostgresBackend,
  createRedisBackend,
  Queue,
  SchemaMigrationRequiredError,
  Worker,
  type IQueueBackend,
  type Job,
  type PostgresPoolConfig,
  type RedisOptions,
} from 'bullmq';
import { Cluster } from 'ioredis';

import type { AppConfig } from '@mend/config';

import { COMPLETED_JOB_RETENTION, FAILED_JOB_RETENTION } from './job-options.js';
import { QueueName } from './queue.registry.js';
import { createRedisClient, type RedisClient } from './redis-client.js';

// The queue classes carry their backend in their type; the rest of the code only needs the
// backend-neutral surface, so both backends are held under one type.
export type MendQueue = Queue<any, any, string, any, any, string, IQueueBackend, any>;
export type MendWorker = Worker<any, any, string, IQueueBackend, any, any>;

/** The configuration QueueModule.forRoot was given (the whole AppConfig; queue code reads queue, redis and database.url). */
export const QUEUE_CONFIG = Symbol('QUEUE_CONFIG');

export interface WorkerSettings {
  concurrency: number;
}

/** Delay between reconnect attempts (BullMQ production guide): grows to 20 s, never below 1 s. */
function reconnectDelay(times: number): number {
  return Math.max(Math.min(Math.exp(times), 20_000), 1_000);
}

/**
 * Builds BullMQ queues and workers on the configured backend: Redis (production) or BullMQ's
 * PostgreSQL backend (no REDIS_URL). The backend is passed to each instance rather than set as
 * the process-wide default, so two backends can coexist in one process (the test suite does).
 */
@Injectable()
export class QueueConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueConnections.name);
  private readonly queues = new Map<QueueName, MendQueue>();
  private readonly workers = new Set<MendWorker>();
  private readonly lastErrorLogAt = new Map<string, number>();
  /** Cluster clients this class made: BullMQ leaves caller-supplied clients open, so close() ends them. */
  private readonly clusterClients = new Set<RedisClient>();

  constructor(@Inject(QUEUE_CONFIG) private readonly config: AppConfig) {}

  get backend(): AppConfig['queue']['backend'] {
    return this.config.queue.backend;
  }

  /** The producer side of a queue (one instance per queue per process). */
  queue(name: QueueName): MendQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      const defaultJobOptions = { removeOnComplete: COMPLETED_JOB_RETENTION, removeOnFail: FAILED_JOB_RETENTION };
      queue =
        this.backend === 'redis'
          ? new Queue(
              name,
              { connection: this.redisConnection('producer'), prefix: this.config.redis.prefix, defaultJobOptions },
              createRedisBackend,
            )
          : new Queue(
              name,
              { connection: this.postgresConnection('producer', 2), defaultJobOptions },
              createPostgresBackend,
            );
      queue.on('error', (error: Error) => this.logConnectionError(`queue ${name}`, error));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** A consumer of one queue. Workers start at once; close them through {@link closeWorker}. */
  createWorker(name: QueueName, processor: (job: Job) => Promise<unknown>, settings: WorkerSettings): MendWorker {
    const common = {
      concurrency: settings.concurrency,
      removeOnComplete: COMPLETED_JOB_RETENTION,
      removeOnFail: FAILED_JOB_RETENTION,
    };
    const worker: MendWorker =
      this.backend === 'redis'
        ? new Worker(
            name,
            processor,
            { ...common, connection: this.redisConnection('worker'), prefix: this.config.redis.prefix },
            createRedisBackend,
          )
        : new Worker(
            name,
            processor,
            { ...common, connection: this.postgresConnection('worker', Math.min(settings.concurrency + 2, 20)) },
            createPostgresBackend,
          );
    worker.on('error', (error: Error) => this.logConnectionError(`worker ${name}`, error));
    this.workers.add(worker);
    return worker;
  }

  /** Stops taking jobs and waits for active ones; after `timeoutMs`, force-closes (their locks lapse and BullMQ re-queues them as stalled). */
  async closeWorker(worker: MendWorker, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const graceful = worker.close().then(() => 'closed' as const);
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      if ((await Promise.race([graceful, deadline])) === 'timeout') {
        this.logger.warn({
          msg: 'worker did not finish its active jobs in time; forcing close',
          queue: worker.name,
          timeoutMs,
        });
        await worker.close(true);
      }
    } finally {
      clearTimeout(timer);
      this.workers.delete(worker);
    }
  }

  /** Resolves once the backend answers a real queue command; rejects otherwise. */
  async ping(timeoutMs = 2000): Promise<void> {
    const queue = this.queue(QueueName.Notifications);
    await withTimeout(
      queue.getJobCounts('wait'),
      timeoutMs,
      `the ${this.backend} queue backend did not answer within ${timeoutMs} ms`,
    );
  }

  /**
   * Waits until the backend is usable: Redis reachable, or the PostgreSQL queue schema present
   * (it is installed by the migration step; the app role cannot create it).
   */
  async waitUntilReady(): Promise<void> {
    try {
      await this.queue(QueueName.Notifications).waitUntilReady();
    } catch (error) {
      if (error instanceof SchemaMigrationRequiredError) {
        throw new Error(
          `The BullMQ schema "${this.config.queue.postgresSchema}" is not installed in PostgreSQL: run \`npm run migrate\` (it installs it as the owner role)`,
        );
      }
      throw error;
    }
  }

  /**
   * Redis `maxmemory-policy` as reported by INFO (CONFIG is often disabled on managed Redis); on a
   * cluster, every master's, and the first that is not `noeviction` if any is not.
   */
  async redisEvictionPolicy(): Promise<string | undefined> {
    if (this.backend !== 'redis' || (!this.config.redis.url && !this.config.redis.cluster)) return undefined;
    const redis = createRedisClient(this.config.redis, {
      connectionName: 'mend-check',
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const policyOf = (info: string) => /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    try {
      await redis.connect();
      if (!(redis instanceof Cluster)) return policyOf(await redis.info('memory'));
      const policies = await Promise.all(
        redis.nodes('master').map(async (node) => policyOf(await node.info('memory'))),
      );
      return policies.find((policy) => policy !== 'noeviction') ?? policies[0];
    } finally {
      redis.disconnect();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    for (const worker of [...this.workers]) await this.closeWorker(worker, 10_000);
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    for (const client of this.clusterClients) client.disconnect();
    this.clusterClients.clear();
  }

  /**
   * One Redis server: BullMQ builds (and owns) its connections from these options. A cluster:
   * BullMQ needs an ioredis `Cluster` instance, shared by a queue's producer side and duplicated
   * for each worker's own and blocking connections (the duplicates are BullMQ's to close).
   */
  private redisConnection(role: 'producer' | 'worker'): RedisOptions | Cluster {
    if (this.config.redis.cluster) {
      const client = createRedisClient(this.config.redis, {
        connectionName: `mend-${role}`,
        retryStrategy: reconnectDelay,
        ...(role === 'worker'
          ? { maxRetriesPerRequest: null, enableReadyCheck: false, lazyConnect: true }
          : { maxRetriesPerRequest: 1, connectTimeout: 5_000 }),
      });
      client.on('error', (error: Error) => this.logConnectionError(`redis cluster ${role}`, error));
      this.clusterClients.add(client);
      return client as Cluster;
    }
    return this.redisServerConnection(role);
  }

  private redisServerConnection(role: 'producer' | 'worker'): RedisOptions {
    const base: RedisOptions = {
      url: this.config.redis.url,
      connectionName: `mend-${role}`,
      retryStrategy: reconnectDelay,
    };
    // Workers must wait out a Redis restart (blocking commands, no per-request retry limit);
    // producers answer an HTTP request, so they fail fast instead of queueing commands offline.
    return role === 'worker'
      ? { ...base, maxRetriesPerRequest: null, enableReadyCheck: false }
      : { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  }

  private postgresConnection(role: 'producer' | 'worker', max: number): PostgresPoolConfig {
    return {
      connectionString: this.config.database.url,
      schema: this.config.queue.postgresSchema,
      // The schema is installed by the owner role (installQueueSchema); the app role only uses it.
      skipMigrations: true,
      max,
      connectionTimeoutMillis: 5_000,
      application_name: `mend-queue-${role}`,
    };
  }

  /** A backend outage makes every reconnect attempt emit an error; log one per source every 30 s. */
  private logConnectionError(source: string, error: Error): void {
    const now = Date.now();
    if (now - (this.lastErrorLogAt.get(source) ?? 0) < 30_000) return;
    this.lastErrorLogAt.set(source, now);
    this.logger.error({
      msg: 'queue backend error',
      source,
      backend: this.backend,
      error: error.message.slice(0, 200),
    });
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
