/**
 * bench/reminders (issue 4): N in-app reminders all due at the same instant a few seconds ahead,
 * delivered by the real worker (outbox relay → BullMQ on Redis → ReminderSender), next to raw
 * BullMQ throughput (a no-op processor, same Redis, same N, same concurrency) in the same run.
 *
 * Prints deliveries/s (first to last send), lateness (sent_at − send_at) p50/p99/max, the raw
 * jobs/s and the ratio; writes JSON to bench/results/. A fresh database is provisioned on the
 * local PostgreSQL and dropped at the end; Redis keys live under a unique prefix and are deleted.
 * The workers are real worker processes (`dist/apps/worker/src/main.js`, production config);
 * `--compare-workers` runs the burst with one worker process and then with two (a fresh burst
 * each) and prints the two-worker speed-up next to its target (≥ 1.6×) and the duplicates (0).
 * `--backend postgres` runs the same on BullMQ's PostgreSQL backend (figures reported, no target).
 * Then a steady run (one worker): reminders due one after another at half the one-worker burst's
 * deliveries/s for `--steady-seconds` (default 15; 0 skips it), lateness p99 next to its target
 * (≤ 500 ms). `--concurrency` sets NOTIFICATIONS_WORKER_CONCURRENCY (default 200), which the raw
 * no-op worker uses too. `--profile` makes each worker process write a V8 CPU profile and a tally
 * of its SQL statements and Redis commands (bench/round-trip-counter.ts) under
 * bench/results/profile-<timestamp>/.
 * Each burst (and the raw no-op run) also reports the CPU each process spent, per delivery and in
 * cores, from the due instant to the last send (/proc): the worker process(es), the PostgreSQL
 * backends of the bench database, PostgreSQL's background processes and the Redis server (both
 * shared with whatever else runs), this process, and the whole machine's busy cores: whether a
 * second worker can add throughput on a machine is read from these, not from the timings alone.
 *
 *   npm run bench:reminders -- [--n 10000] [--concurrency 50] [--lead-ms 8000] [--workers 1]
 *                              [--compare-workers] [--backend redis|postgres] [--steady-seconds 15]
 *                              [--profile] [--keep]
 *
 * Environment: BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * REDIS_URL (default redis://127.0.0.1:6379).
 */
import 'reflect-metadata';

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createPostgresBackend, createRedisBackend, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

import { loadConfig, readBenchSettings } from '@mend/config';
import { JOB_QUEUE, JobName, QueueName } from '@mend/queue';

import { createBenchDatabase } from './bench-database.js';

const here = dirname(fileURLToPath(import.meta.url));
// Runs compiled, from dist/bench/reminders.js (as bench/run.ts does).
const ROOT = resolve(here, '..', '..');
const TIME_LIMIT_MS = 150_000;
/** Reminders per recipient: under the clinic's daily cap (max 100), so none merges into a digest. */
const PER_PARTNER = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const log = (message: string) =>
  process.stderr.write(`[bench:reminders ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

interface BurstResult {
  workers: number;
  delivered: number;
  states: Array<{ state: string; skip_reason: string | null; n: number }>;
  duplicates: number;
  spanMs: number;
  deliveriesPerSecond: number;
  latenessMs: { p50: number; p99: number; max: number; min: number };
  earlySends: number;
  /** CPU each process spent from the due instant to the last send, per delivery (see CpuMeter). */
  cpu?: CpuReport;
}

interface SteadyResult {
  ratePerSecond: number;
  seconds: number;
  reminders: number;
  delivered: number;
  duplicates: number;
  earlySends: number;
  latenessMs: BurstResult['latenessMs'];
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * CPU use of the processes that do a burst's work, from /proc (clock ticks of user + system
 * time): the worker processes, the PostgreSQL backends connected to the bench database (the
 * bench's own polling connection apart), PostgreSQL's background processes (WAL writer,
 * checkpointer…: shared with anything else on the server), the Redis server (shared too) and
 * this bench process, next to the whole machine's busy time. Per delivery, these are the
 * figures that say whether another worker process could add throughput on this machine.
 */
interface CpuReport {
  wallMs: number;
  /** CPU ms per delivery, by process. */
  msPerDelivery: Record<string, number>;
  /** CPU ms in all, by process (each worker on its own). */
  ms: Record<string, number>;
  /** Cores' worth of CPU each used over the window (1.0 = one core busy throughout). */
  cores: Record<string, number>;
  /** The whole machine (every process, the other tenants of a shared VM included). */
  machine: { cores: number; busyCores: number };
}

const TICK_MS = 10; // CLK_TCK 100 on Linux

async function procCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), 1-based: utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const first = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = first.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = first[3] + first[4];
  return { busy: total - idle, total };
}

class CpuMeter {
  private redisPid: number | undefined;

  constructor(
    private readonly admin: pg.Client,
    private readonly dbName: string,
    private readonly redis: Redis | undefined,
  ) {}

  /** The processes to watch, by label → pids. */
  private async processes(workers: ChildProcess[]): Promise<Map<string, number[]>> {
    const groups = new Map<string, number[]>();
    workers.forEach((w, i) => w.pid && groups.set(`worker${workers.length > 1 ? ` ${i + 1}` : ''}`, [w.pid]));
    const backends = (
      await this.admin.query<{ pid: number; own: boolean }>(
        `SELECT pid, datname = $1 AS own FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND (datname = $1 OR backend_type <> 'client backend')`,
        [this.dbName],
      )
    ).rows;
    groups.set(
      'postgres backends',
      backends.filter((b) => b.own).map((b) => b.pid),
    );
    groups.set(
      'postgres background (shared)',
      backends.filter((b) => !b.own).map((b) => b.pid),
    );
    if (this.redis && this.redisPid === undefined) {
      const info = await this.redis.info('server');
      this.redisPid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    }
    if (this.redisPid) groups.set('redis-server (shared)', [this.redisPid]);
    return groups;
  }

  /** Starts a window; the returned function ends it and reports per delivery. */
  async start(workers: ChildProcess[]): Promise<(deliveries: number) => Promise<CpuReport>> {
    const startedAt = performance.now();
    const machine0 = await machineTicks();
    const bench0 = process.cpuUsage();
    const before = new Map<number, number>();
    for (const pids of (await this.processes(workers)).values())
      for (const pid of pids) before.set(pid, (await procCpuMs(pid)) ?? 0);
    return async (deliveries: number) => {
      const wallMs = performance.now() - startedAt;
      const bench = process.cpuUsage(bench0);
      const machine1 = await machineTicks();
      const ms: Record<string, number> = {};
      for (const [label, pids] of await this.processes(workers)) {
        let sum = 0;
        // A backend that connected during the window counts from zero (its whole life is in it).
        for (const pid of pids) sum += Math.max(0, ((await procCpuMs(pid)) ?? 0) - (before.get(pid) ?? 0));
        ms[label] = sum;
      }
      ms['bench (this process)'] = (bench.user + bench.system) / 1000;
      const per = (x: number) => round(x / Math.max(1, deliveries), 3);
      const busyTicks = machine1.busy - machine0.busy;
      const totalTicks = machine1.total - machine0.total;
      const cores = cpus().length;
      return {
        wallMs: round(wallMs),
        ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round(v)])),
        msPerDelivery: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, per(v)])),
        cores: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round(v / wallMs, 2)])),
        machine: { cores, busyCores: round((busyTicks / Math.max(1, totalTicks)) * cores, 2) },
      };
    };
  }
}

function describeCpu(cpu: CpuReport): string {
  const parts = Object.entries(cpu.msPerDelivery).map(([k, v]) => `${k} ${v} ms (${cpu.cores[k]} cores)`);
  return `per delivery: ${parts.join(', ')}; machine busy ${cpu.machine.busyCores}/${cpu.machine.cores} cores over ${Math.round(cpu.wallMs)} ms`;
}

/** Table rows: CPU ms per delivery (and cores used) of each process, then the machine's busy cores. */
function cpuRows(tag: string, cpu: CpuReport): string[][] {
  return [
    ...Object.entries(cpu.msPerDelivery).map(([k, v]) => [
      `${tag}: CPU ms per job, ${k}`,
      `${v.toFixed(3)} (${cpu.cores[k].toFixed(2)} cores)`,
      '',
    ]),
    [`${tag}: machine busy cores (all processes)`, `${cpu.machine.busyCores} / ${cpu.machine.cores}`, ''],
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '2000' },
      concurrency: { type: 'string' },
      'lead-ms': { type: 'string', default: '8000' },
      workers: { type: 'string', default: '1' },
      'compare-workers': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'redis' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'steady-seconds': { type: 'string', default: '15' },
    },
  });
  const n = Number(values.n);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error('--n must be an integer in 1..100000');
  const leadMs = Number(values['lead-ms']);
  const steadySeconds = Number(values['steady-seconds']);
  const backend = values.backend === 'postgres' ? 'postgres' : 'redis';
  const workerCounts = values['compare-workers'] ? [1, 2] : [Number(values.workers)];
  const settings = readBenchSettings();
  const suffix = randomBytes(4).toString('hex');
  const dbName = `mend_bench_reminders_${suffix}`;
  const prefix = `{mbrem${suffix}}`;
  const hardStop = setTimeout(
    () => {
      log(`time limit exceeded; aborting`);
      process.exit(2);
    },
    (TIME_LIMIT_MS + 20_000) * (workerCounts.length + 2),
  );
  hardStop.unref();

  log(`provisioning database ${dbName}`);
  const db = await createBenchDatabase(settings.adminDatabaseUrl, dbName, { fresh: true });
  const env: Record<string, string | undefined> = {
    ...settings.env,
    NODE_ENV: backend === 'redis' ? 'production' : 'development',
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: undefined,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PUBLIC_URL: 'http://127.0.0.1:3000',
    REDIS_URL: backend === 'redis' ? settings.redisUrl : undefined,
    REDIS_CLUSTER_NODES: undefined,
    QUEUE_BACKEND: backend,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DEMO_SEED: 'false',
    ...(values.concurrency ? { NOTIFICATIONS_WORKER_CONCURRENCY: values.concurrency } : {}),
  };
  const config = loadConfig(env);
  // Reminder sends run on the notifications queue; the raw no-op worker gets the same concurrency.
  const concurrency = config.queue.notificationsConcurrency;
  // The raw no-op queue is not one of Mend's: on PostgreSQL only the owner may create its rows.
  const connection = (role: 'producer' | 'worker', databaseUrl = db.appUrl) =>
    backend === 'redis'
      ? {
          url: settings.redisUrl,
          maxRetriesPerRequest: role === 'worker' ? null : 1,
          enableReadyCheck: role !== 'worker',
        }
      : { connectionString: databaseUrl, schema: 'bullmq', skipMigrations: true, max: concurrency + 2 };
  const backendFactory = (
    backend === 'redis' ? createRedisBackend : createPostgresBackend
  ) as typeof createRedisBackend;

  const admin = new pg.Client({ connectionString: db.adminDbUrl });
  await admin.connect();
  const redis = backend === 'redis' ? new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const notifications = new Queue(
    QueueName.Notifications,
    { connection: connection('producer'), prefix } as never,
    backendFactory,
  );
  let children: ChildProcess[] = [];
  const meter = new CpuMeter(admin, dbName, redis);
  // --profile: each worker process writes a V8 CPU profile and its statement / Redis command tally.
  const profileDir = values.profile
    ? resolve(ROOT, 'bench/results', `profile-${new Date().toISOString().replace(/[:.]/g, '-')}`)
    : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const profileArgs = (tag: string, i: number): string[] =>
    profileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${profileDir}`,
          `--cpu-prof-name=worker-${tag}-${i}.cpuprofile`,
          '--import',
          resolve(ROOT, 'dist/bench/round-trip-counter.js'),
        ]
      : [];
  const stopWorkers = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await once(child, 'exit');
        clearTimeout(timer);
      }),
    );
    children = [];
  };
  try {
    // --- The real worker processes, ready (registered on the queue) before anything is seeded.
    const startWorkers = async (workers: number, tag: string) => {
      const startedWorkers = performance.now();
      children = Array.from({ length: workers }, (_, i) =>
        spawn(process.execPath, [...profileArgs(tag, i), resolve(ROOT, 'dist/apps/worker/src/main.js')], {
          env: {
            ...env,
            ...(profileDir ? { MEND_ROUND_TRIPS_FILE: `${profileDir}/round-trips-${tag}-${i}.json` } : {}),
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      );
      const readyBy = Date.now() + 60_000;
      while ((await notifications.getWorkersCount()) < workers) {
        if (Date.now() > readyBy || children.some((c) => c.exitCode !== null))
          throw new Error(`the worker processes did not start`);
        await sleep(200);
      }
      log(
        `${workers} worker process(es) ready in ${Math.round(performance.now() - startedWorkers)} ms (concurrency ${concurrency} each, ${backend} backend)`,
      );
    };
    const bursts: BurstResult[] = [];
    for (const workers of workerCounts) {
      await startWorkers(workers, `burst-${workers}w`);
      const sendAt = new Date(Date.now() + leadMs);
      const clinicId = await seedBurst(admin, n, { first: sendAt, intervalMs: 0 }, `${suffix}-${workers}`);
      // CPU from the due instant (nothing is delivered before it) to the last send.
      await sleep(sendAt.getTime() - Date.now());
      const endCpu = await meter.start(children);
      let cpu: Promise<CpuReport> | undefined;
      const burst = await measureBurst(admin, clinicId, n, workers, () => (cpu = endCpu(n)));
      burst.cpu = await cpu;
      if (burst.cpu) log(`${workers} worker(s) CPU: ${describeCpu(burst.cpu)}`);
      bursts.push(burst);
      await stopWorkers();
    }

    // --- Steady load at half the measured burst capacity (one worker): reminders due one after
    // another at that pace, so lateness is the sender's own delay, not a queue of the burst.
    let steady: SteadyResult | undefined;
    if (steadySeconds > 0 && bursts[0].deliveriesPerSecond > 0) {
      const rate = bursts[0].deliveriesPerSecond / 2;
      const count = Math.max(2, Math.round(rate * steadySeconds));
      await startWorkers(1, 'steady-1w');
      const first = new Date(Date.now() + leadMs);
      const clinicId = await seedBurst(admin, count, { first, intervalMs: 1000 / rate }, `${suffix}-steady`);
      const paced = await measureBurst(admin, clinicId, count, 1);
      await stopWorkers();
      steady = {
        ratePerSecond: round(rate),
        seconds: steadySeconds,
        reminders: count,
        delivered: paced.delivered,
        duplicates: paced.duplicates,
        earlySends: paced.earlySends,
        latenessMs: paced.latenessMs,
      };
      log(`steady ${steady.ratePerSecond}/s for ${steadySeconds} s: lateness p99 ${steady.latenessMs.p99} ms`);
    }

    // --- Raw BullMQ on the same backend: same N, same concurrency, one no-op worker in this process.
    const rawQueueName = 'bench-noop';
    const retention = {
      removeOnComplete: { age: 24 * 60 * 60 },
      removeOnFail: { age: 7 * 24 * 60 * 60, count: 50_000 },
    };
    const queue = new Queue(
      rawQueueName,
      { connection: connection('producer', db.adminDbUrl), prefix, defaultJobOptions: retention } as never,
      backendFactory,
    );
    for (let i = 0; i < n; i += 500) {
      await queue.addBulk(
        Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
          name: 'noop',
          data: { i: i + k },
          opts: { jobId: `noop.${i + k}` },
        })),
      );
    }
    const completions: number[] = [];
    let resolveAll!: () => void;
    const allDone = new Promise<void>((r) => (resolveAll = r));
    const endRawCpu = await meter.start([]);
    const rawStarted = performance.now();
    const rawWorker = new Worker(
      rawQueueName,
      async () => undefined,
      { connection: connection('worker', db.adminDbUrl), prefix, concurrency, ...retention } as never,
      backendFactory,
    );
    let rawCpu: Promise<CpuReport> | undefined;
    rawWorker.on('completed', () => {
      completions.push(performance.now());
      if (completions.length === n) {
        rawCpu = endRawCpu(n);
        resolveAll();
      }
    });
    await Promise.race([allDone, sleep(TIME_LIMIT_MS)]);
    const rawCpuReport = await rawCpu;
    if (rawCpuReport) log(`raw BullMQ CPU: ${describeCpu(rawCpuReport)}`);
    await rawWorker.close();
    await queue.close();
    const rawSpanMs = completions.length > 1 ? completions.at(-1)! - completions[0] : Number.NaN;
    const rawJobsPerSecond = completions.length > 1 ? ((completions.length - 1) * 1000) / rawSpanMs : Number.NaN;
    const rawWallMs = completions.length > 0 ? completions.at(-1)! - rawStarted : Number.NaN;
    log(
      `raw BullMQ completed ${completions.length}/${n} no-op jobs in ${Math.round(rawSpanMs)} ms (first to last completion)`,
    );

    const one = bursts[0];
    const two = bursts.find((b) => b.workers === 2);
    const ratio = one.deliveriesPerSecond / rawJobsPerSecond;
    const result = {
      at: new Date().toISOString(),
      n,
      concurrency,
      relayIntervalMs: config.queue.relayIntervalMs,
      publishAheadMs: config.reminders.publishAheadMs,
      queueBackend: backend,
      bursts,
      rawBullmq: {
        completed: completions.length,
        spanMs: round(rawSpanMs),
        wallMs: round(rawWallMs),
        jobsPerSecond: round(rawJobsPerSecond),
        cpu: rawCpuReport,
      },
      ratio: round(ratio, 3),
      twoWorkerSpeedup: two ? round(two.deliveriesPerSecond / one.deliveriesPerSecond, 2) : undefined,
      steady,
      load: { cpus: cpus().length, loadAverage1m: round(loadavg()[0], 2) },
    };

    const table: string[][] = [['measure', 'value', 'target']];
    for (const b of bursts) {
      const tag = `${b.workers} worker${b.workers > 1 ? 's' : ''}`;
      table.push(
        [
          `${tag}: delivered (in-app)`,
          `${b.delivered}/${n} (duplicates ${b.duplicates}, early ${b.earlySends})`,
          '0 dup, 0 early, 0 lost',
        ],
        [`${tag}: deliveries/s (first→last send)`, b.deliveriesPerSecond.toFixed(1), ''],
        [
          `${tag}: lateness p50 / p99 / max (ms)`,
          `${b.latenessMs.p50} / ${b.latenessMs.p99} / ${b.latenessMs.max}`,
          '',
        ],
      );
      if (b.cpu) table.push(...cpuRows(tag, b.cpu));
    }
    if (rawCpuReport) table.push(...cpuRows('raw BullMQ', rawCpuReport));
    table.push(
      ['raw BullMQ no-op jobs/s (first→last)', result.rawBullmq.jobsPerSecond.toFixed(1), ''],
      [
        'ratio deliveries/s ÷ raw jobs/s (1 worker)',
        result.ratio.toFixed(3),
        backend === 'redis' ? '≥ 0.25' : '(reported)',
      ],
    );
    if (steady)
      table.push(
        [
          `steady ${steady.ratePerSecond}/s (½ capacity) for ${steady.seconds} s: delivered`,
          `${steady.delivered}/${steady.reminders} (duplicates ${steady.duplicates}, early ${steady.earlySends})`,
          '0 dup, 0 early, 0 lost',
        ],
        [
          'steady: lateness p50 / p99 / max (ms)',
          `${steady.latenessMs.p50} / ${steady.latenessMs.p99} / ${steady.latenessMs.max}`,
          'p99 ≤ 500',
        ],
      );
    if (result.twoWorkerSpeedup !== undefined)
      table.push(['two workers ÷ one worker deliveries/s', `${result.twoWorkerSpeedup.toFixed(2)}×`, '≥ 1.6×']);
    table.push(['load average (1 min) / cpus', `${result.load.loadAverage1m} / ${result.load.cpus}`, 'idle machine']);
    const width = Math.max(...table.map((r) => r[0].length));
    const width2 = Math.max(...table.map((r) => r[1].length));
    process.stdout.write(
      `\n${table.map(([k, v, t]) => `${k.padEnd(width)}  ${v.padEnd(width2)}  ${t}`).join('\n')}\n\n`,
    );

    const outDir = resolve(ROOT, 'bench/results');
    await mkdir(outDir, { recursive: true });
    const file = resolve(outDir, `reminders-${result.at.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
  } finally {
    await stopWorkers().catch(() => undefined);
    await notifications.close().catch(() => undefined);
    await admin.end().catch(() => undefined);
    // Our Redis keys only (the unique prefix), then the database.
    if (redis) {
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } catch (error) {
        log(`could not delete the Redis keys under ${prefix}: ${String(error)}`);
      }
      redis.disconnect();
    }
    if (!values.keep) {
      const drop = new pg.Client({ connectionString: settings.adminDatabaseUrl });
      await drop.connect();
      try {
        await drop.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
        log(`dropped database ${dbName}`);
      } finally {
        await drop.end();
      }
    }
  }
}

/**
 * One clinic whose partners (email off) each get PER_PARTNER in-app session reminders, exactly n:
 * all due at `first` (a burst, intervalMs 0), or one every `intervalMs` from `first` on (paced).
 */
async function seedBurst(
  admin: pg.Client,
  n: number,
  due: { first: Date; intervalMs: number },
  tag: string,
): Promise<string> {
  const sendAt = due.first;
  const seeded = performance.now();
  const clinicId = randomUUID();
  const therapistId = randomUUID();
  const couples = Math.ceil(n / (2 * PER_PARTNER));
  await admin.query('BEGIN');
  await admin.query(
    `INSERT INTO clinic (id, name, slug, timezone, settings) VALUES ($1, 'Bench Reminders', $2, 'UTC', $3::jsonb)`,
    [
      clinicId,
      `bench-rem-${tag}`,
      JSON.stringify({ reminders: { quietHours: { start: '00:00', end: '00:00' }, dailyCap: 100 } }),
    ],
  );
  await admin.query(
    `INSERT INTO "user" (clinic_id, id, email, name, role, timezone) VALUES ($1, $2, 'therapist@bench.rem', 'Therapist', 'therapist', 'UTC')`,
    [clinicId, therapistId],
  );
  await admin.query(
    `CREATE TEMP TABLE bc ON COMMIT DROP AS SELECT g AS i, gen_random_uuid() AS couple_id, gen_random_uuid() AS p1, gen_random_uuid() AS p2 FROM generate_series(1, $1::int) g`,
    [couples],
  );
  await admin.query(
    `INSERT INTO "user" (clinic_id, id, email, name, role, timezone, notification_preferences)
     SELECT $1::uuid, u.id, 'p' || u.pos || '-' || bc.i || '@bench.rem', 'Partner ' || u.pos || ' of ' || bc.i, 'client', 'UTC', '{"email": false}'::jsonb
       FROM bc CROSS JOIN LATERAL (VALUES (bc.p1, 1), (bc.p2, 2)) AS u(id, pos)`,
    [clinicId],
  );
  await admin.query(
    `INSERT INTO couple (clinic_id, id, label, therapist_id, status) SELECT $1::uuid, couple_id, 'Couple ' || i, $2::uuid, 'active' FROM bc`,
    [clinicId, therapistId],
  );
  await admin.query(
    `INSERT INTO couple_partner (clinic_id, couple_id, user_id, position)
     SELECT $1::uuid, couple_id, p1, 1 FROM bc UNION ALL SELECT $1::uuid, couple_id, p2, 2 FROM bc`,
    [clinicId],
  );
  // PER_PARTNER sessions per couple, a day after the reminders are due (so none is "too late").
  await admin.query(
    `CREATE TEMP TABLE bs ON COMMIT DROP AS
     SELECT bc.couple_id, bc.p1, bc.p2, gen_random_uuid() AS session_id,
            $1::timestamptz + interval '24 hours' + (s * interval '2 hours') + (bc.i * interval '1 minute') AS starts_at
       FROM bc CROSS JOIN generate_series(0, $2::int - 1) s`,
    [sendAt.toISOString(), PER_PARTNER],
  );
  await admin.query(
    `INSERT INTO therapy_session (clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status, source)
     SELECT $1::uuid, session_id, couple_id, $2::uuid, starts_at, starts_at + interval '1 hour', 'scheduled', 'manual' FROM bs`,
    [clinicId, therapistId],
  );
  // Exactly n in-app notifications (the last couple may get fewer), each announced through the outbox.
  await admin.query(
    `CREATE TEMP TABLE bn ON COMMIT DROP AS
     SELECT gen_random_uuid() AS id, r.recipient_id, bs.session_id
       FROM bs CROSS JOIN LATERAL (VALUES (bs.p1), (bs.p2)) AS r(recipient_id)
      LIMIT $1`,
    [n],
  );
  // Paced: the k-th reminder (in random order over the partners) is due k × intervalMs after the first.
  await admin.query(
    `CREATE TEMP TABLE bd ON COMMIT DROP AS
     SELECT id, recipient_id, session_id,
            $1::timestamptz + ((row_number() OVER (ORDER BY random()) - 1) * $2::float8) * interval '1 millisecond' AS send_at
       FROM bn`,
    [sendAt.toISOString(), due.intervalMs],
  );
  await admin.query(
    `INSERT INTO notification (clinic_id, id, recipient_id, kind, channel, session_id, dedupe_key, title, body, send_at)
     SELECT $1::uuid, id, recipient_id, 'session_reminder', 'in_app', session_id, 'bench:' || recipient_id || ':' || session_id || ':in_app',
            'Upcoming appointment', '', send_at
       FROM bd`,
    [clinicId],
  );
  await admin.query(
    `INSERT INTO outbox (clinic_id, id, queue, job_name, payload, available_at)
     SELECT $1::uuid, gen_random_uuid(), $2, $3, jsonb_build_object('clinicId', $1::text, 'notificationId', id::text), send_at FROM bd`,
    [clinicId, JOB_QUEUE[JobName.ReminderSend], JobName.ReminderSend],
  );
  await admin.query('COMMIT');
  await admin.query('ANALYZE');
  log(
    `seeded ${n} in-app reminders for ${couples * 2} partners in ${Math.round(performance.now() - seeded)} ms, ${
      due.intervalMs > 0
        ? `one every ${due.intervalMs.toFixed(2)} ms from ${sendAt.toISOString()}`
        : `all due at ${sendAt.toISOString()}`
    }`,
  );
  if (Date.now() > sendAt.getTime()) log(`warning: seeding ended after the reminders were due; raise --lead-ms`);
  return clinicId;
}

/** Waits until the burst is delivered (or the time limit), then reads delivery times, lateness and duplicates. */
async function measureBurst(
  admin: pg.Client,
  clinicId: string,
  n: number,
  workers: number,
  onDelivered?: () => void,
): Promise<BurstResult> {
  const counts = async () =>
    (
      await admin.query<{ sent: number; open: number; other: number }>(
        `SELECT count(*) FILTER (WHERE state = 'sent')::int AS sent,
                count(*) FILTER (WHERE state IN ('scheduled', 'deferred'))::int AS open,
                count(*) FILTER (WHERE state NOT IN ('sent', 'scheduled', 'deferred'))::int AS other
           FROM notification WHERE clinic_id = $1`,
        [clinicId],
      )
    ).rows[0];
  const deadline = Date.now() + TIME_LIMIT_MS - 40_000;
  let c = await counts();
  while (c.open > 0 && Date.now() < deadline) {
    await sleep(50);
    c = await counts();
  }
  onDelivered?.();
  if (c.open > 0) log(`warning: ${c.open} reminders still unsent at the deadline`);
  const rows = (
    await admin.query<{ sent_at: Date; lateness_ms: number }>(
      `SELECT sent_at, extract(epoch FROM (sent_at - send_at)) * 1000 AS lateness_ms FROM notification
        WHERE clinic_id = $1 AND state = 'sent' ORDER BY sent_at`,
      [clinicId],
    )
  ).rows;
  const states = (
    await admin.query<{ state: string; skip_reason: string | null; n: number }>(
      `SELECT state, skip_reason, count(*)::int AS n FROM notification WHERE clinic_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [clinicId],
    )
  ).rows;
  const duplicates = (
    await admin.query<{ n: number }>(
      // Two rows for one reminder, or one row delivered more than once (each delivery counts an attempt).
      `SELECT (SELECT count(*) FROM (SELECT recipient_id, session_id FROM notification WHERE clinic_id = $1 GROUP BY 1, 2 HAVING count(*) > 1) d)::int
            + (SELECT count(*) FROM notification WHERE clinic_id = $1 AND attempts > 1)::int AS n`,
      [clinicId],
    )
  ).rows[0].n;
  const lateness = rows.map((r) => Number(r.lateness_ms)).sort((a, b) => a - b);
  const spanMs = rows.length > 1 ? rows.at(-1)!.sent_at.getTime() - rows[0].sent_at.getTime() : Number.NaN;
  const deliveriesPerSecond = rows.length > 1 && spanMs > 0 ? ((rows.length - 1) * 1000) / spanMs : Number.NaN;
  log(`${workers} worker(s): delivered ${rows.length}/${n} in ${spanMs} ms (first to last send)`);
  return {
    workers,
    delivered: rows.length,
    states,
    duplicates,
    spanMs,
    deliveriesPerSecond: round(deliveriesPerSecond),
    latenessMs: {
      p50: round(percentile(lateness, 50)),
      p99: round(percentile(lateness, 99)),
      max: round(lateness.at(-1) ?? Number.NaN),
      min: round(lateness[0] ?? Number.NaN),
    },
    earlySends: lateness.filter((x) => x < 0).length,
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
