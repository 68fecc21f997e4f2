import { Cluster, Redis } from 'ioredis';

import type { AppConfig } from '@mend/config';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  connectionName: string;
  /** null for blocking consumers (BullMQ requires it); a small number where a caller waits for the answer. */
  maxRetriesPerRequest: number | null;
  enableOfflineQueue?: boolean;
  enableReadyCheck?: boolean;
  lazyConnect?: boolean;
  connectTimeout?: number;
  /** Delay before reconnect attempt `times`; null stops reconnecting. */
  retryStrategy?: (times: number) => number | null;
}

/**
 * The one place that turns the Redis configuration into an ioredis client: a `Redis` for
 * REDIS_URL, a `Cluster` for REDIS_CLUSTER_NODES. Callers own the client and must disconnect it.
 */
export function createRedisClient(redis: AppConfig['redis'], options: RedisClientOptions): RedisClient {
  const { retryStrategy, enableOfflineQueue, ...rest } = options;
  if (redis.cluster) {
    const { nodes, username, password, tls } = redis.cluster;
    return new Cluster(nodes, {
      lazyConnect: options.lazyConnect,
      enableOfflineQueue,
      enableReadyCheck: options.enableReadyCheck ?? true,
      clusterRetryStrategy: retryStrategy,
      // A failover takes the cluster's node timeout plus an election: keep retrying redirections
      // and "cluster down" answers for that long instead of failing the command at once.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      redisOptions: {
        connectionName: options.connectionName,
        maxRetriesPerRequest: options.maxRetriesPerRequest,
        connectTimeout: options.connectTimeout,
        username,
        password,
        tls: tls ? {} : undefined,
      },
    });
  }
  if (!redis.url) throw new Error('No Redis configured (REDIS_URL or REDIS_CLUSTER_NODES)');
  return new Redis(redis.url, { ...rest, enableOfflineQueue, retryStrategy });
}
