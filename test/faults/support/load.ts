/**
 * Steady traffic against the API while a backing service goes away: `connections` loops, each
 * sending the next route of the list as soon as the previous answer arrives, every answer kept
 * with its route and start time so the scenario can cut it into before / outage / after.
 */
import type { ApiClient, ApiResponse } from './api-client.js';
import { sleep } from './services.js';

export interface Route {
  name: string;
  method: string;
  path: string;
  token?: string;
  body?: () => unknown;
  /** The answer a healthy API gives. */
  ok: number;
}

export interface Sample extends ApiResponse {
  route: string;
}

export class Load {
  readonly samples: Sample[] = [];
  private isRunning = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly http: ApiClient,
    private readonly routes: Route[],
    private readonly connections: number,
    /** Pause between one answer and the next request of a loop; 0 is full speed. */
    private readonly pauseMs = 0,
  ) {}

  start(): void {
    this.isRunning = true;
    this.loops = Array.from({ length: this.connections }, (_, i) => this.loop(i));
  }

  async stop(): Promise<Sample[]> {
    this.isRunning = false;
    await Promise.all(this.loops);
    return this.samples;
  }

  private async loop(offset: number): Promise<void> {
    for (let i = offset; this.isRunning; i++) {
      const route = this.routes[i % this.routes.length];
      // 10 s is far past any acceptable answer: a request still open then counts as a hang.
      const res = await this.http.call(route.method, route.path, {
        token: route.token,
        body: route.body?.(),
        timeoutMs: 10_000,
      });
      this.samples.push({ ...res, route: route.name });
      if (this.pauseMs > 0) await sleep(this.pauseMs);
    }
  }
}

export interface Outage {
  samples: Sample[];
  /** When the service was asked to stop, and when it had stopped. */
  stoppingAt: number;
  downAt: number;
  /** When it was started again, and when it accepted connections. */
  startingAt: number;
  upAt: number;
  /** Answers sent and received entirely while the service was down. */
  during: Sample[];
  /** Per route: time from `upAt` to its first healthy answer (a request started after `upAt`). */
  recoveryMs: Record<string, number>;
}

/**
 * Runs the load, waits for `trigger` (the moment the scenario wants the fault), takes the
 * service down for `holdMs`, brings it back, and keeps the load going until every route has
 * answered healthily again (or `recoveryTimeoutMs` passes; the missing routes are then absent
 * from `recoveryMs`).
 */
export async function observeOutage(
  load: Load,
  routes: Route[],
  service: { down: () => Promise<void>; up: () => Promise<void> },
  options: { holdMs: number; recoveryTimeoutMs: number; trigger?: () => Promise<unknown> },
): Promise<Outage> {
  load.start();
  await sleep(1_000);
  try {
    await options.trigger?.();
  } catch (error) {
    await load.stop();
    throw error;
  }
  const stoppingAt = Date.now();
  await service.down();
  const downAt = Date.now();
  await sleep(options.holdMs);
  const startingAt = Date.now();
  await service.up();
  const upAt = Date.now();
  const recoveryMs: Record<string, number> = {};
  const deadline = upAt + options.recoveryTimeoutMs;
  while (Date.now() < deadline) {
    for (const route of routes) {
      if (recoveryMs[route.name] !== undefined) continue;
      const first = load.samples
        .filter((s) => s.route === route.name && s.startedAt >= upAt && s.status === route.ok)
        .reduce<Sample | undefined>((a, b) => (a && a.startedAt + a.ms <= b.startedAt + b.ms ? a : b), undefined);
      if (first) recoveryMs[route.name] = first.startedAt + first.ms - upAt;
    }
    if (Object.keys(recoveryMs).length === routes.length) break;
    await sleep(50);
  }
  // A little healthy traffic after recovery, so "after" is not empty.
  await sleep(1_000);
  const samples = await load.stop();
  const during = samples.filter((s) => s.startedAt >= downAt && s.startedAt + s.ms <= startingAt);
  return { samples, stoppingAt, downAt, startingAt, upAt, during, recoveryMs };
}
