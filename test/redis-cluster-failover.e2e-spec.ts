/**
 * Redis Cluster failover under a reminder burst: six nodes (three masters, one replica each) on
 * loopback, the API and the worker on them through ioredis `Cluster` and the `{…}` prefix. Once
 * the worker is delivering, the master that holds the queues' slot is SIGKILLed; its replica is
 * elected, the clients follow the new slot map, and every reminder is delivered exactly once:
 * what the dead master had not replicated is re-added from PostgreSQL by the reconciler.
 * The cluster is the suite's own (Debian's redis-server and redis-cli), never the shared Redis.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { PrivateRedisCluster } from './support/redis-cluster.js';
import { newReminderScene } from './support/reminder-scene.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SESSIONS = 34; // × (2 partners + therapist) × (email + in-app) = 204 reminders
const auth = { type: 'bearer' } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe('a Redis Cluster master killed during a reminder burst', () => {
  let cluster: PrivateRedisCluster;
  let t: TestApp;
  let smtp: SmtpCatcher;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start({ masters: 3, replicasPerMaster: 1 });
    smtp = await startSmtpCatcher();
    t = await createTestApp({
      env: {
        QUEUE_BACKEND: 'redis',
        REDIS_URL: undefined,
        REDIS_CLUSTER_NODES: cluster.seedNodes,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WORKER_CONCURRENCY: '5',
        REMINDERS_RECONCILE_INTERVAL_MS: '1000',
        REMINDERS_RECONCILE_GRACE_MS: '0',
      },
    });
    worker = await createWorkerApp(t.config);
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await smtp?.close();
    await cluster?.stop();
  });

  it('fails over to the replica and delivers every reminder exactly once', async () => {
    const { clinic, therapist, couple, sql, bookSessionsRemindedAt } = await newReminderScene(t, { dailyCap: 100 });
    const prefix = t.config.redis.prefix;
    const masterBefore = await cluster.masterPortFor(prefix);
    // Replication is asynchronous: wait until the replica is attached, or there is nothing to fail over to.
    const attachedBy = Date.now() + 15_000;
    while ((await cluster.connectedReplicas(masterBefore)) < 1 && Date.now() < attachedBy) await sleep(100);
    expect(await cluster.connectedReplicas(masterBefore)).toBe(1);

    const dueAt = Date.now() + 4_000;
    await bookSessionsRemindedAt(dueAt, SESSIONS);
    const count = async (channel: string, state: string): Promise<number> =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = $2 AND state = $3`,
          [clinic.clinicId, channel, state],
        )
      )[0].n;
    const delivered = async () => (await count('in_app', 'sent')) + (await count('email', 'sent'));
    const perChannel = SESSIONS * 3;
    await sleep(dueAt - Date.now());

    // Kill the queues' master once part of the burst is out.
    const killBy = Date.now() + 15_000;
    while (Date.now() < killBy && (await delivered()) < 10) await sleep(5);
    const deliveredBeforeKill = await delivered();
    await cluster.kill(masterBefore);
    expect(deliveredBeforeKill).toBeLessThan(2 * perChannel);

    const masterAfter = await cluster.waitForFailover(masterBefore, prefix);
    expect(masterAfter).not.toBe(masterBefore);

    const deadline = Date.now() + 45_000;
    while ((await delivered()) < 2 * perChannel && Date.now() < deadline) await sleep(100);
    expect(await count('in_app', 'sent')).toBe(perChannel);
    expect(await count('email', 'sent')).toBe(perChannel);

    for (const user of [therapist, ...couple.partners]) {
      const inbox = (await t.http().get('/v1/me/notifications?limit=200').auth(user.accessToken, auth).expect(200))
        .body;
      const sessions = (inbox.data as Array<{ kind: string; sessionId: string }>)
        .filter((n) => n.kind === 'session_reminder')
        .map((n) => n.sessionId);
      expect(sessions).toHaveLength(SESSIONS);
      expect(new Set(sessions).size).toBe(SESSIONS);
    }
    const emailIds = await sql<{ id: string }>(
      `SELECT id FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = 'email'`,
      [clinic.clinicId],
    );
    const mails = smtp.mails.filter((m) => m.body.includes('Subject: Upcoming appointment'));
    expect(mails.map((m) => m.messageId).sort()).toEqual(emailIds.map((r) => `reminder.${r.id}@mend.test`).sort());
    process.stdout.write(
      `cluster master :${masterBefore} killed after ${deliveredBeforeKill} of ${2 * perChannel} deliveries; replica :${masterAfter} took over; ${mails.length} emails, all distinct\n`,
    );
  }, 120_000);
});
