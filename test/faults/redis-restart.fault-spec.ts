/**
 * Redis restarted twice while reminders are being sent: first with its data (a clean SHUTDOWN,
 * AOF and RDB on, started again on the same files), then without it (started on an empty folder,
 * as after losing the machine). What must happen is recorded in PostgreSQL first, so once the
 * reconciler has re-added the jobs the empty Redis lost, every reminder has gone out exactly once.
 *
 * During each outage the API keeps answering: routes that only need PostgreSQL work (writes
 * record their jobs in the outbox), readiness answers 503 problem+json, nothing hangs, nothing
 * crashes, and readiness is back soon after Redis is.
 */
import 'reflect-metadata';

import {
  bookSession,
  newClinic,
  newCouple,
  newStaff,
  TEST_PASSWORD,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { sendRemindersImmediately } from './support/api-client.js';
import { startFaultStack, waitFor, type FaultStack } from './support/fault-stack.js';
import { Load, observeOutage, type Outage, type Route, type Sample } from './support/load.js';
import { auditReminders, mailedRowIds, reminderRows, sentCount, type Recipient } from './support/reminder-audit.js';
import { print, recordScenario, statusList, summarize, table, type ResponseSummary } from './support/report.js';
import { sleep } from './support/services.js';

/** Two bursts (one per restart) and a trickle due all along, over two couples. */
const BURST = 24;
const TRICKLE = 20;
const BURST_GAP_MS = 30_000;
const TOTAL = (2 * BURST + TRICKLE) * 3 * 2;
/** Share of a burst delivered when Redis goes down: the rest of it is waiting in Redis. */
const RESTART_AT = 0.25;
const OUTAGE_MS = 4_000;
const RECONCILE_INTERVAL_MS = 5_000;
const OUTAGE_P99_LIMIT_MS = 2_000;
const OUTAGE_MAX_LIMIT_MS = 5_000;
const READY_RECOVERY_LIMIT_MS = 15_000;
const COMPLETED_REMINDER_JOBS = '{faults}:notifications:completed';

interface RestartFigures {
  mode: 'with data' | 'without data';
  deliveredAtShutdown: number;
  /** Completed reminder jobs Redis held before the shutdown, and right after the start. */
  completedJobsBefore: number;
  completedJobsAfterStart: number;
  outageMs: number;
  duringOutage: ResponseSummary;
  routes: Array<{ route: string; during: ResponseSummary; recoveryMs: number | undefined }>;
  unexpectedAnswers: number;
}

describe('Redis restarted with and without its data while reminders are sent', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack('redis-restart', { REMINDERS_RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS) });
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('loses and doubles no reminder, and the API answers throughout', async () => {
    const { http, target, owner, smtp, redis } = stack;
    await stack.startWorker();
    const clinic = await newClinic(target);
    await sendRemindersImmediately(http, clinic);
    const therapist: StaffContext = await newStaff(target, clinic);
    const couples: CoupleContext[] = [await newCouple(target, therapist), await newCouple(target, therapist)];
    // Writes during the outages go to a couple of their own, far in the future: not part of the batch.
    const probeCouple = await newCouple(target, therapist);

    const firstBurstAt = Date.now() + 25_000;
    const secondBurstAt = firstBurstAt + BURST_GAP_MS;
    const trickleEveryMs = (BURST_GAP_MS + 15_000) / TRICKLE;
    const plan: Array<{ dueAt: number; group: 'first' | 'second' | 'trickle' }> = [
      ...Array.from({ length: BURST }, (_, i) => ({ dueAt: firstBurstAt + i * 10, group: 'first' as const })),
      ...Array.from({ length: BURST }, (_, i) => ({ dueAt: secondBurstAt + i * 10, group: 'second' as const })),
      ...Array.from({ length: TRICKLE }, (_, i) => ({
        dueAt: firstBurstAt + 500 + i * trickleEveryMs,
        group: 'trickle' as const,
      })),
    ];
    const groups = { first: [] as string[], second: [] as string[], trickle: [] as string[] };
    const recipients: Recipient[] = [
      { member: therapist, sessions: [] },
      ...couples.flatMap((c) => c.partners.map((member) => ({ member, sessions: [] as string[] }))),
    ];
    for (const [i, item] of plan.entries()) {
      const couple = couples[i % couples.length];
      const id = await bookSession(target, therapist, couple, new Date(item.dueAt + 24 * 3600_000));
      groups[item.group].push(id);
      recipients[0].sessions.push(id);
      for (const r of recipients) if (couple.partners.some((p) => p.id === r.member.id)) r.sessions.push(id);
    }
    const sessionIds = recipients[0].sessions;
    const planned = await reminderRows(owner, clinic.clinicId, sessionIds);
    expect(planned).toHaveLength(TOTAL);
    if (Date.now() > firstBurstAt - 1_000)
      throw new Error('setup took longer than the lead time: the first burst was due before the batch was complete');

    const partner = couples[0].partners[0];
    const routes: Route[] = [
      { name: 'GET /health/live', method: 'GET', path: '/health/live', ok: 200 },
      { name: 'GET /health/ready', method: 'GET', path: '/health/ready', ok: 200 },
      {
        name: 'POST /v1/auth/login',
        method: 'POST',
        path: '/v1/auth/login',
        body: () => ({ clinic: clinic.slug, email: therapist.email, password: TEST_PASSWORD }),
        ok: 200,
      },
      {
        name: 'GET /v1/couples/{id}',
        method: 'GET',
        path: `/v1/couples/${couples[0].coupleId}`,
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
        name: 'POST /v1/couples/{id}/sessions',
        method: 'POST',
        path: `/v1/couples/${probeCouple.coupleId}/sessions`,
        token: therapist.accessToken,
        body: () => {
          const startsAt = new Date(Date.now() + (30 + Math.random() * 300) * 24 * 3600_000);
          return { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3600_000).toISOString() };
        },
        ok: 201,
      },
    ];

    const restart = async (mode: 'keep' | 'lose', burst: string[], dueAt: number): Promise<RestartFigures> => {
      // The load runs for a second before the trigger, so it starts a little before the burst is due.
      await sleep(dueAt - 1_500 - Date.now());
      const threshold = Math.ceil(RESTART_AT * burst.length * 6);
      const trigger = () =>
        waitFor(
          `${threshold} reminders of the burst delivered`,
          async () => ((await sentCount(owner, clinic.clinicId, burst)) >= threshold ? true : undefined),
          60_000,
          5,
        );
      let deliveredAtShutdown = 0;
      let completedJobsBefore = 0;
      let completedJobsAfterStart = 0;
      const outage: Outage = await observeOutage(
        new Load(http, routes, 4, 20),
        routes,
        {
          down: async () => {
            completedJobsBefore = await redis.sortedSetSize(COMPLETED_REMINDER_JOBS);
            await redis.stop(mode);
            deliveredAtShutdown = await sentCount(owner, clinic.clinicId, sessionIds);
          },
          up: async () => {
            await redis.start();
            completedJobsAfterStart = await redis.sortedSetSize(COMPLETED_REMINDER_JOBS);
          },
        },
        { holdMs: OUTAGE_MS, recoveryTimeoutMs: 60_000, trigger },
      );
      const byRoute = (name: string) => outage.during.filter((s: Sample) => s.route === name);
      const unexpected = outage.samples.filter(
        (s) =>
          s.status !== routes.find((r) => r.name === s.route)!.ok &&
          !(s.route === 'GET /health/ready' && s.status === 503),
      );
      return {
        mode: mode === 'keep' ? 'with data' : 'without data',
        deliveredAtShutdown,
        completedJobsBefore,
        completedJobsAfterStart,
        outageMs: outage.startingAt - outage.downAt,
        duringOutage: summarize(outage.during),
        routes: routes.map((r) => ({
          route: r.name,
          during: summarize(byRoute(r.name)),
          recoveryMs: outage.recoveryMs[r.name],
        })),
        unexpectedAnswers: unexpected.length,
      };
    };

    const withData = await restart('keep', groups.first, firstBurstAt);
    const withoutData = await restart('lose', groups.second, secondBurstAt);
    const lastUpAt = Date.now();

    const emailRows = planned.filter((r) => r.channel === 'email').length;
    await waitFor(
      'every reminder to be delivered after the restarts',
      async () =>
        (await sentCount(owner, clinic.clinicId, sessionIds)) === TOTAL &&
        mailedRowIds(smtp, planned).size === emailRows
          ? true
          : undefined,
      180_000,
      250,
    );
    const allDeliveredMs = Date.now() - lastUpAt;
    await sleep(2_000);
    // Jobs the reconciler added for rows whose job the empty Redis no longer had (its job ids start so).
    const reconcilerJobs = (await redis.keysMatching('{faults}:notifications:reminder-reconcile.*')).filter(
      (key) => key.split(':').length === 3,
    ).length;
    const audit = await auditReminders(http, smtp, await reminderRows(owner, clinic.clinicId, sessionIds), recipients);

    const restarts = [withData, withoutData];
    const figures = {
      reminders: TOTAL,
      reconcileIntervalMs: RECONCILE_INTERVAL_MS,
      restarts,
      jobsReaddedByReconciler: reconcilerJobs,
      allDeliveredMsAfterLastRestart: allDeliveredMs,
      ...audit,
      crashes: stack.crashes(),
    };
    print(
      table(
        `Redis restarted with and without its data during ${TOTAL} reminders (reconciler every ${RECONCILE_INTERVAL_MS / 1000} s)`,
        ['channel', 'rows', 'delivered', 'lost', 'duplicated', 'raw wire repeats'],
        [
          ['in-app', audit.inApp.rows, audit.inApp.delivered, audit.inApp.lost, audit.inApp.duplicated, '-'],
          [
            'email',
            audit.email.rows,
            audit.email.delivered,
            audit.email.lost,
            audit.email.duplicated,
            audit.email.rawWireRepeats,
          ],
        ],
        [
          ...restarts.map(
            (r) =>
              `restart ${r.mode}: down at ${r.deliveredAtShutdown}/${TOTAL} delivered; completed jobs in Redis ${r.completedJobsBefore} before, ${r.completedJobsAfterStart} right after the start`,
          ),
          `all delivered ${(allDeliveredMs / 1000).toFixed(1)} s after Redis came back the second time; the reconciler re-added ${reconcilerJobs} jobs`,
        ],
      ),
    );
    for (const r of restarts) {
      print(
        table(
          `API while Redis is down (${r.mode}, ${(r.outageMs / 1000).toFixed(1)} s)`,
          ['route', 'outage answers', 'statuses', 'p50 ms', 'p99 ms', 'max ms', 'healthy after (ms)'],
          r.routes.map((x) => [
            x.route,
            x.during.count,
            statusList(x.during.statuses),
            x.during.p50Ms,
            x.during.p99Ms,
            x.during.maxMs,
            x.recoveryMs ?? 'never',
          ]),
          [
            `all outage answers: ${r.duringOutage.count}, p99 ${r.duringOutage.p99Ms} ms, max ${r.duringOutage.maxMs} ms, not problem+json ${r.duringOutage.notProblemJson}, leaking internals ${r.duringOutage.leaks}`,
            `answers that were neither healthy nor a readiness 503: ${r.unexpectedAnswers}`,
          ],
        ),
      );
    }
    print(`   process crashes: ${figures.crashes.length ? figures.crashes.join('; ') : 'none'}\n`);
    recordScenario('redisRestart', figures);

    // The first restart really kept the queue's data and the second really lost it.
    expect(withData.completedJobsAfterStart).toBeGreaterThanOrEqual(withData.completedJobsBefore);
    expect(withData.completedJobsBefore).toBeGreaterThan(0);
    expect(withoutData.completedJobsAfterStart).toBeLessThan(withoutData.completedJobsBefore / 10);
    // The second burst was mid-way when Redis lost everything: only the reconciler could send the rest.
    expect(reconcilerJobs).toBeGreaterThan(0);
    expect(audit.inApp).toEqual({ rows: TOTAL / 2, delivered: TOTAL / 2, lost: 0, duplicated: 0 });
    expect(audit.email).toMatchObject({
      rows: TOTAL / 2,
      delivered: TOTAL / 2,
      lost: 0,
      duplicated: 0,
      rawWireRepeats: 0,
      unattributed: 0,
      misaddressed: 0,
    });
    for (const r of restarts) {
      for (const x of r.routes)
        expect({ mode: r.mode, route: x.route, answered: x.during.count > 0 }).toEqual({
          mode: r.mode,
          route: x.route,
          answered: true,
        });
      const ready = r.routes.find((x) => x.route === 'GET /health/ready')!;
      expect({ mode: r.mode, ready: ready.during.statuses }).toEqual({
        mode: r.mode,
        ready: { 503: ready.during.count },
      });
      expect({ mode: r.mode, unexpected: r.unexpectedAnswers }).toEqual({ mode: r.mode, unexpected: 0 });
      expect(r.duringOutage.notProblemJson).toBe(0);
      expect(r.duringOutage.leaks).toBe(0);
      expect(r.duringOutage.p99Ms).toBeLessThan(OUTAGE_P99_LIMIT_MS);
      expect(r.duringOutage.maxMs).toBeLessThan(OUTAGE_MAX_LIMIT_MS);
      expect(ready.recoveryMs).toBeLessThan(READY_RECOVERY_LIMIT_MS);
    }
    expect(stack.crashes()).toEqual([]);
  });
});
