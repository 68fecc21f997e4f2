/**
 * The API and the worker through PgBouncer in transaction pooling mode (Debian's pgbouncer, the
 * settings of docs/scaling.md): three server connections serve the API's pool, two workers' pools
 * and this file's probes, so transactions of different clinics follow one another on the same
 * PostgreSQL sessions. What must hold there: tenant isolation (the clinic is pinned per
 * transaction, never left on a session), idempotent POSTs, the outbox relay and the reminder
 * claims (two workers, each reminder delivered once). Queues are on Redis, as in production:
 * BullMQ's PostgreSQL backend needs LISTEN, which transaction pooling cannot carry.
 */
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';

import { readTestSettings } from '@mend/config';
import { TenantDatabase } from '@mend/database';
import {
  createTestDatabase,
  newClinic,
  newCouple,
  newStaff,
  TEST_APP_PASSWORD,
  type TestDatabase,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { PgBouncer } from './support/pgbouncer.js';
import { PrivateRedis } from './support/private-redis.js';
import { newReminderScene } from './support/reminder-scene.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const SERVER_CONNECTIONS = 3;
const SESSIONS = 15; // × (2 partners + therapist) × (email + in-app) = 90 reminders
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe('API and worker through PgBouncer (transaction pooling)', () => {
  let bouncer: PgBouncer;
  let db: TestDatabase;
  let t: TestApp;
  let smtp: SmtpCatcher;
  let redisScratch: string | undefined;
  let privateRedis: PrivateRedis | undefined;
  const workers: INestApplicationContext[] = [];

  /** A client of the app role through PgBouncer, as the apps connect. */
  async function viaBouncer<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: bouncer.via(db.appUrl) });
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    const settings = readTestSettings();
    db = await createTestDatabase();
    bouncer = await PgBouncer.start({
      serverUrl: settings.adminDatabaseUrl,
      users: { mend_app: TEST_APP_PASSWORD },
      poolSize: SERVER_CONNECTIONS,
    });
    let redisUrl = settings.redisUrl;
    if (!redisUrl) {
      redisScratch = mkdtempSync(path.join(tmpdir(), 'mend-pgbouncer-redis-'));
      privateRedis = await PrivateRedis.start(redisScratch);
      redisUrl = privateRedis.url;
    }
    smtp = await startSmtpCatcher();
    t = await createTestApp({
      db,
      env: {
        DATABASE_URL: bouncer.via(db.appUrl),
        QUEUE_BACKEND: 'redis',
        REDIS_URL: redisUrl,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WORKER_CONCURRENCY: '5',
        DATABASE_POOL_SIZE: '5',
        // PgBouncer 1.18 in transaction mode does not carry protocol-level prepared statements.
        DATABASE_PREPARED_STATEMENTS: 'false',
      },
    });
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await t?.close();
    await db?.drop();
    await smtp?.close();
    await bouncer?.stop();
    await privateRedis?.stop('lose');
    if (redisScratch) rmSync(redisScratch, { recursive: true, force: true });
  });

  it('keeps clinics apart while their transactions share a few server connections', async () => {
    const clinics = await Promise.all([newClinic(t), newClinic(t)]);
    const therapists = await Promise.all(clinics.map((clinic) => newStaff(t, clinic)));
    const couples = await Promise.all(therapists.map((therapist) => newCouple(t, therapist)));

    // 60 interleaved reads from both clinics over 3 server connections: each sees only its own couple,
    // and the other clinic's couple answers 404.
    const reads = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const own = i % 2;
        return t
          .http()
          .get(`/v1/couples/${couples[(i % 4 < 2 ? own : 1 - own) as 0 | 1].coupleId}`)
          .auth(therapists[own].accessToken, auth)
          .then((res) => ({ isOwn: i % 4 < 2, status: res.status, id: res.body.id as string | undefined, own }));
      }),
    );
    for (const read of reads) {
      if (read.isOwn)
        expect({ status: read.status, id: read.id }).toEqual({ status: 200, id: couples[read.own].coupleId });
      else expect(read.status).toBe(404);
    }
    const lists = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t
          .http()
          .get('/v1/couples?limit=50')
          .auth(therapists[i % 2].accessToken, auth)
          .then((res) => ({ own: i % 2, ids: (res.body.data as Array<{ id: string }>).map((c) => c.id) })),
      ),
    );
    for (const list of lists) expect(list.ids).toEqual([couples[list.own].coupleId]);

    // The sessions really were shared: PgBouncer opened no more server connections than its pool.
    const pools = (await bouncer.show('POOLS')).filter((pool) => pool.user === 'mend_app');
    const servers = pools.reduce(
      (sum, pool) =>
        sum + Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used) + Number(pool.sv_tested),
      0,
    );
    expect(servers).toBeGreaterThan(0);
    expect(servers).toBeLessThanOrEqual(SERVER_CONNECTIONS);

    // A clinic pinned in one transaction is gone in the next one on the same server session: the
    // setting is transaction-local, and without it row-level security shows no rows at all.
    await viaBouncer(async (client) => {
      const seen = new Set<number>();
      for (let i = 0; i < 20; i++) {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinics[i % 2].clinicId]);
        const inside = await client.query<{ n: number; pid: number }>(
          'SELECT count(*)::int AS n, pg_backend_pid() AS pid FROM couple',
        );
        await client.query('COMMIT');
        expect(inside.rows[0].n).toBe(1);
        const after = await client.query<{ clinic: string | null; n: number; pid: number }>(
          `SELECT nullif(current_setting('app.clinic_id', true), '') AS clinic, (SELECT count(*)::int FROM couple) AS n, pg_backend_pid() AS pid`,
        );
        expect({ clinic: after.rows[0].clinic, n: after.rows[0].n }).toEqual({ clinic: null, n: 0 });
        seen.add(inside.rows[0].pid).add(after.rows[0].pid);
      }
      expect(seen.size).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    });
  });

  it('makes one resource from a burst of identical idempotent POSTs', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const key = `pgbouncer-${randomBytes(4).toString('hex')}`;
    const body = {
      label: `Couple ${randomBytes(3).toString('hex')}`,
      partners: [{ name: 'Robin Ash', timezone: 'America/New_York', email: `robin-${key}@couples.example` }],
    };
    const burst = await Promise.all(
      Array.from({ length: 12 }, () =>
        t.http().post('/v1/couples').auth(therapist.accessToken, auth).set('Idempotency-Key', key).send(body),
      ),
    );
    expect(burst.map((r) => r.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const created = burst.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    const replay = await t
      .http()
      .post('/v1/couples')
      .auth(therapist.accessToken, auth)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect({ id: replay.body.id, replayed: replay.headers['idempotent-replayed'] }).toEqual({
      id: created[0].body.id,
      replayed: 'true',
    });
    const rows = await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`SELECT count(*)::int AS n FROM couple WHERE clinic_id = $1 AND label = $2`, [
          clinic.clinicId,
          body.label,
        ]),
      );
    expect(rows[0].n).toBe(1);
  });

  it('relays the outbox and delivers every reminder once with two workers claiming through it', async () => {
    for (let i = 0; i < 2; i++) workers.push(await createWorkerApp(t.config));
    const { clinic, sql, bookSessionsRemindedAt } = await newReminderScene(t, { dailyCap: 100 });
    const dueAt = Date.now() + 3_000;
    await bookSessionsRemindedAt(dueAt, SESSIONS);
    const count = async (channel: string, state: string) =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = $2 AND state = $3`,
          [clinic.clinicId, channel, state],
        )
      )[0].n;
    const perChannel = SESSIONS * 3;
    expect(await count('in_app', 'scheduled')).toBe(perChannel);
    await sleep(dueAt - Date.now());
    const deadline = Date.now() + 30_000;
    while ((await count('in_app', 'sent')) + (await count('email', 'sent')) < 2 * perChannel && Date.now() < deadline)
      await sleep(100);
    expect(await count('in_app', 'sent')).toBe(perChannel);
    expect(await count('email', 'sent')).toBe(perChannel);
    // The relay marked what it published, and each email went out once.
    const unpublished = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE clinic_id = $1 AND published_at IS NULL AND available_at <= clock_timestamp()`,
      [clinic.clinicId],
    );
    expect(unpublished[0].n).toBe(0);
    const emailIds = await sql<{ id: string }>(
      `SELECT id FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND channel = 'email'`,
      [clinic.clinicId],
    );
    const mails = smtp.mails.filter((m) => m.body.includes('Subject: Upcoming appointment'));
    expect(mails.map((m) => m.messageId).sort()).toEqual(emailIds.map((r) => `reminder.${r.id}@mend.test`).sort());
  }, 60_000);
});
