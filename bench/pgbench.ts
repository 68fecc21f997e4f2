/**
 * PostgreSQL's own yardstick in the same run: pgbench's TPC-B-like script (three UPDATEs, a
 * SELECT and an INSERT in one transaction) on a database of its own next to the benchmark
 * database, with as many clients as the API gets connections. The check-in submit is compared
 * with it: what the database does per second when nothing else is in the way.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

const run = promisify(execFile);

export interface TpcbResult {
  clients: number;
  scale: number;
  seconds: number;
  tps: number;
  latencyAverageMs: number;
  p50: number;
  p99: number;
  transactions: number;
}

/** Creates `database` afresh on the admin URL's server and fills it with `pgbench -i -s scale`. */
export async function initTpcb(adminUrl: string, database: string, scale: number): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  await run('pgbench', [...connectionArgs(adminUrl, database), '-i', '-q', '-s', String(scale)], {
    env: pgEnv(adminUrl),
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Runs the TPC-B-like script for `seconds` with `clients` connections; per-transaction latencies from its log. */
export async function runTpcb(
  adminUrl: string,
  database: string,
  options: { clients: number; seconds: number; scale: number },
): Promise<TpcbResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mend-pgbench-'));
  try {
    const { stdout } = await run(
      'pgbench',
      [
        ...connectionArgs(adminUrl, database),
        '-c',
        String(options.clients),
        '-j',
        '2',
        '-T',
        String(options.seconds),
        '-n',
        '-l',
        `--log-prefix=${join(dir, 'tx')}`,
      ],
      { env: pgEnv(adminUrl), maxBuffer: 16 * 1024 * 1024 },
    );
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? NaN);
    const latencyAverageMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? NaN);
    // Log lines: client_id transaction_no time_us script_no time_epoch time_us_part.
    const latencies: number[] = [];
    for (const file of readdirSync(dir)) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const fields = line.split(' ');
        if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return {
      clients: options.clients,
      scale: options.scale,
      seconds: options.seconds,
      tps: Math.round(tps),
      latencyAverageMs,
      p50: Math.round(at(0.5)),
      p99: Math.round(at(0.99)),
      transactions: latencies.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function dropTpcb(adminUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

function connectionArgs(adminUrl: string, database: string): string[] {
  const url = new URL(adminUrl);
  return ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), database];
}

function pgEnv(adminUrl: string): NodeJS.ProcessEnv {
  const password = decodeURIComponent(new URL(adminUrl).password);
  return { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
}
