/**
 * The queue backends the queue suites run on: BullMQ's PostgreSQL backend always; with Redis
 * reachable, one Redis server and a three-master Redis Cluster of the suite's own (ioredis
 * `Cluster`, the `{…}` hash-tag prefix), so the scale-out path is exercised by `npm test`.
 */
import { readTestSettings } from '@mend/config';
import { pinnedInstant } from '@mend/testing';

import { PrivateRedisCluster } from './redis-cluster.js';

export type QueueBackendUnderTest = 'postgres' | 'redis' | 'redis-cluster';

export function queueBackendsUnderTest(): QueueBackendUnderTest[] {
  const hasRedis = readTestSettings().redisUrl !== undefined;
  // At a pinned instant the question is the time, not the backend: one backend is enough there.
  if (pinnedInstant) return [hasRedis ? 'redis' : 'postgres'];
  return hasRedis ? ['postgres', 'redis', 'redis-cluster'] : ['postgres'];
}

export interface StartedQueueBackend {
  /** Environment overrides for createTestApp / testEnv. */
  env: Record<string, string | undefined>;
  cluster: PrivateRedisCluster | undefined;
  stop(): Promise<void>;
}

export async function startQueueBackend(backend: QueueBackendUnderTest): Promise<StartedQueueBackend> {
  if (backend !== 'redis-cluster') return { env: { QUEUE_BACKEND: backend }, cluster: undefined, stop: async () => {} };
  const cluster = await PrivateRedisCluster.start();
  return {
    env: { QUEUE_BACKEND: 'redis', REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seedNodes },
    cluster,
    stop: () => cluster.stop(),
  };
}
