import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

import autocannon from 'autocannon';
import pidusage from 'pidusage';

export const JWT_ISSUER = 'mend';
export const JWT_AUDIENCE = 'mend-api';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * An access token exactly as TokenService signs it (HS256, issuer, audience, typ 'access'), so
 * the benchmark needs no argon2 login per simulated user. The family id is fresh: no revoked
 * refresh token names it, so the API's per-request re-check accepts it.
 */
export function signAccessToken(
  secret: string,
  claims: { sub: string; cid: string; role: 'admin' | 'therapist' | 'client' },
  ttlSeconds = 3600,
  familyId: string = randomUUID(),
): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      ...claims,
      fam: familyId,
      typ: 'access',
      iat,
      exp: iat + ttlSeconds,
      aud: JWT_AUDIENCE,
      iss: JWT_ISSUER,
    }),
  );
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export interface Child {
  name: string;
  process: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Starts a Node child (stdout/stderr kept in memory for a failure report) and waits until `readyPath` answers 200. */
export async function startChild(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  port: number,
  readyPath: string,
  nodeArgs: string[] = [],
): Promise<Child> {
  // A server left on the port (a bench that died without stopping its children) would answer the
  // readiness check and then the load: the run would measure it, a stale build with another secret.
  const isTaken = await fetch(`http://127.0.0.1:${port}${readyPath}`).then(
    () => true,
    () => false,
  );
  if (isTaken) throw new Error(`${name}: port ${port} is already in use by another server`);
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // However the bench ends (an uncaught error in a load generator's callback included), the child goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${readyPath}`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 60 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name,
    process: child,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      // SIGINT: Nest shuts down gracefully on it, and Node then writes a --cpu-prof profile.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

/**
 * Samples a process's resident set size while `work` runs; answers the peak in MB and the CPU
 * time (user + system) the process spent meanwhile, which does not depend on how busy the
 * shared machine is the way latencies do.
 */
export async function withPeakRss<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; cpuMs: number }> {
  let peak = 0;
  let firstCpu: number | null = null;
  let lastCpu = 0;
  const sample = async () => {
    try {
      const stats = await pidusage(pid);
      peak = Math.max(peak, stats.memory);
      firstCpu ??= stats.ctime;
      lastCpu = stats.ctime;
    } catch {
      // the process may be gone; the last sample stands
    }
  };
  await sample();
  const timer = setInterval(() => void sample(), 100);
  try {
    const result = await work();
    await sample();
    return { result, peakRssMb: Math.round(peak / 1024 / 1024), cpuMs: lastCpu - (firstCpu ?? lastCpu) };
  } finally {
    clearInterval(timer);
    pidusage.clear();
  }
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
}

/**
 * A bench whose server answered errors measures the error path, not the scenario: every load
 * (warm-ups included) must get only 2xx answers, else the run stops here, loudly.
 */
export function requireAll2xx(label: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(
      `bench scenario "${label}" got ${result.non2xx} non-2xx answers and ${result.errors} errors of ${result.requests} (statuses ${JSON.stringify(result.statusCounts)}): its figures would be wrong`,
    );
  return result;
}

/**
 * autocannon at `connections` for `seconds`; each request comes from `next()` (a token and path
 * per simulated user). With `rate`, the total request rate is capped (a paced run: latency
 * under a load the server can carry, rather than queueing at saturation).
 */
export async function runLoad(
  port: number,
  options: { connections: number; seconds?: number; amount?: number; rate?: number; next: () => LoadRequest },
): Promise<LoadResult> {
  const statusCounts: Record<string, number> = {};
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections,
    // A fixed number of requests (amount) instead of a duration, e.g. one pass over a list.
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds }),
    overallRate: options.rate,
    timeout: 30,
    requests: [
      {
        setupRequest: (req) => {
          const r = options.next();
          return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
        },
        onResponse: (status) => {
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        },
      },
    ],
  });
  const result = await instance;
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: Math.round(result.latency.average * 100) / 100,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
  };
}

/**
 * Open-loop load at a steady `rate` (requests evenly spaced, not in bursts) over at most
 * `connections` keep-alive connections: the latency a user sees while the server carries that
 * load, without the queueing a closed loop at saturation adds. A request that finds every
 * connection busy waits for one, and that wait counts in its latency.
 */
export async function runPaced(
  port: number,
  options: { connections: number; seconds: number; rate: number; next: () => LoadRequest },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const send = (r: LoadRequest): Promise<void> =>
    new Promise((resolveSend) => {
      const startedAt = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            latencies.push(performance.now() - startedAt);
            statusCounts[res.statusCode ?? 0] = (statusCounts[res.statusCode ?? 0] ?? 0) + 1;
            resolveSend();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolveSend();
      });
      req.end(r.body);
    });
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const startedAt = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = startedAt + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = send(options.next()).then(() => void inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - startedAt) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) =>
    latencies.length
      ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10
      : 0;
  const ok = Object.entries(statusCounts).reduce((n, [s, c]) => n + (Number(s) >= 200 && Number(s) < 300 ? c : 0), 0);
  return {
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50: pct(0.5),
    p99: pct(0.99),
    mean: Math.round((latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)) * 100) / 100,
    non2xx: latencies.length - ok,
    errors,
    timeouts: 0,
    statusCounts,
  };
}
