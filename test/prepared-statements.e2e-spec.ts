import { DataSource, type EntityManager } from 'typeorm';

import { loadConfig } from '@mend/config';
import { dataSourceOptions, preparedStatement, queryPrepared } from '@mend/database';
import { newClinic, newCouple, newStaff, type ClinicContext } from '@mend/testing';

import { SAFETY_STATE } from '../libs/progress/src/safety.repository.js';
import { createTestApp, testEnv, type TestApp } from './support/test-app.js';

/** The couples row-level security shows; the same text every time, so one name per connection. */
const VISIBLE_COUPLES = preparedStatement('mend_test_visible_couples', `SELECT id FROM couple ORDER BY id`);

describe('named prepared statements (DATABASE_PREPARED_STATEMENTS)', () => {
  let t: TestApp;
  let a: ClinicContext;
  let b: ClinicContext;
  let coupleOfA: string;
  let coupleOfB: string;

  /** A one-connection data source as the app role, so every transaction below is on the same backend. */
  async function oneConnection(preparedStatements: boolean): Promise<DataSource> {
    const config = loadConfig(
      testEnv(t.db, { DATABASE_POOL_SIZE: '1', DATABASE_PREPARED_STATEMENTS: String(preparedStatements) }),
    );
    return new DataSource(dataSourceOptions(config.database.url, config)).initialize();
  }

  /** As TenantDatabase.withClinic: the clinic pinned first, then the work, in one transaction. */
  function inClinic<T>(ds: DataSource, clinicId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return ds.transaction(async (tx) => {
      await tx.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinicId]);
      return work(tx);
    });
  }

  const prepared = async (tx: EntityManager) =>
    (
      await tx.query<Array<{ name: string; calls: number }>>(
        `SELECT name, generic_plans + custom_plans AS calls FROM pg_prepared_statements ORDER BY name`,
      )
    ).map((row) => ({ name: row.name, calls: Number(row.calls) }));

  beforeAll(async () => {
    t = await createTestApp();
    a = await newClinic(t);
    b = await newClinic(t);
    coupleOfA = (await newCouple(t, await newStaff(t, a))).coupleId;
    coupleOfB = (await newCouple(t, await newStaff(t, b))).coupleId;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('prepares a statement once on the transaction’s connection and runs it again from there', async () => {
    const ds = await oneConnection(true);
    try {
      const listed = await inClinic(ds, a.clinicId, async (tx) => {
        expect(await queryPrepared(tx, VISIBLE_COUPLES, [])).toEqual([{ id: coupleOfA }]);
        expect(await queryPrepared(tx, VISIBLE_COUPLES, [])).toEqual([{ id: coupleOfA }]);
        return prepared(tx);
      });
      expect(listed).toEqual([{ name: VISIBLE_COUPLES.name, calls: 2 }]);
    } finally {
      await ds.destroy();
    }
  });

  it('keeps each clinic to its own rows when a plan prepared under another clinic is reused, generic plans included', async () => {
    const ds = await oneConnection(true);
    try {
      for (let round = 0; round < 4; round++) {
        for (const [clinic, couple] of [
          [a.clinicId, coupleOfA],
          [b.clinicId, coupleOfB],
        ] as const) {
          await inClinic(ds, clinic, async (tx) => {
            // After a few runs PostgreSQL may keep one plan for every parameter; force it from the start.
            await tx.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
            expect(await queryPrepared(tx, VISIBLE_COUPLES, [])).toEqual([{ id: couple }]);
            // The submit's safety read: the clinic's own settings row, and nothing of the other clinic.
            const other = clinic === a.clinicId ? b.clinicId : a.clinicId;
            expect(await queryPrepared(tx, SAFETY_STATE, [clinic, couple, couple])).toHaveLength(1);
            expect(await queryPrepared(tx, SAFETY_STATE, [other, couple, couple])).toEqual([]);
          });
        }
      }
      const listed = await inClinic(ds, a.clinicId, prepared);
      expect(listed).toEqual(
        [
          { name: SAFETY_STATE.name, calls: 16 },
          { name: VISIBLE_COUPLES.name, calls: 8 },
        ].sort((x, y) => x.name.localeCompare(y.name)),
      );
    } finally {
      await ds.destroy();
    }
  });

  it('sends the same text unnamed when the setting is off (PgBouncer in transaction pooling)', async () => {
    const ds = await oneConnection(false);
    try {
      const listed = await inClinic(ds, b.clinicId, async (tx) => {
        expect(await queryPrepared(tx, VISIBLE_COUPLES, [])).toEqual([{ id: coupleOfB }]);
        return prepared(tx);
      });
      expect(listed).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('answers the driver error as tx.query does', async () => {
    const ds = await oneConnection(true);
    try {
      const failing = preparedStatement('mend_test_failing', `SELECT 1 / $1::int AS x`);
      await expect(inClinic(ds, a.clinicId, (tx) => queryPrepared(tx, failing, [0]))).rejects.toMatchObject({
        name: 'QueryFailedError',
        code: '22012',
      });
    } finally {
      await ds.destroy();
    }
  });
});
