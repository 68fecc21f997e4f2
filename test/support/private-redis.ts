/**
 * A redis-server of a suite's own, on a free loopback port with its own data folder, so a suite
 * can FLUSHALL it, stop it or restart it without touching the Redis other suites share. Uses the
 * machine's redis-server (the binary that serves 127.0.0.1:6379 in CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { Redis } from 'ioredis';

const REDIS_SERVER = '/usr/bin/redis-server';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Whether `promise` settles within `ms`; the timer is cleared either way, so it never holds the test process open. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * A redis-server child with AOF and RDB persistence in its own folder. `stop('keep')` is a clean
 * SHUTDOWN (which saves) and the next start reads the same files back; after `stop('lose')` the
 * next start is on an empty folder, as after losing the machine.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private generation = 0;
  private dir: string;

  private constructor(
    private readonly scratch: string,
    readonly port: number,
  ) {
    this.dir = this.nextDir();
  }

  static async start(scratch: string): Promise<PrivateRedis> {
    const redis = new PrivateRedis(scratch, await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '60 1',
        '--maxmemory-policy',
        'noeviction',
        '--daemonize',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 500,
      });
      try {
        await client.connect();
        // With AOF on, PING answers LOADING until the files are read back.
        if ((await client.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      } finally {
        client.disconnect();
      }
      await sleep(50);
    }
  }

  /** SHUTDOWN (saving, unless the data is to be lost anyway) and wait for the process to exit. */
  async stop(mode: 'keep' | 'lose' = 'keep'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.call('SHUTDOWN', mode === 'keep' ? 'SAVE' : 'NOSAVE').catch(() => undefined);
    } catch {
      child.kill('SIGTERM');
    } finally {
      client.disconnect();
    }
    if (!(await settlesWithin(exited, 10_000))) {
      child.kill('SIGKILL');
      await exited;
    }
    if (mode === 'lose') this.dir = this.nextDir();
  }

  /** Runs `use` with a short-lived client of this server (FLUSHALL, DBSIZE, ZCARD…). */
  async withClient<T>(use: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  /** Members of a sorted set (e.g. a BullMQ queue's completed jobs), to show what a restart kept. */
  async sortedSetSize(key: string): Promise<number> {
    return this.withClient((client) => client.zcard(key));
  }

  /** Keys matching a glob pattern (SCAN, so the server is never blocked). */
  async keysMatching(pattern: string): Promise<string[]> {
    return this.withClient(async (client) => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      return keys;
    });
  }

  /** Synchronous last resort for process exit: no SHUTDOWN, just the signal. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  private nextDir(): string {
    const dir = path.join(this.scratch, `redis-${this.generation++}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}
