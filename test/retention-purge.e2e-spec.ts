import 'reflect-metadata';

import { randomBytes } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';

import { newId } from '@mend/core';
import { JobName, JobProducer, QueueConnections, QueueName } from '@mend/queue';
import {
  builtinExerciseId,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { EXPIRED_ROWS_PURGE_SCHEDULER_ID } from '../apps/worker/src/worker.runner.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const hash = () => randomBytes(32).toString('hex');

/**
 * Retention: rows that stopped working (expired Idempotency-Key records, check-in links and page
 * sessions, used or expired password resets, long-spent invitations, ended sign-in families) are
 * deleted by the worker's scheduled retention.purge job; rows still in use stay.
 */
describe('expired rows are purged on a schedule', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let clinic: ClinicContext;
  let couple: CoupleContext;

  beforeAll(async () => {
    t = await createTestApp();
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    await newAssignment(t, therapist, couple, await builtinExerciseId(t, therapist.accessToken, 'trust_pulse'));
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  /** Statements as the app role inside the clinic's transaction (row-level security applies). */
  async function asClinic<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: t.db.appUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinic.clinicId]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } finally {
      await client.end();
    }
  }

  const ids = (client: pg.Client, sql: string) =>
    client.query<{ id: string }>(sql, [clinic.clinicId]).then((r) => r.rows.map((row) => row.id).sort());

  it('deletes what stopped working and keeps what still works', async () => {
    const now = suiteClock.nowMs();
    const at = (offsetMs: number) => new Date(now + offsetMs);
    const partner = couple.partners[0].id;
    const c = clinic.clinicId;
    const gone: Record<string, string[]> = {};
    const kept: Record<string, string[]> = {};
    const row = (table: string, id: string, isKept: boolean) => ((isKept ? kept : gone)[table] ??= []).push(id);

    await asClinic(async (client) => {
      const occurrenceId = (
        await client.query<{ id: string }>(`SELECT id FROM occurrence WHERE clinic_id = $1 LIMIT 1`, [c])
      ).rows[0].id;

      for (const [key, createdAt, isKept] of [
        ['old-key', at(-25 * HOUR), false],
        ['fresh-key', at(-1 * HOUR), true],
      ] as const) {
        await client.query(
          `INSERT INTO idempotency_record (clinic_id, actor_id, key, request_hash, status_code, response, created_at)
           VALUES ($1, $2, $3, 'h', 201, '{"id": "x"}', $4)`,
          [c, partner, key, createdAt],
        );
        row('idempotency_record', key, isKept);
      }

      const links = [
        { created: at(-3 * DAY), expires: at(-1 * DAY), revoked: null, isKept: false },
        { created: at(-1 * HOUR), expires: at(2 * DAY), revoked: at(-30 * MINUTE), isKept: false },
        { created: at(-1 * HOUR), expires: at(2 * DAY), revoked: null, isKept: true },
      ];
      const linkIds: string[] = [];
      for (const link of links) {
        const id = newId();
        linkIds.push(id);
        await client.query(
          `INSERT INTO check_in_link (clinic_id, id, occurrence_id, partner_id, token_hash, expires_at, revoked_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [c, id, occurrenceId, partner, hash(), link.expires, link.revoked, link.created],
        );
        row('check_in_link', id, link.isKept);
      }
      const liveLink = linkIds[2];
      for (const session of [
        { idle: at(-1 * MINUTE), expires: at(1 * HOUR), isKept: false },
        { idle: at(20 * MINUTE), expires: at(1 * HOUR), isKept: true },
      ]) {
        const id = newId();
        await client.query(
          `INSERT INTO check_in_page_session (clinic_id, id, token_hash, link_id, occurrence_id, partner_id,
                                              created_at, last_seen_at, idle_expires_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)`,
          [c, id, hash(), liveLink, occurrenceId, partner, at(-2 * HOUR), session.idle, session.expires],
        );
        row('check_in_page_session', id, session.isKept);
      }

      for (const reset of [
        { expires: at(50 * MINUTE), used: at(-5 * MINUTE), isKept: false },
        { expires: at(-1 * MINUTE), used: null, isKept: false },
        { expires: at(50 * MINUTE), used: null, isKept: true },
      ]) {
        const id = newId();
        await client.query(
          `INSERT INTO password_reset (clinic_id, id, user_id, token_hash, expires_at, used_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [c, id, partner, hash(), reset.expires, reset.used, at(-2 * HOUR)],
        );
        row('password_reset', id, reset.isKept);
      }

      // Spent invitations stay 30 days, so an old link still reads "expired" rather than "not found".
      for (const invitation of [
        { created: at(-50 * DAY), expires: at(-43 * DAY), accepted: at(-45 * DAY), isKept: false },
        { created: at(-50 * DAY), expires: at(-43 * DAY), accepted: null, isKept: false },
        { created: at(-8 * DAY), expires: at(-1 * DAY), accepted: null, isKept: true },
        { created: at(-1 * HOUR), expires: at(6 * DAY), accepted: null, isKept: true },
      ]) {
        const id = newId();
        await client.query(
          `INSERT INTO invitation (clinic_id, id, user_id, token_hash, expires_at, accepted_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [c, id, partner, hash(), invitation.expires, invitation.accepted, invitation.created],
        );
        row('invitation', id, invitation.isKept);
      }

      // A whole ended family goes; a rotated token of a live family stays (its reuse must still be caught).
      for (const token of [
        {
          family: newId(),
          expires: at(-20 * DAY),
          familyExpires: at(-1 * MINUTE),
          rotated: at(-25 * DAY),
          isKept: false,
        },
        { family: newId(), expires: at(-1 * DAY), familyExpires: at(20 * DAY), rotated: at(-2 * DAY), isKept: true },
      ]) {
        const id = newId();
        await client.query(
          `INSERT INTO refresh_token (clinic_id, id, user_id, family_id, token_hash, expires_at, family_expires_at, rotated_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [c, id, partner, token.family, hash(), token.expires, token.familyExpires, token.rotated, at(-29 * DAY)],
        );
        row('refresh_token', id, token.isKept);
      }
    });

    // The worker schedules the purge itself (every hour, fanned out per clinic)…
    const maintenance = t.app.get(QueueConnections).queue(QueueName.Maintenance);
    expect(await maintenance.getJobScheduler(EXPIRED_ROWS_PURGE_SCHEDULER_ID)).toBeDefined();
    // …and this clinic's pass runs as a registry job on the worker now rather than in an hour.
    await worker
      .get(JobProducer)
      .add({ name: JobName.ExpiredRowsPurge, data: { clinicId: c } }, { jobId: `retention-purge-test.${newId()}` });

    const remaining = () =>
      asClinic(async (client) => ({
        idempotency_record: (
          await client.query<{ key: string }>(
            `SELECT key FROM idempotency_record WHERE clinic_id = $1 AND actor_id = $2`,
            [c, partner],
          )
        ).rows
          .map((r) => r.key)
          .sort(),
        check_in_link: await ids(client, `SELECT id FROM check_in_link WHERE clinic_id = $1`),
        check_in_page_session: await ids(client, `SELECT id FROM check_in_page_session WHERE clinic_id = $1`),
        password_reset: await ids(client, `SELECT id FROM password_reset WHERE clinic_id = $1`),
        invitation: await ids(client, `SELECT id FROM invitation WHERE clinic_id = $1`),
        refresh_token: await ids(client, `SELECT id FROM refresh_token WHERE clinic_id = $1`),
      }));
    const anyLeft = (rows: Awaited<ReturnType<typeof remaining>>) =>
      Object.entries(gone).some(([table, gid]) => gid.some((id) => rows[table as keyof typeof rows].includes(id)));
    const deadline = Date.now() + 30_000;
    let rows = await remaining();
    while (anyLeft(rows) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rows = await remaining();
    }
    for (const [table, goneIds] of Object.entries(gone)) {
      const left = rows[table as keyof typeof rows];
      expect({ table, left: goneIds.filter((id) => left.includes(id)) }).toEqual({ table, left: [] });
    }
    for (const [table, keptIds] of Object.entries(kept)) {
      const left = rows[table as keyof typeof rows];
      expect({ table, missing: keptIds.filter((id) => !left.includes(id)) }).toEqual({ table, missing: [] });
    }

    // The couple's own sign-ins (live families, accepted invitations from today) still work.
    await t.http().get('/v1/me').auth(couple.partners[1].accessToken, { type: 'bearer' }).expect(200);
  });
});
