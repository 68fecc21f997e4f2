/**
 * The outbox relay against real PostgreSQL and the real queue backends: BullMQ's PostgreSQL
 * backend always, Redis when the suite found one. Nothing is mocked; a relay crash between the
 * job add and the commit is simulated by a relay whose "mark published" step fails, which
 * rolls the transaction back exactly as a killed process would.
 */
import 'reflect-metadata';

import { Test, type TestingModule } from '@nestjs/testing';
import type { JobType } from 'bullmq';
import pg from 'pg';
import type { EntityManager } from 'typeorm';

import { ConfigModule, loadConfig, readTestSettings, type AppConfig } from '@mend/config';
import { Clock, newId } from '@mend/core';
import { DatabaseModule, TenantDatabase } from '@mend/database';
import {
  installQueueSchema,
  JobName,
  JobProducer,
  outboxJobId,
  OutboxRelay,
  OutboxWriter,
  QueueConnections,
  QueueHealth,
  QueueModule,
  QueueName,
  type MendQueue,
} from '@mend/queue';
import { createTestDatabase, type TestDatabase } from '@mend/testing';

const settings = readTestSettings();
const QUEUE_SCHEMA = 'bullmq';
const backends: Array<'postgres' | 'redis'> = settings.redisUrl ? ['postgres', 'redis'] : ['postgres'];
const ALL_STATES: JobType[] = [
  'waiting',
  'delayed',
  'prioritized',
  'active',
  'completed',
  'failed',
  'waiting-children',
];

/** A relay that "crashes" after adding the jobs and before marking the rows published. */
class CrashingRelay extends OutboxRelay {
  protected override async markPublished(): Promise<void> {
    throw new Error('simulated crash before commit');
  }
}

function testConfig(
  db: TestDatabase,
  backend: 'postgres' | 'redis',
  overrides: Record<string, string | undefined> = {},
): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    DATABASE_POOL_SIZE: '5',
    JWT_SECRET: 'outbox-relay-test-secret-0123456789abcdef',
    QUEUE_BACKEND: backend,
    REDIS_URL: backend === 'redis' ? settings.redisUrl : undefined,
    // One prefix per test file and run, so parallel files and reruns never share Redis keys.
    QUEUE_PREFIX: `{t-outbox-${settings.runId}}`,
    QUEUE_POSTGRES_SCHEMA: QUEUE_SCHEMA,
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

describe.each(backends)('outbox relay on the %s queue backend', (backend) => {
  let db: TestDatabase;
  let config: AppConfig;
  let moduleRef: TestingModule;
  let tenants: TenantDatabase;
  let outbox: OutboxWriter;
  let producer: JobProducer;
  let connections: QueueConnections;
  let queue: MendQueue;

  const newRelay = (Relay: typeof OutboxRelay = OutboxRelay) => new Relay(tenants, producer, config, new Clock());

  async function newClinic(): Promise<string> {
    const clinicId = newId();
    await tenants.withClinic(clinicId, (tx) =>
      tx.query(`INSERT INTO clinic (id, name, slug, timezone) VALUES ($1, $2, $3, 'Europe/Paris')`, [
        clinicId,
        'Outbox Clinic',
        `outbox-${clinicId.slice(-12)}`,
      ]),
    );
    return clinicId;
  }

  async function enqueue(clinicId: string, count: number, availableAt?: Date): Promise<string[]> {
    return tenants.withClinic(clinicId, async (tx: EntityManager) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const { id } = await outbox.enqueue(
          tx,
          clinicId,
          { name: JobName.InvitationEmail, data: { clinicId, invitationId: newId() } },
          { availableAt },
        );
        ids.push(id);
      }
      return ids;
    });
  }

  async function unpublished(clinicId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await tenants.withClinic(clinicId, (tx) =>
      tx.query(`SELECT id FROM outbox WHERE clinic_id = $1 AND published_at IS NULL ORDER BY id`, [clinicId]),
    );
    return rows.map((r) => r.id);
  }

  /** Ids of the jobs of these clinics in any state (job ids carry the clinic id). */
  async function jobIds(...clinicIds: string[]): Promise<string[]> {
    const jobs = await queue.getJobs(ALL_STATES, 0, -1);
    return jobs
      .map((job) => String(job.id))
      .filter((id) => clinicIds.some((clinicId) => id.includes(clinicId)))
      .sort();
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    // Idempotent; also done by the template build once libs/testing registers it.
    await installQueueSchema(db.ownerUrl, QUEUE_SCHEMA);
    config = testConfig(db, backend);
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), DatabaseModule, QueueModule.forRoot(config)],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    tenants = moduleRef.get(TenantDatabase);
    outbox = moduleRef.get(OutboxWriter);
    producer = moduleRef.get(JobProducer);
    connections = moduleRef.get(QueueConnections);
    queue = connections.queue(QueueName.Notifications);
    await queue.waitUntilReady();
  });

  afterAll(async () => {
    // Redis keys outlive the test database; the PostgreSQL queue tables are dropped with it.
    if (backend === 'redis')
      for (const name of Object.values(QueueName)) await connections.queue(name).obliterate({ force: true });
    await moduleRef?.close();
    await db?.drop();
  });

  it('answers QueueHealth.ping while the backend is up', async () => {
    await expect(moduleRef.get(QueueHealth).ping()).resolves.toBeUndefined();
  });

  // First, so the reconnect timers the unreachable client leaves behind lapse during later tests.
  it('rejects QueueHealth.ping when the backend is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, so connections are refused at once.
    const unreachable =
      backend === 'redis'
        ? testConfig(db, backend, { REDIS_URL: 'redis://127.0.0.1:1' })
        : testConfig(db, backend, { DATABASE_URL: 'postgres://mend_app:x@127.0.0.1:1/mend' });
    const down = new QueueConnections(unreachable);
    try {
      await expect(new QueueHealth(down).ping(1500)).rejects.toThrow();
    } finally {
      await down.close();
    }
  });

  it('publishes each due row exactly once across a relay crash and restart', async () => {
    const clinicA = await newClinic();
    const clinicB = await newClinic();
    const rowsA = await enqueue(clinicA, 3);
    const rowsB = await enqueue(clinicB, 2);
    const expectedJobIds = [
      ...rowsA.map((id) => outboxJobId(clinicA, id)),
      ...rowsB.map((id) => outboxJobId(clinicB, id)),
    ].sort();

    // The crashing relay adds every job, then its transactions roll back.
    expect(await newRelay(CrashingRelay).relayOnce()).toBe(0);
    expect(await jobIds(clinicA, clinicB)).toEqual(expectedJobIds);
    expect(await unpublished(clinicA)).toEqual([...rowsA].sort());
    expect(await unpublished(clinicB)).toEqual([...rowsB].sort());

    // A fresh relay (the restarted worker) publishes the rows again: same job ids, no new jobs.
    expect(await newRelay().relayOnce()).toBe(5);
    expect(await jobIds(clinicA, clinicB)).toEqual(expectedJobIds);
    expect(await unpublished(clinicA)).toEqual([]);
    expect(await unpublished(clinicB)).toEqual([]);

    // Nothing is left to publish, and the payload went through unchanged.
    expect(await newRelay().relayOnce()).toBe(0);
    expect(await jobIds(clinicA, clinicB)).toEqual(expectedJobIds);
    const job = await queue.getJob(outboxJobId(clinicA, rowsA[0]));
    expect(job?.name).toBe(JobName.InvitationEmail);
    expect(job?.data).toEqual({ clinicId: clinicA, invitationId: expect.any(String) });
  });

  it('gives every row to exactly one of several relays running at once', async () => {
    const clinics = await Promise.all([newClinic(), newClinic(), newClinic()]);
    const rows = (await Promise.all(clinics.map((clinicId) => enqueue(clinicId, 10)))).flat();

    const published = await Promise.all([newRelay().relayOnce(), newRelay().relayOnce(), newRelay().relayOnce()]);
    const leftover = await newRelay().relayOnce();

    expect(published.reduce((a, b) => a + b, 0) + leftover).toBe(rows.length);
    expect((await jobIds(...clinics)).length).toBe(rows.length);
  });

  it('does not publish a row before its available_at', async () => {
    const clinicId = await newClinic();
    const [later] = await enqueue(clinicId, 1, new Date(Date.now() + 1500));
    const [farLater] = await enqueue(clinicId, 1, new Date(Date.now() + 60 * 60 * 1000));
    const [now] = await enqueue(clinicId, 1);

    expect(await newRelay().relayOnce()).toBe(1);
    expect(await jobIds(clinicId)).toEqual([outboxJobId(clinicId, now)]);
    expect(await unpublished(clinicId)).toEqual([later, farLater].sort());

    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await newRelay().relayOnce()).toBe(1);
    expect(await jobIds(clinicId)).toEqual([outboxJobId(clinicId, now), outboxJobId(clinicId, later)].sort());
    expect(await unpublished(clinicId)).toEqual([farLater]);
  });

  it('announces a dedupe key once, even after it was published', async () => {
    const clinicId = await newClinic();
    const item = { name: JobName.InvitationEmail, data: { clinicId, invitationId: newId() } } as const;
    const first = await tenants.withClinic(clinicId, (tx) =>
      outbox.enqueue(tx, clinicId, item, { dedupeKey: 'welcome' }),
    );
    expect(await newRelay().relayOnce()).toBe(1);
    const second = await tenants.withClinic(clinicId, (tx) =>
      outbox.enqueue(tx, clinicId, item, { dedupeKey: 'welcome' }),
    );

    expect(first.isNew).toBe(true);
    expect(second).toEqual({ id: first.id, isNew: false });
    expect(await newRelay().relayOnce()).toBe(0);
    expect(await jobIds(clinicId)).toEqual([outboxJobId(clinicId, first.id)]);
  });

  it('refuses an outbox row for another clinic than the transaction', async () => {
    const clinicA = await newClinic();
    const clinicB = await newClinic();
    const item = { name: JobName.InvitationEmail, data: { clinicId: clinicB, invitationId: newId() } } as const;
    // Row-level security rejects the row (WITH CHECK), whatever the code passes.
    await expect(tenants.withClinic(clinicA, (tx) => outbox.enqueue(tx, clinicB, item))).rejects.toThrow(
      /row-level security/,
    );
  });

  it('adds jobs directly with deterministic ids (a second add is a no-op)', async () => {
    const clinicId = await newClinic();
    const item = { name: JobName.InvitationEmail, data: { clinicId, invitationId: newId() } } as const;
    const first = await producer.add(item);
    const second = await producer.add(item);
    expect(second).toBe(first);
    expect(first).not.toContain(':');
    expect(await jobIds(clinicId)).toEqual([first]);
    await expect(producer.add(item, { jobId: 'bad:id' })).rejects.toThrow(/no ':'/);
  });

  if (backend === 'postgres') {
    it('rejects QueueHealth.ping when the queue schema is not installed', async () => {
      const missing = new QueueConnections(testConfig(db, backend, { QUEUE_POSTGRES_SCHEMA: 'bullmq_missing' }));
      try {
        await expect(new QueueHealth(missing).ping(1500)).rejects.toThrow();
      } finally {
        await missing.close();
      }
    });

    it('runs as the app role without CREATE on the queue schema', async () => {
      const client = new pg.Client({ connectionString: db.appUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT current_user AS role, has_schema_privilege($1, 'CREATE') AS can_create, has_schema_privilege($1, 'USAGE') AS can_use`,
          [QUEUE_SCHEMA],
        );
        expect(rows[0]).toEqual({ role: 'mend_app', can_create: false, can_use: true });
      } finally {
        await client.end();
      }
      // Ids generated by BullMQ itself come from the per-queue sequences installQueueSchema made.
      for (const name of Object.values(QueueName)) {
        const job = await connections.queue(name).add('probe', {});
        expect(job.id).toMatch(/^\d+$/);
      }
    });
  }
});
