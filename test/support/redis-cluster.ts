/**
 * A Redis Cluster of a suite's own on loopback: `redis-server --cluster-enabled yes` on free
 * ports, joined with `redis-cli --cluster create`, so the queue suites run BullMQ through an
 * ioredis `Cluster` exactly as production would (MOVED redirections, the `{…}` hash-tag prefix,
 * failover). Three masters by default; with `replicasPerMaster: 1`, six nodes, so a killed
 * master's replica takes over.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { Redis } from 'ioredis';

import { freePort, settlesWithin } from './private-redis.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
/** How long a master may be unreachable before its replica is elected (the failover test waits for it). */
const NODE_TIMEOUT_MS = 1_000;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface ClusterNode {
  port: number;
  child: ChildProcess;
}

export class PrivateRedisCluster {
  private constructor(
    private readonly scratch: string,
    private readonly nodes: ClusterNode[],
  ) {}

  static async start(options: { masters?: number; replicasPerMaster?: number } = {}): Promise<PrivateRedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 0;
    const scratch = mkdtempSync(path.join(tmpdir(), 'mend-cluster-'));
    const nodes: ClusterNode[] = [];
    const cluster = new PrivateRedisCluster(scratch, nodes);
    try {
      for (let i = 0; i < masters * (1 + replicas); i++) {
        // The cluster bus gets a port of its own (cluster-port): port + 10000 may be taken or out of range.
        const [port, busPort] = [await freePort(), await freePort()];
        const dir = path.join(scratch, `node-${port}`);
        mkdirSync(dir);
        const child = spawn(
          REDIS_SERVER,
          [
            '--port',
            String(port),
            '--cluster-port',
            String(busPort),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(dir, 'nodes.conf'),
            '--cluster-node-timeout',
            String(NODE_TIMEOUT_MS),
            '--dir',
            dir,
            '--save',
            '',
            '--appendonly',
            'no',
            '--maxmemory-policy',
            'noeviction',
            '--protected-mode',
            'no',
          ],
          { stdio: ['ignore', 'ignore', 'ignore'] },
        );
        child.once('error', () => undefined);
        nodes.push({ port, child });
      }
      for (const node of nodes) await waitForPing(node.port);
      await run(REDIS_CLI, [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ]);
      await cluster.waitUntilHealthy();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw new Error(
        `Could not start a Redis Cluster with ${REDIS_SERVER} and ${REDIS_CLI} (install Debian's redis-server and redis-tools): ${(error as Error).message}`,
      );
    }
  }

  /** REDIS_CLUSTER_NODES for the apps: every node is a seed. */
  get seedNodes(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** Waits until every live node sees all 16384 slots served and the cluster state ok. */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.liveNodes().map((node) =>
          withNode(node.port, (client) => client.call('CLUSTER', 'INFO') as Promise<string>),
        ),
      ).catch(() => []);
      const healthy =
        states.length > 0 &&
        states.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info));
      if (healthy) return;
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not become healthy in time');
      await sleep(100);
    }
  }

  /** The port of the master currently serving the slot of `key` (e.g. a queue prefix `{…}`). */
  async masterPortFor(key: string, askPort = this.liveNodes()[0].port): Promise<number> {
    return withNode(askPort, async (client) => {
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]]]>;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return Number(range[2][1]);
    });
  }

  /** Number of replicas attached to the master on `port`, as the master reports it. */
  async connectedReplicas(port: number): Promise<number> {
    return withNode(port, async (client) =>
      Number(/connected_slaves:(\d+)/.exec(await client.info('replication'))?.[1]),
    );
  }

  /**
   * After a master died: waits until every live node names another master for the slot of
   * `key` and the cluster is healthy again; returns the new master's port.
   */
  async waitForFailover(deadPort: number, key: string, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(
        this.liveNodes().map((node) => this.masterPortFor(key, node.port).catch(() => deadPort)),
      );
      if (views.every((port) => port !== deadPort && port === views[0])) {
        await this.waitUntilHealthy(Math.max(1_000, deadline - Date.now()));
        return views[0];
      }
      if (Date.now() > deadline) throw new Error(`no replica took over from the master on port ${deadPort} in time`);
      await sleep(100);
    }
  }

  /** SIGKILL one node: no shutdown, no save, as when a machine dies. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port);
    if (!node || node.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
    node.child.kill('SIGKILL');
    await exited;
  }

  /** FLUSHALL on every master: the cluster loses every key, as a Redis that lost its data. */
  async flushAll(): Promise<void> {
    for (const node of this.liveNodes()) {
      await withNode(node.port, async (client) => {
        if (/role:master/.test(await client.info('replication'))) await client.flushall();
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        if (node.child.exitCode !== null || node.child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
        node.child.kill('SIGTERM');
        if (!(await settlesWithin(exited, 5_000))) node.child.kill('SIGKILL');
      }),
    );
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private liveNodes(): ClusterNode[] {
    return this.nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  }
}

async function withNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await withNode(port, (client) => client.ping())) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    }
    await sleep(50);
  }
}
