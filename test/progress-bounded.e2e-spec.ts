import pg from 'pg';

import { newId } from '@mend/core';
import type { Score } from '@mend/exercises';
import {
  CHART_DAYS,
  clinicSafetySettings,
  computeProgress,
  dailySeries,
  readerZone,
  reliableChangesOf,
  toWindowView,
  type OccurrenceFact,
  type ProgressInput,
  type SessionStatus,
} from '@mend/progress';
import {
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { asClinic, createTestApp, type TestApp } from './support/test-app.js';

/**
 * Issue 17: the progress read keeps the tallies of closed, settled windows (progress_window) and
 * reads occurrences only after them. Every read here is compared with the figures computed the
 * old way — computeProgress over every occurrence of the couple, read straight from the tables —
 * after each kind of write that can change a kept window: a check-in deleted, a score edited, a
 * session no longer completed, an occurrence laid out in the past, and a check-in committing
 * while a read is keeping windows.
 */

const auth = { type: 'bearer' } as const;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** An alert's detail with its keys in order (jsonb does not keep the order they were written in). */
const canonical = (detail: object) => JSON.stringify(detail, Object.keys(detail).sort());

describe('progress read bounded by its windows', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let paula: StaffContext;
  let couple: CoupleContext;
  let trustAssignment: string;
  let base: number;
  const due = (k: number) => base + k * DAY;

  /** The progress as computed before issue 17: every occurrence of the couple, nothing kept. */
  async function reference(now: Date) {
    return asClinic(t, clinic.clinicId, async (client) => {
      const head = (
        await client.query(
          `SELECT c.created_at, k.settings, k.timezone AS clinic_timezone,
                  (SELECT u.timezone FROM "user" u WHERE u.clinic_id = $1 AND u.id = $3) AS reader_timezone,
                  (SELECT array_agg(p.user_id ORDER BY p.position) FROM couple_partner p WHERE p.clinic_id = $1 AND p.couple_id = $2) AS partner_ids
             FROM couple c JOIN clinic k ON k.id = c.clinic_id WHERE c.clinic_id = $1 AND c.id = $2`,
          [clinic.clinicId, couple.coupleId, paula.id],
        )
      ).rows[0];
      const sessions = (
        await client.query(
          `SELECT id, starts_at, ends_at, status FROM therapy_session WHERE clinic_id = $1 AND couple_id = $2 ORDER BY starts_at, id`,
          [clinic.clinicId, couple.coupleId],
        )
      ).rows.map((s: { id: string; starts_at: Date; ends_at: Date; status: SessionStatus }) => ({
        id: s.id,
        startsAt: s.starts_at,
        endsAt: s.ends_at,
        status: s.status,
      }));
      const occurrences: OccurrenceFact[] = (
        await client.query(
          `SELECT o.id, o.partner_id, o.due_at, o.closes_at, c.author_id, c.submitted_at, c.score
             FROM occurrence o LEFT JOIN check_in c ON c.clinic_id = o.clinic_id AND c.occurrence_id = o.id
            WHERE o.clinic_id = $1 AND o.couple_id = $2 AND (o.due_at <= $3 OR c.id IS NOT NULL)
            ORDER BY o.due_at, o.id`,
          [clinic.clinicId, couple.coupleId, now],
        )
      ).rows.map(
        (r: {
          id: string;
          partner_id: string | null;
          due_at: Date;
          closes_at: Date;
          author_id: string | null;
          submitted_at: Date | null;
          score: Score | null;
        }) => ({
          id: r.id,
          partnerId: r.partner_id,
          dueAt: r.due_at,
          closesAt: r.closes_at,
          checkIn: r.author_id ? { authorId: r.author_id, submittedAt: r.submitted_at!, score: r.score } : null,
        }),
      );
      const input: ProgressInput = {
        now,
        coupleCreatedAt: head.created_at,
        partnerIds: head.partner_ids,
        sessions,
        occurrences,
        safetyThreshold: clinicSafetySettings(head.settings).threshold,
      };
      const computation = computeProgress(input);
      const { windows } = computation;
      const chartFrom = new Date(Math.max(windows[0].start.getTime(), now.getTime() - (CHART_DAYS - 1) * DAY));
      const json = <T>(value: T): T => JSON.parse(JSON.stringify(value));
      return {
        windows: json(windows.map(toWindowView)),
        reliableChange: json(reliableChangesOf(input, windows)),
        chart: json(dailySeries(input, readerZone(head.reader_timezone, head.clinic_timezone), chartFrom, now)),
        holding: computation.conditions
          .flatMap((c) => (c.holds === true ? [[c.kind, c.partnerId, canonical(c.detail)].join(' ')] : []))
          .sort(),
      };
    });
  }

  const read = () => t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(paula.accessToken, auth).expect(200);

  const keptWindows = async () =>
    asClinic(t, clinic.clinicId, async (client) =>
      Number(
        (await client.query(`SELECT count(*) AS n FROM progress_window WHERE couple_id = $1`, [couple.coupleId]))
          .rows[0].n,
      ),
    );

  /** A read equals the old computation, and the alerts it leaves standing are the conditions that hold. */
  async function expectSameAsBefore() {
    const res = await read();
    // The same instant as the read (the suite's clock flows).
    const expected = await reference(new Date(res.body.generatedAt));
    expect(res.body.windows).toEqual(expected.windows);
    expect(res.body.reliableChange).toEqual(expected.reliableChange);
    expect(res.body.chart).toEqual(expected.chart);
    const standing = (
      res.body.alerts as Array<{ status: string; kind: string; partnerId: string | null; detail: object }>
    )
      .filter((a) => a.status !== 'resolved')
      .map((a) => [a.kind, a.partnerId, canonical(a.detail)].join(' '))
      .sort();
    expect(standing).toEqual(expected.holding);
    return res.body;
  }

  /**
   * Eight weeks of daily trust pulses for both partners (with misses, a run of three, safety
   * answers), a weekly CSI-4 each, weekly completed sessions and one cancelled.
   */
  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    paula = await newStaff(t, clinic, 'therapist', 'Paula Therapist');
    couple = await newCouple(t, paula);
    const [alex, blake] = couple.partners.map((p) => p.id);
    base = suiteClock.nowMs() - 56 * DAY;
    await t.http().get('/v1/exercises').auth(paula.accessToken, auth).expect(200); // syncs the built-ins
    const ids = await asClinic(t, clinic.clinicId, async (client) => {
      const one = async (key: string) =>
        (
          await client.query(`SELECT id, current_version FROM exercise WHERE clinic_id = $1 AND builtin_key = $2`, [
            clinic.clinicId,
            key,
          ])
        ).rows[0] as { id: string; current_version: number };
      return { trust: await one('trust_pulse'), csi4: await one('csi4') };
    });
    await asClinic(t, clinic.clinicId, async (client) => {
      trustAssignment = newId();
      const csiAssignment = newId();
      await client.query(
        `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, schedule_type, rrule, starts_on, status, materialized_until, created_at)
         VALUES ($1, $2, $3, $4, $5, 'recurring', 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', $6::timestamptz::date, 'active', mend_now() + interval '60 days', $6)`,
        [clinic.clinicId, trustAssignment, couple.coupleId, ids.trust.id, ids.trust.current_version, iso(base)],
      );
      await client.query(
        `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, schedule_type, rrule, starts_on, status, materialized_until, created_at)
         VALUES ($1, $2, $3, $4, $5, 'recurring', 'FREQ=WEEKLY;BYHOUR=19;BYMINUTE=0', $6::timestamptz::date, 'active', mend_now() + interval '60 days', $6)`,
        [clinic.clinicId, csiAssignment, couple.coupleId, ids.csi4.id, ids.csi4.current_version, iso(base)],
      );
      let seed = 7;
      const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
      const occurrence = async (assignmentId: string, partnerId: string, at: number, score: object | null) => {
        const occurrenceId = newId();
        await client.query(
          `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [clinic.clinicId, occurrenceId, assignmentId, couple.coupleId, partnerId, iso(at), iso(at + DAY)],
        );
        if (!score) return;
        await client.query(
          `INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, 'private', $8)`,
          [
            clinic.clinicId,
            newId(),
            occurrenceId,
            assignmentId,
            couple.coupleId,
            partnerId,
            JSON.stringify(score),
            iso(at + HOUR),
          ],
        );
      };
      for (let k = 0; k < 56; k++) {
        for (const [i, partner] of [alex, blake].entries()) {
          const missed = (i === 0 && k >= 30 && k <= 32) || rand() < 0.1;
          const value = Math.round(rand() * 10);
          const safety = rand() < 0.05 ? 1 : 7;
          await occurrence(trustAssignment, partner, due(k), missed ? null : { kind: 'trust_pulse', value, safety });
        }
        if (k % 7 === 3)
          for (const partner of [alex, blake]) {
            const value = Math.round(rand() * 21);
            await occurrence(csiAssignment, partner, due(k) - HOUR, {
              kind: 'csi4',
              value,
              cutoff: 13.5,
              isBelowCutoff: value < 13.5,
            });
          }
      }
    });
    for (let week = 1; week <= 7; week++) {
      const end = due(week * 7) - 2 * HOUR;
      const s = await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(paula.accessToken, auth)
        .send({ startsAt: iso(end - HOUR), endsAt: iso(end) })
        .expect(201);
      await t
        .http()
        .patch(`/v1/sessions/${s.body.id}`)
        .auth(paula.accessToken, auth)
        .send({ status: week === 4 ? 'cancelled' : 'completed' })
        .expect(200);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps the closed, settled windows on the first read and answers the same figures from them', async () => {
    expect(await keptWindows()).toBe(0);
    const first = await expectSameAsBefore();
    expect(first.windows).toHaveLength(7);
    // Every closed window is settled (occurrences close a day after their due time, sessions end
    // before the evening pulse); the current one is never kept.
    expect(await keptWindows()).toBe(6);
    await expectSameAsBefore();
  });

  it('answers the latest windows first and the earlier ones a page at a time, adding up to every window', async () => {
    type Window = { index: number; isCurrent: boolean };
    const page = (query: string) =>
      t.http().get(`/v1/couples/${couple.coupleId}/progress?${query}`).auth(paula.accessToken, auth);
    // Fewer windows than the default page: all of them, nothing earlier.
    const all = await expectSameAsBefore();
    expect(all.earlierWindows).toBe(0);
    const count = all.windows.length;

    const latest = (await page('windows=3').expect(200)).body;
    expect(latest.windows.map((w: Window) => w.index)).toEqual([count - 3, count - 2, count - 1]);
    expect(latest.windows.at(-1).isCurrent).toBe(true);
    expect(latest.earlierWindows).toBe(count - 3);
    // The alerts, reliable change and chart are the couple's whole history on every page (the
    // current window, and so the latest trust mean's time, ends at each read's own now).
    const steady = (changes: Array<{ latestAt: string | null }>) => changes.map(({ latestAt: _, ...c }) => c);
    expect(steady(latest.reliableChange)).toEqual(steady(all.reliableChange));
    expect(latest.chart).toEqual(all.chart);

    const pages = [latest];
    while (pages[0].earlierWindows > 0)
      pages.unshift((await page(`windows=3&before=${pages[0].windows[0].index}`).expect(200)).body);
    expect(pages.map((p) => p.windows.length)).toEqual([1, 3, 3]);
    const closed = (windows: Window[]) => windows.filter((w) => !w.isCurrent);
    expect(closed(pages.flatMap((p) => p.windows))).toEqual(closed(all.windows));

    for (const query of ['windows=0', 'windows=201', 'windows=two', 'before=-1', 'before=1.5'])
      await page(query).expect(400);
    expect((await page('before=0').expect(200)).body).toMatchObject({ windows: [], earlierWindows: 0 });
  });

  it('drops a kept window when one of its check-ins is deleted or its score edited', async () => {
    await read();
    await asClinic(t, clinic.clinicId, async (client) => {
      await client.query(
        `DELETE FROM check_in WHERE id = (SELECT c.id FROM check_in c JOIN occurrence o ON o.clinic_id = c.clinic_id AND o.id = c.occurrence_id
                                          WHERE c.couple_id = $1 AND o.due_at BETWEEN $2 AND $3 ORDER BY o.due_at LIMIT 1)`,
        [couple.coupleId, iso(due(8)), iso(due(9))],
      );
      await client.query(
        `UPDATE check_in SET score = jsonb_set(score, '{value}', '0') WHERE id IN (
           SELECT c.id FROM check_in c JOIN occurrence o ON o.clinic_id = c.clinic_id AND o.id = c.occurrence_id
            WHERE c.couple_id = $1 AND o.due_at BETWEEN $2 AND $3 AND c.score->>'kind' = 'trust_pulse')`,
        [couple.coupleId, iso(due(1)), iso(due(4))],
      );
    });
    await expectSameAsBefore();
  });

  it('re-cuts the windows when a completed session is no longer completed, or a past occurrence is laid out', async () => {
    await read();
    await asClinic(t, clinic.clinicId, async (client) => {
      await client.query(
        `UPDATE therapy_session SET status = 'cancelled' WHERE id = (
           SELECT id FROM therapy_session WHERE couple_id = $1 AND status = 'completed' ORDER BY starts_at OFFSET 1 LIMIT 1)`,
        [couple.coupleId],
      );
    });
    const recut = await expectSameAsBefore();
    expect(recut.windows).toHaveLength(6);
    await asClinic(t, clinic.clinicId, async (client) => {
      await client.query(
        `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          clinic.clinicId,
          newId(),
          trustAssignment,
          couple.coupleId,
          couple.partners[0].id,
          iso(due(20) + 3 * HOUR),
          iso(due(21)),
        ],
      );
    });
    await expectSameAsBefore();
  });

  it('does not keep a window from a read that a concurrent check-in overtook', async () => {
    await asClinic(t, clinic.clinicId, (client) =>
      client.query(`DELETE FROM progress_window WHERE couple_id = $1`, [couple.coupleId]),
    );
    // A check-in in a closed window, not committed yet while the read runs.
    const writer = new pg.Client({ connectionString: t.db.appUrl });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinic.clinicId]);
      await writer.query(
        `WITH o AS (SELECT o.id, o.assignment_id, o.partner_id, o.due_at FROM occurrence o
                     WHERE o.couple_id = $1 AND NOT o.has_check_in AND o.due_at < $2 ORDER BY o.due_at LIMIT 1)
         INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, submitted_at)
         SELECT $3, $4, o.id, o.assignment_id, $1, o.partner_id, '{}', '{"kind": "trust_pulse", "value": 10}', 'private', o.due_at
           FROM o`,
        [couple.coupleId, iso(due(40)), clinic.clinicId, newId()],
      );
      // supertest sends on then(): start the read now, while the writer is still open.
      const pending = read().then((res) => res);
      // The read waits for the writer once it wants to keep windows (it locks the couple's
      // counter, which the writer's trigger holds): seen as a lock on the writer's transaction id.
      let waited = false;
      for (let i = 0; i < 200 && !waited; i++) {
        const waiting = await writer.query(
          `SELECT 1 FROM pg_locks WHERE NOT granted AND locktype = 'transactionid' AND transactionid::text = pg_current_xact_id()::text`,
        );
        waited = (waiting.rowCount ?? 0) > 0;
        if (!waited) await new Promise((r) => setTimeout(r, 25));
      }
      expect(waited).toBe(true);
      await writer.query('COMMIT');
      await pending;
    } finally {
      await writer.end();
    }
    // What that read kept (if anything) includes the check-in; the next read agrees with the old way.
    await expectSameAsBefore();
    await expectSameAsBefore();
  });
});
