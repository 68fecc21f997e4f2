/**
 * PostgreSQL restarted (fast shutdown, a few seconds down, started again) under steady load on
 * authenticated read and write routes. While it is down every answer is a quick 503
 * problem+json without internals (liveness stays 200), nothing hangs, neither the API nor the
 * worker process dies, and each route answers normally again soon after PostgreSQL is back.
 */
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';

import { bookSession, newClinic, newCouple, newStaff } from '@mend/testing';

import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { Load, observeOutage, type Route, type Sample } from './support/load.js';
import { print, recordScenario, statusList, summarize, table } from './support/report.js';

const CONNECTIONS = 16;
const OUTAGE_MS = 6_000;
/** Generous for a loaded 2-core machine; a hang is the 10 s client timeout (status 0). */
const OUTAGE_P99_LIMIT_MS = 2_000;
const OUTAGE_MAX_LIMIT_MS = 5_000;
const RECOVERY_LIMIT_MS = 15_000;

describe('PostgreSQL restarted under load', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack('postgres-restart');
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers fast 503 problem+json while it is down, never hangs or crashes, and recovers', async () => {
    const { http, target } = stack;
    await stack.startWorker();
    const clinic = await newClinic(target);
    const therapist = await newStaff(target, clinic);
    const couple = await newCouple(target, therapist);
    await bookSession(target, therapist, couple, new Date(Date.now() + 7 * 24 * 3600_000));
    const partner = couple.partners[0];
    const future = () => {
      const startsAt = new Date(Date.now() + (30 + Math.random() * 300) * 24 * 3600_000);
      return { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3600_000).toISOString() };
    };
    const routes: Route[] = [
      {
        name: 'GET /v1/couples/{id}',
        method: 'GET',
        path: `/v1/couples/${couple.coupleId}`,
        token: therapist.accessToken,
        ok: 200,
      },
      {
        name: 'GET /v1/couples/{id}/sessions',
        method: 'GET',
        path: `/v1/couples/${couple.coupleId}/sessions`,
        token: therapist.accessToken,
        ok: 200,
      },
      {
        name: 'GET /v1/me/notifications',
        method: 'GET',
        path: '/v1/me/notifications',
        token: partner.accessToken,
        ok: 200,
      },
      {
        name: 'PATCH /v1/me',
        method: 'PATCH',
        path: '/v1/me',
        token: partner.accessToken,
        body: () => ({ name: `Alex ${randomBytes(2).toString('hex')}` }),
        ok: 200,
      },
      {
        name: 'POST /v1/couples/{id}/sessions',
        method: 'POST',
        path: `/v1/couples/${couple.coupleId}/sessions`,
        token: therapist.accessToken,
        body: future,
        ok: 201,
      },
      { name: 'GET /health/ready', method: 'GET', path: '/health/ready', ok: 200 },
      { name: 'GET /health/live', method: 'GET', path: '/health/live', ok: 200 },
    ];
    for (const route of routes) {
      const res = await http.call(route.method, route.path, { token: route.token, body: route.body?.() });
      expect({ route: route.name, status: res.status }).toEqual({ route: route.name, status: route.ok });
    }

    const outage = await observeOutage(
      new Load(http, routes, CONNECTIONS),
      routes,
      { down: () => stack.postgres.stop(), up: () => stack.postgres.start() },
      { holdMs: OUTAGE_MS, recoveryTimeoutMs: 60_000 },
    );

    const byRoute = (samples: Sample[], name: string) => samples.filter((s) => s.route === name);
    const rows = routes.map((route) => {
      const during = summarize(byRoute(outage.during, route.name));
      return { route: route.name, during, recoveryMs: outage.recoveryMs[route.name] };
    });
    const during = summarize(outage.during);
    const all = summarize(outage.samples);
    const unexpected = outage.samples.filter(
      (s) => s.status !== 503 && s.status !== routes.find((r) => r.name === s.route)!.ok,
    );
    const recoveryMs = Math.max(...routes.map((r) => outage.recoveryMs[r.name] ?? Number.POSITIVE_INFINITY));
    const figures = {
      connections: CONNECTIONS,
      outageMs: outage.startingAt - outage.downAt,
      shutdownMs: outage.downAt - outage.stoppingAt,
      startupMs: outage.upAt - outage.startingAt,
      requests: all.count,
      duringOutage: during,
      routes: rows,
      unexpectedAnswers: unexpected.length,
      recoveryMsAfterPostgresUp: recoveryMs,
      crashes: stack.crashes(),
    };
    print(
      table(
        `PostgreSQL restart under load (${CONNECTIONS} connections, down ${(figures.outageMs / 1000).toFixed(1)} s)`,
        ['route', 'outage answers', 'statuses', 'p50 ms', 'p99 ms', 'max ms', 'recovered after (ms)'],
        rows.map((r) => [
          r.route,
          r.during.count,
          statusList(r.during.statuses),
          r.during.p50Ms,
          r.during.p99Ms,
          r.during.maxMs,
          r.recoveryMs ?? 'never',
        ]),
        [
          `all outage answers: ${during.count}, p99 ${during.p99Ms} ms, max ${during.maxMs} ms, not problem+json ${during.notProblemJson}, leaking internals ${during.leaks}`,
          `whole run: ${all.count} answers (${statusList(all.statuses)}); unexpected (neither healthy nor 503): ${unexpected.length}`,
          `shutdown took ${figures.shutdownMs} ms, start ${figures.startupMs} ms; every route healthy ${recoveryMs} ms after PostgreSQL was back`,
          `process crashes: ${figures.crashes.length ? figures.crashes.join('; ') : 'none'}`,
        ],
      ),
    );
    recordScenario('postgresRestart', figures);

    expect(during.count).toBeGreaterThan(CONNECTIONS);
    for (const row of rows) {
      expect({ route: row.route, answered: row.during.count > 0 }).toEqual({ route: row.route, answered: true });
      const expected = row.route === 'GET /health/live' ? { 200: row.during.count } : { 503: row.during.count };
      expect({ route: row.route, statuses: row.during.statuses }).toEqual({ route: row.route, statuses: expected });
    }
    expect(during.notProblemJson).toBe(0);
    expect(all.leaks).toBe(0);
    expect(during.p99Ms).toBeLessThan(OUTAGE_P99_LIMIT_MS);
    expect(during.maxMs).toBeLessThan(OUTAGE_MAX_LIMIT_MS);
    expect(
      unexpected.map(
        (s) =>
          `${s.route} ${s.status} ${s.error ?? `requestId ${s.body?.requestId} (see test-output/faults/postgres-restart/api.log)`}`,
      ),
    ).toEqual([]);
    expect(recoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);
    expect(stack.crashes()).toEqual([]);
    expect(stack.api.isRunning).toBe(true);
  });
});
