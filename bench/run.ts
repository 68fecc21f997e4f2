/**
 * `npm run bench`: loads the benchmark dataset into a dedicated database with COPY, starts the
 * real API (production config, RLS-bound app role) and a bare Fastify + pg baseline as child
 * processes on loopback, drives them with autocannon and prints every figure next to its target.
 * Results are also written as JSON to bench/results/bench-<timestamp>.json (git-ignored: the run
 * quoted in docs/scaling.md is committed with `git add -f`). Any non-2xx answer or error in any
 * load, warm-ups included, stops the run with an error: its figures would measure the error path.
 *
 * Flags (all optional): --couples 5000 --long-couples 20 --small-clinics 100 --seconds 10
 * --connections 50 --database mend_bench --reuse (keep an already loaded database; skips the
 * 100k phase) --only submit|reads (one group of scenarios) --api-node-args "<flags>" (the API's Node
 * flags; default: the production image's heap bounds) --profile (a V8 CPU profile of the API).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { readBenchSettings } from '@mend/config';

import { createBenchDatabase, databaseExists, type BenchDatabase } from './bench-database.js';
import { DEFAULT_DATASET, loadPhase, planDataset, type Dataset, type DatasetOptions } from './dataset.js';
import { dropTpcb, initTpcb, runTpcb } from './pgbench.js';
import {
  requireAll2xx,
  runLoad,
  runPaced,
  signAccessToken,
  startChild,
  withPeakRss,
  type Child,
  type LoadRequest,
} from './support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
/**
 * Loopback ports of the API and the baseline (--api-port; the baseline takes the next one): a
 * shared machine may run another bench at the same time, whose server would otherwise answer
 * this run's requests.
 */
const API_PORT = Number(
  parseArgs({ options: { 'api-port': { type: 'string' } }, strict: false }).values['api-port'] ?? 3901,
);
const BASELINE_PORT = API_PORT + 1;
/**
 * The API's heap bounds, as the production image starts it (docker/Dockerfile's CMD): V8 otherwise
 * lets the heap grow far past the live set before collecting (peak RSS 330–420 MB under the read
 * scenarios against a live set well under 100 MB), and issue 17 bounds RSS at 250 MB.
 */
const API_HEAP_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=4'];

interface ScenarioFigure {
  scenario: string;
  mode: 'saturated' | 'paced' | 'serial';
  connections: number;
  rate?: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
  errors: number;
  peakRssMb: number;
  /** The measured server's CPU time (user + system) per answered request: load-independent. */
  cpuMsPerRequest: number;
  statusCounts: Record<string, number>;
}

interface Check {
  name: string;
  value: string;
  target: string;
  isMet: boolean;
}

function log(message: string): void {
  process.stdout.write(`bench ${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

function flags() {
  const { values } = parseArgs({
    options: {
      couples: { type: 'string' },
      'long-couples': { type: 'string' },
      'small-clinics': { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      database: { type: 'string' },
      reuse: { type: 'boolean' },
      only: { type: 'string' },
      profile: { type: 'boolean' },
      'pgbench-scale': { type: 'string' },
      'api-port': { type: 'string' },
      'api-node-args': { type: 'string' },
    },
  });
  const int = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number.parseInt(v, 10));
  const dataset: DatasetOptions = {
    ...DEFAULT_DATASET,
    couples: int(values.couples, DEFAULT_DATASET.couples),
    longCouples: int(values['long-couples'], DEFAULT_DATASET.longCouples),
    smallClinics: int(values['small-clinics'], DEFAULT_DATASET.smallClinics),
  };
  return {
    dataset,
    seconds: int(values.seconds, 10),
    connections: int(values.connections, 50),
    database: values.database ?? 'mend_bench',
    reuse: values.reuse === true,
    only: values.only as 'submit' | 'reads' | undefined,
    /** pgbench's scale for the TPC-B yardstick: one branch per client by default, so clients do not queue on one row. */
    pgbenchScale: int(values['pgbench-scale'], int(values.connections, 50)),
    /** Writes a V8 CPU profile of the API to bench/results/profiles (for finding per-request work). */
    profile: values.profile === true,
    /** Node flags of the API process: by default the production image's (docker/Dockerfile). */
    apiNodeArgs: (values['api-node-args'] ?? API_HEAP_FLAGS.join(' ')).split(/\s+/).filter(Boolean),
  };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Who the read scenarios act as: the long couples' therapists, and the large clinic's admin. */
interface ReadActors {
  clinicId: string;
  adminId: string;
  longCouples: Array<{ id: string; therapistId: string }>;
}

async function readActors(db: BenchDatabase, data: Dataset | null): Promise<ReadActors> {
  if (data) {
    return {
      clinicId: data.large.id,
      adminId: data.large.adminId,
      longCouples: data.large.couples.filter((c) => c.isLong).map((c) => ({ id: c.id, therapistId: c.therapistId })),
    };
  }
  const [clinic] = await query<{ id: string; admin_id: string }>(
    db.adminDbUrl,
    `SELECT c.id, (SELECT u.id FROM "user" u WHERE u.clinic_id = c.id AND u.role = 'admin' LIMIT 1) AS admin_id FROM clinic c WHERE c.slug = 'bench-large'`,
  );
  const couples = await query<{ id: string; therapist_id: string }>(
    db.adminDbUrl,
    `SELECT c.id, c.therapist_id FROM couple c WHERE c.clinic_id = $1
       AND (SELECT count(*) FROM check_in ci WHERE ci.clinic_id = c.clinic_id AND ci.couple_id = c.id) > 700 ORDER BY c.id`,
    [clinic.id],
  );
  return {
    clinicId: clinic.id,
    adminId: clinic.admin_id,
    longCouples: couples.map((c) => ({ id: c.id, therapistId: c.therapist_id })),
  };
}

/**
 * autocannon stops at its deadline without waiting for the requests still in flight, and the API
 * goes on answering them. The next scenario must not start behind that backlog (up to
 * `connections` requests; after a saturated run, most of a second of queue): before this wait,
 * the paced runs' p99 was mostly the saturated run's tail. Waits twice the time the backlog
 * needs at the measured rate.
 */
async function drained(connections: number, rps: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.min(15_000, 500 + (2000 * connections) / Math.max(1, rps))));
}

function roundRobin<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

async function checkInCount(db: BenchDatabase, clinicId?: string): Promise<number> {
  const rows = await query<{ n: string }>(
    db.adminDbUrl,
    `SELECT count(*) AS n FROM check_in ${clinicId ? 'WHERE clinic_id = $1' : ''}`,
    clinicId ? [clinicId] : [],
  );
  return Number(rows[0].n);
}

async function main(): Promise<void> {
  const options = flags();
  const settings = readBenchSettings();
  const secret = randomBytes(32).toString('hex');
  const started = Date.now();
  const figures: ScenarioFigure[] = [];
  const checks: Check[] = [];
  const datasetInfo: Record<string, number | string> = {};

  const reuse = options.reuse && (await databaseExists(settings.adminDatabaseUrl, options.database));
  log(`${reuse ? 'reusing' : 'creating'} database ${options.database}`);
  const db = await createBenchDatabase(settings.adminDatabaseUrl, options.database, { fresh: !reuse });
  let data: Dataset | null = null;
  if (!reuse) {
    data = planDataset(options.dataset);
    const counts = await loadPhase(db.adminDbUrl, data, 'recent', log);
    datasetInfo.recentCheckIns = counts.checkIns;
  }
  const actors = await readActors(db, data);

  const apiEnv = {
    ...settings.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(API_PORT),
    PUBLIC_URL: `http://127.0.0.1:${API_PORT}`,
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: undefined,
    JWT_SECRET: secret,
    REDIS_URL: settings.redisUrl,
    QUEUE_BACKEND: 'redis',
    QUEUE_PREFIX: '{mendbench}',
    DEMO_SEED: 'false',
    ACCESS_TOKEN_TTL_SECONDS: '7200',
    // The bench measures throughput, not the per-user and per-address throttles.
    RATE_LIMIT_API_PER_USER: '10000000',
    RATE_LIMIT_API_PER_API_KEY: '10000000',
    RATE_LIMIT_PUBLIC_PER_IP: '10000000',
  };
  log('starting the API');
  const profileArgs = [
    ...options.apiNodeArgs,
    ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(ROOT, 'bench/results/profiles')}`] : []),
  ];
  log(`API node flags: ${profileArgs.join(' ') || 'none'}`);
  const api = await startChild(
    'api',
    resolve(ROOT, 'dist/apps/api/src/main.js'),
    [],
    apiEnv,
    API_PORT,
    '/health/ready',
    profileArgs,
  );
  let baseline: Child | undefined;
  try {
    // The API accepts an access token only for a live sign-in (a refresh-token family of that
    // user) and no longer-lived than its configured TTL (ACCESS_TOKEN_TTL_SECONDS below).
    const signedIn = async (userId: string, role: 'admin' | 'therapist') => {
      const familyId = randomUUID();
      await query(
        db.adminDbUrl,
        `INSERT INTO refresh_token (clinic_id, id, user_id, family_id, token_hash, expires_at, family_expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + interval '1 day', now() + interval '1 day')`,
        [actors.clinicId, randomUUID(), userId, familyId, randomBytes(16).toString('hex')],
      );
      return signAccessToken(secret, { sub: userId, cid: actors.clinicId, role }, 7200, familyId);
    };
    const adminToken = await signedIn(actors.adminId, 'admin');
    const progressRequests: LoadRequest[] = [];
    for (const c of actors.longCouples)
      progressRequests.push({
        method: 'GET',
        path: `/v1/couples/${c.id}/progress`,
        headers: { authorization: `Bearer ${await signedIn(c.therapistId, 'therapist')}` },
      });
    const caseloadsRequest: LoadRequest = {
      method: 'GET',
      path: '/v1/clinic/caseloads?limit=200',
      headers: { authorization: `Bearer ${adminToken}` },
    };

    const measureReads = async (label: string) => {
      const out: Record<string, { serial: ScenarioFigure; saturated: ScenarioFigure; paced: ScenarioFigure }> = {};
      // The first progress read of a couple keeps the tallies of its closed windows
      // (progress_window); later reads add them up. That one-time cost is measured here, once
      // per couple, and kept out of the steady-state figures below.
      const firstReads = await measure(api, `progress ${label} first read per couple`, 'serial', {
        connections: 1,
        amount: progressRequests.length,
        next: roundRobin(progressRequests),
      });
      datasetInfo[`progressFirstRead ${label}`] =
        `p50 ${firstReads.p50} ms, p99 ${firstReads.p99} ms, API CPU ${firstReads.cpuMsPerRequest} ms/req over ${firstReads.requests} couples`;
      for (const [name, next] of [
        ['progress', roundRobin(progressRequests)],
        ['caseloads', () => caseloadsRequest],
      ] as const) {
        const warm = requireAll2xx(
          `${name} ${label} warm-up`,
          await runLoad(API_PORT, { connections: 10, seconds: 3, next }),
        );
        await drained(10, warm.rps);
        const before = await databaseStats(db);
        const serial = await measure(api, `${name} ${label}`, 'serial', {
          connections: 1,
          seconds: Math.max(3, Math.round(options.seconds / 2)),
          next,
        });
        // Work per request, which a shared machine's load does not change (latencies it does).
        datasetInfo[`${name}PerRequest ${label}`] = perRequest(before, await databaseStats(db), serial.requests);
        datasetInfo[`${name}ApiCpuMsPerRequest ${label}`] = serial.cpuMsPerRequest;
        log(
          `${name} ${label} per request: ${datasetInfo[`${name}PerRequest ${label}`]}, API CPU ${serial.cpuMsPerRequest} ms`,
        );
        const saturated = await measure(api, `${name} ${label}`, 'saturated', {
          connections: options.connections,
          seconds: options.seconds,
          next,
        });
        await drained(options.connections, saturated.rps);
        const rate = Math.max(1, Math.floor(saturated.rps / 2));
        const paced = await measure(api, `${name} ${label}`, 'paced', {
          connections: options.connections,
          seconds: options.seconds,
          rate,
          next,
        });
        out[name] = { serial, saturated, paced };
      }
      return out;
    };
    const measure = async (
      child: Child,
      scenario: string,
      mode: 'saturated' | 'paced' | 'serial',
      load: { connections: number; seconds?: number; amount?: number; rate?: number; next: () => LoadRequest },
    ) => {
      const { result, peakRssMb, cpuMs } = await withPeakRss(child.process.pid!, () =>
        load.rate
          ? runPaced(child.port, { ...load, seconds: load.seconds ?? 1, rate: load.rate })
          : runLoad(child.port, load),
      );
      const figure: ScenarioFigure = {
        scenario,
        mode,
        connections: load.connections,
        rate: load.rate,
        ...result,
        peakRssMb,
        cpuMsPerRequest: Math.round((cpuMs / Math.max(1, result.requests)) * 100) / 100,
      };
      figures.push(figure);
      log(
        `${scenario} [${mode}${load.rate ? ` ${load.rate}/s` : ''}]: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx}, peak RSS ${peakRssMb} MB, CPU ${figure.cpuMsPerRequest} ms/req`,
      );
      requireAll2xx(`${scenario} [${mode}]`, result);
      return figure;
    };

    if (options.only !== 'submit') {
      let small: Awaited<ReturnType<typeof measureReads>> | undefined;
      if (data) {
        datasetInfo.checkInsAtSmall = await checkInCount(db);
        log(`reads at ${datasetInfo.checkInsAtSmall} check-ins`);
        small = await measureReads(`@${Math.round(Number(datasetInfo.checkInsAtSmall) / 1000)}k`);
        const counts = await loadPhase(db.adminDbUrl, data, 'history', log);
        datasetInfo.historyCheckIns = counts.checkIns;
      }
      datasetInfo.checkInsAtLarge = await checkInCount(db);
      log(`reads at ${datasetInfo.checkInsAtLarge} check-ins`);
      const large = await measureReads(`@${Math.round(Number(datasetInfo.checkInsAtLarge) / 1000)}k`);
      const p = large.progress;
      const c = large.caseloads;
      checks.push({
        name: 'progress p99, paced at 50% of capacity',
        value: `${p.paced.p99} ms (${p.paced.rate}/s)`,
        target: '≤ 30 ms',
        isMet: p.paced.p99 <= 30,
      });
      // Issue 17: the progress read of a two-year couple, one connection, p99 ≤ 15 ms.
      checks.push({
        name: 'progress p99, one connection',
        value: `${p.serial.p99} ms`,
        target: '≤ 15 ms',
        isMet: p.serial.p99 <= 15,
      });
      checks.push({
        name: `progress p99, ${options.connections} connections saturated`,
        value: `${p.saturated.p99} ms`,
        target: '≤ 30 ms',
        isMet: p.saturated.p99 <= 30,
      });
      checks.push({
        name: 'caseloads p99, paced at 50% of capacity',
        value: `${c.paced.p99} ms (${c.paced.rate}/s)`,
        target: '≤ 100 ms',
        isMet: c.paced.p99 <= 100,
      });
      checks.push({
        name: 'caseloads p99, one connection',
        value: `${c.serial.p99} ms`,
        target: '≤ 100 ms',
        isMet: c.serial.p99 <= 100,
      });
      checks.push({
        name: `caseloads p99, ${options.connections} connections saturated`,
        value: `${c.saturated.p99} ms`,
        target: '≤ 100 ms',
        isMet: c.saturated.p99 <= 100,
      });
      if (small) {
        // Reads must not grow with the clinic's history: progress ≤ 1.2× (issue 17), caseloads ≤ 1.3×.
        for (const name of ['progress', 'caseloads'] as const) {
          const bound = name === 'progress' ? 1.2 : 1.3;
          const cost = large[name].saturated.mean / small[name].saturated.mean;
          const serial = large[name].serial.p99 / small[name].serial.p99;
          const serialMean = large[name].serial.mean / small[name].serial.mean;
          checks.push({
            name: `${name} growth 100k→1M, per-request cost (saturated mean)`,
            value: `${cost.toFixed(2)}× (${small[name].saturated.mean} → ${large[name].saturated.mean} ms)`,
            target: `≤ ${bound}×`,
            isMet: cost <= bound,
          });
          checks.push({
            name: `${name} growth 100k→1M, one-connection p99`,
            value: `${serial.toFixed(2)}× (${small[name].serial.p99} → ${large[name].serial.p99} ms)`,
            target: `≤ ${bound}×`,
            isMet: serial <= bound,
          });
          checks.push({
            name: `${name} growth 100k→1M, one-connection mean`,
            value: `${serialMean.toFixed(2)}× (${small[name].serial.mean} → ${large[name].serial.mean} ms)`,
            target: `≤ ${bound}×`,
            isMet: serialMean <= bound,
          });
        }
      }
      // The API's peak RSS across every read scenario (issue 17: ≤ 250 MB throughout the bench).
      const readRss = Math.max(
        ...figures.filter((f) => /^(progress|caseloads) /.test(f.scenario)).map((f) => f.peakRssMb),
      );
      checks.push({
        name: 'API peak RSS during the read scenarios',
        value: `${readRss} MB`,
        target: '≤ 250 MB',
        isMet: readRss <= 250,
      });
    }

    if (options.only !== 'reads') {
      log('starting the bare Fastify + pg baseline');
      baseline = await startChild(
        'baseline',
        resolve(ROOT, 'dist/bench/baseline-server.js'),
        ['--port', String(BASELINE_PORT), '--database-url', db.appUrl, '--jwt-secret', secret, '--pool-size', '10'],
        settings.env,
        BASELINE_PORT,
        '/ready',
      );
      const pools = await submitPools(db, actors.clinicId, secret);
      log(`check-in pools: ${pools.api.length} for the API, ${pools.baseline.length} for the baseline`);
      // Warm both up on a slice of their pools (JIT, pools, plans), then measure.
      requireAll2xx(
        'check-in submit warm-up (baseline)',
        await runLoad(BASELINE_PORT, { connections: 10, seconds: 2, next: pools.nextBaseline }),
      );
      requireAll2xx(
        'check-in submit warm-up (API)',
        await runLoad(API_PORT, { connections: 10, seconds: 2, next: pools.nextApi }),
      );
      const before = await databaseStats(db);
      const bare = await measure(baseline, 'check-in submit (bare Fastify + pg)', 'saturated', {
        connections: options.connections,
        seconds: options.seconds,
        next: pools.nextBaseline,
      });
      const between = await databaseStats(db);
      const mend = await measure(api, 'check-in submit (API)', 'saturated', {
        connections: options.connections,
        seconds: options.seconds,
        next: pools.nextApi,
      });
      const after = await databaseStats(db);
      datasetInfo.baselinePerRequest = perRequest(before, between, bare.requests);
      datasetInfo.apiPerRequest = perRequest(between, after, mend.requests);
      log(`per request, baseline: ${datasetInfo.baselinePerRequest}; API: ${datasetInfo.apiPerRequest}`);
      // The database's own pace in the same run: pgbench TPC-B with as many clients as the API had connections.
      const tpcbDatabase = `${options.database}_tpcb`;
      log(`pgbench: initialising ${tpcbDatabase} at scale ${options.pgbenchScale}`);
      await initTpcb(settings.adminDatabaseUrl, tpcbDatabase, options.pgbenchScale);
      const tpcb = await runTpcb(settings.adminDatabaseUrl, tpcbDatabase, {
        clients: options.connections,
        seconds: options.seconds,
        scale: options.pgbenchScale,
      });
      await dropTpcb(settings.adminDatabaseUrl, tpcbDatabase);
      datasetInfo.pgbenchTpcb = `${tpcb.tps} tps, p50 ${tpcb.p50} ms, p99 ${tpcb.p99} ms (${tpcb.clients} clients, scale ${tpcb.scale})`;
      log(`pgbench TPC-B: ${datasetInfo.pgbenchTpcb}`);
      const tpcbRatio = mend.rps / tpcb.tps;
      const rpsRatio = mend.rps / bare.rps;
      const p99Ratio = mend.p99 / bare.p99;
      checks.push({
        name: 'check-in submit req/s vs pgbench TPC-B tps',
        value: `${tpcbRatio.toFixed(2)} (${mend.rps} / ${tpcb.tps})`,
        target: '≥ 0.4',
        isMet: tpcbRatio >= 0.4,
      });
      checks.push({
        name: 'check-in submit p99 vs baseline',
        value: `${p99Ratio.toFixed(2)}× (${mend.p99} / ${bare.p99} ms)`,
        target: '≤ 1.5×',
        isMet: p99Ratio <= 1.5,
      });
      checks.push({
        name: 'check-in submit req/s vs baseline (same SQL)',
        value: `${rpsRatio.toFixed(2)} (${mend.rps} / ${bare.rps})`,
        target: '≥ 0.6',
        isMet: rpsRatio >= 0.6,
      });
      checks.push({
        name: 'check-in submit answered 201',
        value: `${mend.statusCounts['201'] ?? 0}/${mend.requests} API, ${bare.statusCounts['201'] ?? 0}/${bare.requests} baseline`,
        target: 'all',
        isMet: mend.non2xx === 0 && bare.non2xx === 0,
      });
    }
  } finally {
    await baseline?.stop();
    await api.stop();
  }

  // The machine's own load matters: figures from a busy 2-core VM are not figures from an idle one.
  datasetInfo.cpus = cpus().length;
  datasetInfo.loadAverage1m = loadavg()[0].toFixed(2);
  printTable(figures, checks, datasetInfo, Date.now() - started);
  const outDir = resolve(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = resolve(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), options, dataset: datasetInfo, figures, checks }, null, 2),
  );
  log(`results written to ${file}`);
}

/**
 * Open, unanswered occurrences of the large clinic's partners, split by couple between the
 * baseline and the API (each check-in needs its own occurrence), shuffled so consecutive
 * requests rarely wait on the same assignment's lock.
 */
async function submitPools(db: BenchDatabase, clinicId: string, secret: string) {
  const rows = await query<{ couple_id: string; partner_id: string; assignment_id: string; due_at: Date }>(
    db.adminDbUrl,
    `SELECT o.couple_id, o.partner_id, o.assignment_id, o.due_at FROM occurrence o
      WHERE o.clinic_id = $1 AND o.due_at - interval '24 hours' <= now() + interval '1 minute' AND o.closes_at > now() + interval '30 minutes'
        AND NOT EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id)`,
    [clinicId],
  );
  // The API and the baseline accept an access token only for a live sign-in: each partner gets a
  // refresh-token family (one INSERT for all of them), as the read scenarios' signed tokens do.
  // Without it every submit answered 401 and the bench measured the rejection.
  const partnerIds = [...new Set(rows.map((r) => r.partner_id))];
  const families = partnerIds.map(() => randomUUID());
  await query(
    db.adminDbUrl,
    `INSERT INTO refresh_token (clinic_id, id, user_id, family_id, token_hash, expires_at, family_expires_at)
     SELECT $1, gen_random_uuid(), u.user_id, u.family_id, md5(u.family_id::text), now() + interval '1 day', now() + interval '1 day'
       FROM unnest($2::uuid[], $3::uuid[]) AS u(user_id, family_id)`,
    [clinicId, partnerIds, families],
  );
  const tokens = new Map(
    partnerIds.map((id, i) => [
      id,
      signAccessToken(secret, { sub: id, cid: clinicId, role: 'client' }, 7200, families[i]),
    ]),
  );
  const token = (partnerId: string) => tokens.get(partnerId)!;
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const shuffled = rows
    .map((r) => ({ r, k: rand() }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.r);
  const toRequest = (r: (typeof rows)[number]): LoadRequest => ({
    method: 'POST',
    path: `/v1/assignments/${r.assignment_id}/check-ins`,
    headers: { authorization: `Bearer ${token(r.partner_id)}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      occurrenceAt: r.due_at.toISOString(),
      answers: { trust: 7, safety: 6, note: 'We talked about the budget calmly.' },
      visibility: 'private',
    }),
  });
  const api: LoadRequest[] = [];
  const baseline: LoadRequest[] = [];
  for (const r of shuffled) (r.couple_id.charCodeAt(35) % 2 === 0 ? api : baseline).push(toRequest(r));
  const sequence = (items: LoadRequest[]) => {
    let i = 0;
    return () => {
      if (i >= items.length) throw new Error('check-in pool exhausted: lower --seconds or raise --couples');
      return items[i++];
    };
  };
  return { api, baseline, nextApi: sequence(api), nextBaseline: sequence(baseline) };
}

interface DatabaseStats {
  commits: number;
  inserted: number;
  updated: number;
  fetched: number;
  returned: number;
}

/** The database's work per request between two samples: transactions, rows written and rows read. */
function perRequest(from: DatabaseStats, to: DatabaseStats, n: number): string {
  return (['commits', 'inserted', 'updated', 'fetched', 'returned'] as const)
    .map((k) => `${k} ${((to[k] - from[k]) / Math.max(1, n)).toFixed(1)}`)
    .join(', ');
}

/**
 * The benchmark database's counters, after the servers' backends have flushed them (PostgreSQL
 * 15 flushes an idle backend's statistics within 10 s). Used to show that the baseline and the
 * API do the same database work per request.
 */
async function databaseStats(db: BenchDatabase): Promise<DatabaseStats> {
  await new Promise((r) => setTimeout(r, 11_000));
  const [row] = await query<{ commits: string; inserted: string; updated: string; fetched: string; returned: string }>(
    db.adminDbUrl,
    `SELECT xact_commit AS commits, tup_inserted AS inserted, tup_updated AS updated, tup_fetched AS fetched,
            tup_returned AS returned FROM pg_stat_database WHERE datname = current_database()`,
  );
  return {
    commits: Number(row.commits),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    fetched: Number(row.fetched),
    returned: Number(row.returned),
  };
}

function printTable(
  figures: ScenarioFigure[],
  checks: Check[],
  dataset: Record<string, number | string>,
  elapsedMs: number,
): void {
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
  const out: string[] = [];
  out.push('');
  out.push(
    `Dataset: ${Object.entries(dataset)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  out.push('');
  out.push(
    `${pad('scenario', 44)} ${pad('mode', 15)} ${lpad('req/s', 7)} ${lpad('p50 ms', 7)} ${lpad('p99 ms', 7)} ${lpad('non-2xx', 8)} ${lpad('RSS MB', 7)}`,
  );
  out.push('-'.repeat(100));
  for (const f of figures) {
    const mode = f.mode === 'paced' ? `paced ${f.rate}/s` : f.mode === 'serial' ? '1 conn' : `${f.connections} conns`;
    out.push(
      `${pad(f.scenario, 44)} ${pad(mode, 15)} ${lpad(String(f.rps), 7)} ${lpad(String(f.p50), 7)} ${lpad(String(f.p99), 7)} ${lpad(String(f.non2xx), 8)} ${lpad(String(f.peakRssMb), 7)}`,
    );
  }
  out.push('');
  out.push(`${pad('check', 58)} ${pad('value', 30)} ${pad('target', 10)} met`);
  out.push('-'.repeat(100));
  for (const c of checks)
    out.push(`${pad(c.name, 58)} ${pad(c.value, 30)} ${pad(c.target, 10)} ${c.isMet ? 'yes' : 'NO'}`);
  out.push('');
  out.push(`Total time ${(elapsedMs / 1000).toFixed(0)} s.`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
