import { DateTime } from 'luxon';
import pg from 'pg';

import { newId } from '@mend/core';
import { SessionsService } from '@mend/sessions';
import {
  newApiKey,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { asClinic, createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function builtinExercise(
  t: TestApp,
  clinicId: string,
  therapist: StaffContext,
  key: string,
): Promise<{ id: string; version: number }> {
  await t.http().get('/v1/exercises').auth(therapist.accessToken, auth).expect(200); // syncs the built-ins
  let found: { id: string; version: number } | undefined;
  await asClinic(t, clinicId, async (client) => {
    const res = await client.query(
      `SELECT id, current_version AS version FROM exercise WHERE clinic_id = $1 AND builtin_key = $2`,
      [clinicId, key],
    );
    found = res.rows[0];
  });
  if (!found) throw new Error(`built-in ${key} missing`);
  return found;
}

describe('sessions', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let theo: StaffContext;
  let tara: StaffContext;
  let couple: CoupleContext;
  let other: ClinicContext;
  let otherTherapist: StaffContext;
  const future = suiteClock.nowMs() + 7 * DAY;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    theo = await newStaff(t, clinic, 'therapist', 'Theo Therapist');
    tara = await newStaff(t, clinic, 'therapist', 'Tara Therapist');
    couple = await newCouple(t, theo);
    other = await newClinic(t);
    otherTherapist = await newStaff(t, other, 'therapist');
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (token: string, coupleId: string, body: object) =>
    t.http().post(`/v1/couples/${coupleId}/sessions`).auth(token, auth).send(body);

  it("books a session for the couple's therapist, with source and external id", async () => {
    const res = await create(theo.accessToken, couple.coupleId, {
      startsAt: iso(future),
      endsAt: iso(future + HOUR),
    }).expect(201);
    expect(res.body).toMatchObject({
      coupleId: couple.coupleId,
      therapistId: theo.id,
      status: 'scheduled',
      source: 'manual',
      externalId: null,
      notes: null,
      startsAt: iso(future),
      endsAt: iso(future + HOUR),
    });
  });

  it('validates times: an offset is required and the end comes after the start', async () => {
    const noOffset = await create(theo.accessToken, couple.coupleId, {
      startsAt: '2026-03-02T17:00:00',
      endsAt: '2026-03-02T18:00:00',
    }).expect(400);
    expect(noOffset.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['endsAt', 'startsAt']);
    const backwards = await create(theo.accessToken, couple.coupleId, {
      startsAt: iso(future + HOUR),
      endsAt: iso(future),
    }).expect(400);
    expect(backwards.body.errors).toEqual([{ field: 'endsAt', message: 'endsAt must be after startsAt' }]);
    await create(theo.accessToken, couple.coupleId, {
      startsAt: '2026-03-02T17:00:00+01:00',
      endsAt: '2026-03-02T18:00:00+01:00',
    }).expect(201);
  });

  it('answers 404 to another caseload or clinic, and 403 to admins booking', async () => {
    const body = { startsAt: iso(future), endsAt: iso(future + HOUR) };
    await create(tara.accessToken, couple.coupleId, body).expect(404);
    await create(otherTherapist.accessToken, couple.coupleId, body).expect(404);
    await create(clinic.admin.accessToken, couple.coupleId, body).expect(403);
    await t.http().get(`/v1/couples/${couple.coupleId}/sessions`).auth(tara.accessToken, auth).expect(404);
    await t.http().get(`/v1/couples/${couple.coupleId}/sessions`).auth(other.admin.accessToken, auth).expect(404);
  });

  it('reschedules, completes and keeps notes for the therapist only', async () => {
    const start = suiteClock.nowMs() + 2 * DAY;
    const made = await create(theo.accessToken, couple.coupleId, {
      startsAt: iso(start),
      endsAt: iso(start + HOUR),
    }).expect(201);
    const id = made.body.id as string;

    // Completing before it starts makes no sense.
    await t.http().patch(`/v1/sessions/${id}`).auth(theo.accessToken, auth).send({ status: 'completed' }).expect(422);

    const past = suiteClock.nowMs() - 2 * HOUR;
    const moved = await t
      .http()
      .patch(`/v1/sessions/${id}`)
      .auth(theo.accessToken, auth)
      .send({ startsAt: iso(past), endsAt: iso(past + HOUR) })
      .expect(200);
    expect(moved.body).toMatchObject({ startsAt: iso(past), endsAt: iso(past + HOUR), status: 'scheduled' });
    await t
      .http()
      .patch(`/v1/sessions/${id}`)
      .auth(theo.accessToken, auth)
      .send({ endsAt: iso(past - HOUR) })
      .expect(400);

    const done = await t
      .http()
      .patch(`/v1/sessions/${id}`)
      .auth(theo.accessToken, auth)
      .send({ status: 'completed', notes: 'NOTES-MARKER worked on the repair plan' })
      .expect(200);
    expect(done.body).toMatchObject({ status: 'completed', notes: 'NOTES-MARKER worked on the repair plan' });

    // Admins see sessions and statuses, never notes — not reading, not writing.
    const adminList = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(adminList.body.data.length).toBeGreaterThanOrEqual(3);
    for (const s of adminList.body.data) expect(s).not.toHaveProperty('notes');
    expect(JSON.stringify(adminList.body)).not.toContain('NOTES-MARKER');
    await t.http().patch(`/v1/sessions/${id}`).auth(clinic.admin.accessToken, auth).send({ notes: 'x' }).expect(403);
    const adminPatch = await t
      .http()
      .patch(`/v1/sessions/${id}`)
      .auth(clinic.admin.accessToken, auth)
      .send({ status: 'completed' })
      .expect(200);
    expect(adminPatch.body).not.toHaveProperty('notes');

    const theoList = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(theoList.body.data.find((s: { id: string }) => s.id === id).notes).toBe(
      'NOTES-MARKER worked on the repair plan',
    );

    // Another caseload or clinic: the same 404 as a missing session.
    await t.http().patch(`/v1/sessions/${id}`).auth(tara.accessToken, auth).send({ status: 'cancelled' }).expect(404);
    await t
      .http()
      .patch(`/v1/sessions/${id}`)
      .auth(otherTherapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(404);
    await t
      .http()
      .patch(`/v1/sessions/${id}`)
      .auth(other.admin.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(404);
    await t
      .http()
      .patch(`/v1/sessions/not-a-uuid`)
      .auth(theo.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(404);

    // Notes reads and writes are audited, without content.
    const audit = await t
      .http()
      .get('/v1/audit-events?resourceId=' + id)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    const actions = audit.body.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['session.create', 'session.update', 'session.notes.write', 'session.notes.read']),
    );
    expect(JSON.stringify(audit.body)).not.toContain('NOTES-MARKER');
  });

  it('answers a retried booking with the same Idempotency-Key with the first result', async () => {
    const body = { startsAt: iso(future + DAY), endsAt: iso(future + DAY + HOUR) };
    const first = await create(theo.accessToken, couple.coupleId, body).set('Idempotency-Key', 'book-1').expect(201);
    const again = await create(theo.accessToken, couple.coupleId, body).set('Idempotency-Key', 'book-1').expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await create(theo.accessToken, couple.coupleId, { ...body, endsAt: iso(future + DAY + 2 * HOUR) })
      .set('Idempotency-Key', 'book-1')
      .expect(422);
  });

  it('lets integrations upsert a session by (source, externalId) without touching notes', async () => {
    const key = await newApiKey(t, clinic, ['sessions:write']);
    const service = t.app.get(SessionsService);
    const principal = {
      kind: 'api_key' as const,
      clinicId: clinic.clinicId,
      apiKeyId: key.id,
      scopes: ['sessions:write' as const],
      requestId: 'r1',
      ip: '127.0.0.1',
    };
    const start = suiteClock.nowMs() - 3 * HOUR;
    const input = {
      coupleId: couple.coupleId,
      source: 'calendly',
      externalId: 'evt-42',
      startsAt: new Date(start),
      endsAt: new Date(start + HOUR),
    };
    const created = await service.upsertFromSource(principal, input);
    expect(created.isCreated).toBe(true);
    expect(created.session).toMatchObject({
      source: 'calendly',
      externalId: 'evt-42',
      therapistId: theo.id,
      status: 'scheduled',
    });
    expect(created.session).not.toHaveProperty('notes');

    await t
      .http()
      .patch(`/v1/sessions/${created.session.id}`)
      .auth(theo.accessToken, auth)
      .send({ notes: 'kept' })
      .expect(200);
    const updated = await service.upsertFromSource(principal, {
      ...input,
      status: 'completed',
      endsAt: new Date(start + 2 * HOUR),
    });
    expect(updated).toMatchObject({ isCreated: false, session: { id: created.session.id, status: 'completed' } });
    const listed = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(listed.body.data.find((s: { id: string }) => s.id === created.session.id)).toMatchObject({
      notes: 'kept',
      externalId: 'evt-42',
      source: 'calendly',
    });
    await expect(service.upsertFromSource(principal, { ...input, source: 'manual' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('lists by start time with from/to filters and cursor pagination', async () => {
    const list = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions?limit=1`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const all: Array<{ startsAt: string }> = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ startsAt: string }>; nextCursor: string | null } } = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/sessions?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .auth(theo.accessToken, auth)
        .expect(200);
      all.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    const starts = all.map((s) => s.startsAt);
    expect(starts).toEqual([...starts].sort());
    expect(all).toHaveLength(5);

    const from = encodeURIComponent(iso(future - HOUR));
    const upcoming = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions?from=${from}`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(upcoming.body.data.map((s: { startsAt: string }) => s.startsAt)).toEqual([iso(future), iso(future + DAY)]);
    const to = encodeURIComponent(iso(suiteClock.nowMs()));
    const before = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions?to=${to}`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(before.body.data.every((s: { startsAt: string }) => s.startsAt < iso(suiteClock.nowMs()))).toBe(true);
    await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions?from=yesterday`)
      .auth(theo.accessToken, auth)
      .expect(400);
  });
});

describe('progress, alerts, chart and caseloads', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let paula: StaffContext;
  let tara: StaffContext;
  let couple: CoupleContext;
  let other: ClinicContext;
  let otherTherapist: StaffContext;
  let base: number;
  let sessionEnds: number[];
  let nextSessionId: string;
  let alertIds: string[];

  /**
   * A couple with three weeks of daily trust pulses and one CSI-4, two completed sessions, one
   * cancelled and one upcoming:
   *   window 0 (before session 1): Alex 8s, Blake 7s
   *   window 1: Alex 5s (drop 3), Blake 7s, Blake's CSI-4 12 (below 13.5), Alex's 16
   *   window 2 (current): Alex misses 3 in a row then 5s, Blake 9s (4 apart)
   */
  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    paula = await newStaff(t, clinic, 'therapist', 'Paula Therapist');
    tara = await newStaff(t, clinic, 'therapist', 'Tara Therapist');
    couple = await newCouple(t, paula);
    other = await newClinic(t);
    otherTherapist = await newStaff(t, other, 'therapist');

    const [alex, blake] = couple.partners.map((p) => p.id);
    const trust = await builtinExercise(t, clinic.clinicId, paula, 'trust_pulse');
    const csi4 = await builtinExercise(t, clinic.clinicId, paula, 'csi4');
    base = suiteClock.nowMs() - 21 * DAY;
    const due = (k: number) => base + k * DAY;

    await asClinic(t, clinic.clinicId, async (client) => {
      const trustAssignment = newId();
      const csiAssignment = newId();
      // Materialised far ahead, so nothing else lays out occurrences while the test runs.
      await client.query(
        `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, schedule_type, rrule, starts_on, status, materialized_until, created_at)
         VALUES ($1, $2, $3, $4, $5, 'recurring', 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', $6::timestamptz::date, 'active', mend_now() + interval '60 days', $6)`,
        [clinic.clinicId, trustAssignment, couple.coupleId, trust.id, trust.version, iso(base)],
      );
      await client.query(
        `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, schedule_type, due_at, status, materialized_until, created_at)
         VALUES ($1, $2, $3, $4, $5, 'once', $6, 'active', mend_now() + interval '60 days', $7)`,
        [clinic.clinicId, csiAssignment, couple.coupleId, csi4.id, csi4.version, iso(due(10)), iso(base)],
      );
      const seed = async (assignmentId: string, partnerId: string, k: number, score: object | null) => {
        const occurrenceId = newId();
        await client.query(
          `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [clinic.clinicId, occurrenceId, assignmentId, couple.coupleId, partnerId, iso(due(k)), iso(due(k) + DAY)],
        );
        if (!score) return;
        await client.query(
          `INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'private', $9)`,
          [
            clinic.clinicId,
            newId(),
            occurrenceId,
            assignmentId,
            couple.coupleId,
            partnerId,
            JSON.stringify({ note: 'ANSWER-MARKER' }),
            JSON.stringify(score),
            iso(due(k) + HOUR),
          ],
        );
      };
      const pulse = (value: number) => ({ kind: 'trust_pulse', value });
      for (let k = 0; k < 20; k++) {
        const alexValue = k < 7 ? 8 : k >= 14 && k <= 16 ? null : 5;
        const blakeValue = k < 7 ? 7 : k < 14 ? 7 : 9;
        await seed(trustAssignment, alex, k, alexValue === null ? null : pulse(alexValue));
        await seed(trustAssignment, blake, k, pulse(blakeValue));
      }
      await seed(csiAssignment, alex, 10, { kind: 'csi4', value: 16, isBelowCutoff: false, cutoff: 13.5 });
      await seed(csiAssignment, blake, 10, { kind: 'csi4', value: 12, isBelowCutoff: true, cutoff: 13.5 });
    });

    // Sessions through the API: two completed (cutting at 6.5 and 13.5 days), one cancelled, one upcoming.
    sessionEnds = [due(6.5), due(13.5)];
    for (const end of sessionEnds) {
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
        .send({ status: 'completed', notes: 'NOTES-MARKER' })
        .expect(200);
    }
    const cancelled = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(paula.accessToken, auth)
      .send({ startsAt: iso(due(10) - HOUR), endsAt: iso(due(10)) })
      .expect(201);
    await t
      .http()
      .patch(`/v1/sessions/${cancelled.body.id}`)
      .auth(paula.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(200);
    const upcoming = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(paula.accessToken, auth)
      .send({ startsAt: iso(suiteClock.nowMs() + 3 * DAY), endsAt: iso(suiteClock.nowMs() + 3 * DAY + HOUR) })
      .expect(201);
    nextSessionId = upcoming.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('reports each window per partner: completion, trust mean and change, measures and the gap', async () => {
    const res = await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(paula.accessToken, auth).expect(200);
    const [alex, blake] = couple.partners.map((p) => p.id);
    expect(res.body.partners).toEqual([
      { id: alex, name: 'Alex Morgan' },
      { id: blake, name: 'Blake Morgan' },
    ]);
    const windows = res.body.windows;
    expect(windows).toHaveLength(3);
    expect(windows.map((w: { start: string; isCurrent: boolean }) => [w.start, w.isCurrent])).toEqual([
      [iso(base), false],
      [iso(sessionEnds[0]), false],
      [iso(sessionEnds[1]), true],
    ]);
    const summary = (w: { partners: Array<Record<string, unknown>> }) =>
      w.partners.map((p) => [p.expected, p.completed, p.completionRate, p.trustMean, p.trustChange]);
    expect(summary(windows[0])).toEqual([
      [7, 7, 1, 8, null],
      [7, 7, 1, 7, null],
    ]);
    expect(summary(windows[1])).toEqual([
      [8, 8, 1, 5, -3],
      [8, 8, 1, 7, 0],
    ]);
    expect(summary(windows[2])).toEqual([
      [6, 3, 0.5, 5, 0],
      [6, 6, 1, 9, 2],
    ]);
    expect(windows.map((w: { trustGap: number }) => w.trustGap)).toEqual([1, 2, 4]);
    expect(windows[1].partners[1].measures).toEqual([
      expect.objectContaining({ kind: 'csi4', value: 12, cutoff: 13.5, isBelowCutoff: true }),
    ]);
    expect(windows[1].partners[0].measures).toEqual([
      expect.objectContaining({ kind: 'csi4', value: 16, isBelowCutoff: false }),
    ]);
    // Progress carries scores, never answers.
    expect(JSON.stringify(res.body)).not.toContain('ANSWER-MARKER');
    expect(JSON.stringify(res.body)).not.toContain('NOTES-MARKER');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('stores one alert per condition that holds now, and leaves acknowledged alerts acknowledged', async () => {
    const [alex, blake] = couple.partners.map((p) => p.id);
    const first = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(paula.accessToken, auth)
      .expect(200);
    const alerts = first.body.alerts as Array<{
      id: string;
      kind: string;
      partnerId: string | null;
      windowStart: string;
      status: string;
    }>;
    // Alex's trust fell in the second window but held steady in the current one, and the missed
    // streak ended with a check-in: neither holds now, so neither is an open alert.
    expect(alerts.map((a) => [a.kind, a.partnerId, a.windowStart, a.status]).sort()).toEqual(
      [
        ['measure_below_cutoff', blake, iso(sessionEnds[1]), 'open'],
        ['partners_diverging', null, iso(sessionEnds[1]), 'open'],
      ].sort(),
    );
    alertIds = alerts.map((a) => a.id);

    const drop = alerts.find((a) => a.kind === 'partners_diverging')!;
    const acked = await t
      .http()
      .patch(`/v1/alerts/${drop.id}`)
      .auth(paula.accessToken, auth)
      .send({ status: 'acknowledged' })
      .expect(200);
    expect(acked.body).toMatchObject({ id: drop.id, status: 'acknowledged', acknowledgedBy: paula.id });
    expect(acked.body.acknowledgedAt).toEqual(expect.any(String));
    await t.http().patch(`/v1/alerts/${drop.id}`).auth(paula.accessToken, auth).send({ status: 'open' }).expect(400);

    const again = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(paula.accessToken, auth)
      .expect(200);
    expect(again.body.alerts.map((a: { id: string }) => a.id).sort()).toEqual([...alertIds].sort());
    expect(again.body.alerts.find((a: { id: string }) => a.id === drop.id).status).toBe('acknowledged');
    expect(again.body.alerts.filter((a: { status: string }) => a.status === 'open')).toHaveLength(1);

    // Another caseload, an admin, another clinic.
    await t
      .http()
      .patch(`/v1/alerts/${alertIds[0]}`)
      .auth(tara.accessToken, auth)
      .send({ status: 'acknowledged' })
      .expect(404);
    await t
      .http()
      .patch(`/v1/alerts/${alertIds[0]}`)
      .auth(otherTherapist.accessToken, auth)
      .send({ status: 'acknowledged' })
      .expect(404);
    await t
      .http()
      .patch(`/v1/alerts/${alertIds[0]}`)
      .auth(clinic.admin.accessToken, auth)
      .send({ status: 'acknowledged' })
      .expect(403);
  });

  it('draws the trust chart as SVG with both partners named and the completed sessions marked', async () => {
    const res = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress.svg`)
      .auth(paula.accessToken, auth)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : String(res.text ?? res.body);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<title id="chart-title">');
    expect(svg).toContain('<desc id="chart-desc">');
    expect(svg).toMatch(/class="partner-label"[^>]*>Alex<\/text>/);
    expect(svg).toMatch(/class="partner-label"[^>]*>Blake<\/text>/);
    expect(svg.match(/class="session-marker"/g)).toHaveLength(2); // the cancelled session is not a marker
    expect(svg).not.toContain('ANSWER-MARKER');
    expect(svg).not.toMatch(/href=|<script/);
  });

  it('answers 404 to another caseload or clinic, and 403 to admins and clients', async () => {
    for (const path of [`/v1/couples/${couple.coupleId}/progress`, `/v1/couples/${couple.coupleId}/progress.svg`]) {
      await t.http().get(path).auth(tara.accessToken, auth).expect(404);
      await t.http().get(path).auth(otherTherapist.accessToken, auth).expect(404);
      await t.http().get(path).auth(clinic.admin.accessToken, auth).expect(403);
      await t.http().get(path).auth(couple.partners[0].accessToken, auth).expect(403);
    }
  });

  it('audits progress reads, chart reads and acknowledgements', async () => {
    for (const action of ['progress.read', 'progress.chart.read']) {
      const res = await t
        .http()
        .get(`/v1/audit-events?action=${action}&resourceId=${couple.coupleId}`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200);
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(res.body.data[0]).toMatchObject({ actorId: paula.id, resourceType: 'couple' });
    }
    const acks = await t
      .http()
      .get('/v1/audit-events?action=alert.acknowledge')
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(acks.body.data.length).toBeGreaterThan(0);
  });

  it("shows the couple in the therapist's caseload with next session, assignments, recent completion and open alerts", async () => {
    const res = await t.http().get('/v1/caseload').auth(paula.accessToken, auth).expect(200);
    expect(res.body.data).toHaveLength(1);
    const row = res.body.data[0];
    expect(row).toMatchObject({
      coupleId: couple.coupleId,
      status: 'active',
      nextSession: { id: nextSessionId },
      activeAssignments: 2,
      openAlerts: 1,
      // Last 14 days: Alex 12 trust pulses (3 missed) + Blake 12, and both CSI-4s.
      recentCompletion: { days: 14, expected: 26, completed: 23, completionRate: 0.88 },
      openAlertsBySeverity: { high: 0, normal: 1 },
      lastCheckInAt: expect.any(String),
    });
    // Per partner: Alex missed 3 of 13, Blake none.
    expect(row.partners).toMatchObject([
      { name: 'Alex Morgan', recentCompletion: { expected: 13, completed: 10, completionRate: 0.77 } },
      { name: 'Blake Morgan', recentCompletion: { expected: 13, completed: 13, completionRate: 1 } },
    ]);
    const taras = await t.http().get('/v1/caseload').auth(tara.accessToken, auth).expect(200);
    expect(taras.body.data).toEqual([]);
  });

  it('gives the admin per-therapist aggregates only — no content, notes or names of partners', async () => {
    const res = await t.http().get('/v1/clinic/caseloads').auth(clinic.admin.accessToken, auth).expect(200);
    const paulas = res.body.data.find((r: { therapistId: string }) => r.therapistId === paula.id);
    expect(paulas).toEqual({
      therapistId: paula.id,
      name: 'Paula Therapist',
      isDisabled: false,
      activeCouples: 1,
      pausedCouples: 0,
      overdueOccurrences: 3,
      missedOccurrences: 3,
      openAlerts: 1,
      couplesWithOpenAlerts: 1,
    });
    expect(res.body.data.find((r: { therapistId: string }) => r.therapistId === tara.id)).toMatchObject({
      activeCouples: 0,
      overdueOccurrences: 0,
      openAlerts: 0,
    });
    const body = JSON.stringify(res.body);
    for (const leak of ['ANSWER-MARKER', 'NOTES-MARKER', 'Alex', 'Blake', couple.coupleId])
      expect(body).not.toContain(leak);

    // Another clinic's admin sees none of this clinic's therapists.
    const foreign = await t.http().get('/v1/clinic/caseloads').auth(other.admin.accessToken, auth).expect(200);
    expect(JSON.stringify(foreign.body)).not.toContain(paula.id);
    await t.http().get('/v1/clinic/caseloads').auth(paula.accessToken, auth).expect(403);
    await t.http().get('/v1/caseload').auth(clinic.admin.accessToken, auth).expect(403);
  });

  it("keeps every occurrence's has_check_in mark (what the admin caseloads count) equal to having a check-in", async () => {
    const client = new pg.Client({ connectionString: t.db.appUrl });
    await client.connect();
    const disagreeing = async () =>
      Number(
        (
          await client.query(
            `SELECT count(*) AS n FROM occurrence o
              WHERE o.has_check_in IS DISTINCT FROM EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id)`,
          )
        ).rows[0].n,
      );
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.clinic_id', $1, true), set_config('mend.now', $2, true)`, [
        clinic.clinicId,
        suiteClock.now().toISOString(),
      ]);
      expect(
        Number((await client.query(`SELECT count(*) AS n FROM occurrence WHERE has_check_in`)).rows[0].n),
      ).toBeGreaterThan(20);
      expect(await disagreeing()).toBe(0);
      const removed = await client.query(
        `DELETE FROM check_in WHERE id = (SELECT id FROM check_in ORDER BY id LIMIT 1) RETURNING *`,
      );
      expect(await disagreeing()).toBe(0);
      const r = removed.rows[0];
      await client.query(
        `INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, is_late, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          r.clinic_id,
          r.id,
          r.occurrence_id,
          r.assignment_id,
          r.couple_id,
          r.author_id,
          r.answers,
          r.score,
          r.visibility,
          r.is_late,
          r.submitted_at,
        ],
      );
      expect(await disagreeing()).toBe(0);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});

describe('progress from homework assigned and answered through the API', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let quinn: StaffContext;
  let couple: CoupleContext;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    quinn = await newStaff(t, clinic, 'therapist', 'Quinn Therapist');
    couple = await newCouple(t, quinn);
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads the trust pulses partners submitted, private or shared, and flags partners far apart', async () => {
    const trust = await builtinExercise(t, clinic.clinicId, quinn, 'trust_pulse');
    const assigned = await newAssignment(t, quinn, couple, trust.id, {
      schedule: { type: 'once', dueAt: iso(suiteClock.nowMs() + 2 * HOUR) },
    });
    const values = [8, 4];
    for (const [i, partner] of couple.partners.entries()) {
      const mine = await t.http().get('/v1/me/assignments').auth(partner.accessToken, auth).expect(200);
      const assignment = mine.body.data.find((a: { id: string }) => a.id === assigned.id);
      await t
        .http()
        .post(`/v1/assignments/${assigned.id}/check-ins`)
        .auth(partner.accessToken, auth)
        .send({
          occurrenceAt: assignment.occurrences[0].dueAt,
          answers: { trust: values[i], safety: 5 },
          visibility: i === 0 ? 'private' : 'shared',
        })
        .expect(201);
    }

    const res = await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(quinn.accessToken, auth).expect(200);
    expect(res.body.windows).toHaveLength(1);
    const [window] = res.body.windows;
    // Checked in ahead of the due time: done, so already expected and counted.
    expect(window.partners.map((p: Record<string, unknown>) => [p.expected, p.completed, p.trustMean])).toEqual([
      [1, 1, 8],
      [1, 1, 4],
    ]);
    expect(window.trustGap).toBe(4);
    expect(res.body.alerts.map((a: { kind: string }) => a.kind)).toEqual(['partners_diverging']);

    const caseload = await t.http().get('/v1/caseload').auth(quinn.accessToken, auth).expect(200);
    expect(caseload.body.data[0]).toMatchObject({
      coupleId: couple.coupleId,
      activeAssignments: expect.any(Number),
      openAlerts: 1,
    });
  });
});

/**
 * The chart as a New York therapist reads it (issue 13, "What was seen"): readings due at 20:00 in
 * New York — the next day in UTC — belong to their New York evening; a new couple's axis names
 * its one day once; a missed day is a gap; the CSI-4 has its panel and cut-off band; alerts are
 * marked; completion reads from day one. Days are computed from the suite's clock in New York,
 * so the assertions hold at any hour.
 */
describe('the progress chart in the therapist zone', () => {
  const NY = 'America/New_York';
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let fresh: CoupleContext;
  /** 20:00 in New York, `daysAgo` days before today in New York. */
  const nyEvening = (daysAgo: number) =>
    DateTime.fromMillis(suiteClock.nowMs(), { zone: NY }).startOf('day').minus({ days: daysAgo }).set({ hour: 20 });
  /** The chart's day label: with the year when its range (here from `first`) spans New Year. */
  const label = (d: DateTime, first: DateTime = nyEvening(6)) =>
    d.toFormat(first.year !== nyEvening(0).year ? 'LLL d, yyyy' : 'LLL d', { locale: 'en-US' });
  const dayLabels = (svg: string) =>
    [...svg.matchAll(/<text class="day-label"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
  const svgOf = async (coupleId: string) => {
    const res = await t
      .http()
      .get(`/v1/couples/${coupleId}/progress.svg`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    return Buffer.isBuffer(res.body) ? res.body.toString('utf8') : String(res.text ?? res.body);
  };

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t); // America/New_York, as is its therapist
    therapist = await newStaff(t, clinic, 'therapist', 'Nora Therapist');
    couple = await newCouple(t, therapist, [
      { name: 'Alex Ny', timezone: NY },
      { name: 'Blake Ny', timezone: NY },
    ]);
    fresh = await newCouple(t, therapist, [
      { name: 'Casey New', timezone: NY },
      { name: 'Dana New', timezone: NY },
    ]);
    const trust = await builtinExercise(t, clinic.clinicId, therapist, 'trust_pulse');
    const csi4 = await builtinExercise(t, clinic.clinicId, therapist, 'csi4');
    const [alex, blake] = couple.partners.map((p) => p.id);

    await asClinic(t, clinic.clinicId, async (client) => {
      const assignment = async (coupleId: string, exercise: { id: string; version: number }) => {
        const id = newId();
        await client.query(
          `INSERT INTO assignment (clinic_id, id, couple_id, exercise_id, exercise_version, schedule_type, due_at, status, materialized_until, created_at)
           VALUES ($1, $2, $3, $4, $5, 'once', $6, 'active', mend_now() + interval '60 days', $6)`,
          [clinic.clinicId, id, coupleId, exercise.id, exercise.version, nyEvening(8).toISO()],
        );
        return id;
      };
      const seed = async (
        coupleId: string,
        assignmentId: string,
        partnerId: string,
        due: DateTime,
        score: object | null,
      ) => {
        const occurrenceId = newId();
        await client.query(
          `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            clinic.clinicId,
            occurrenceId,
            assignmentId,
            coupleId,
            partnerId,
            due.toISO(),
            due.plus({ days: 1 }).toISO(),
          ],
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
            coupleId,
            partnerId,
            JSON.stringify(score),
            due.plus({ minutes: 5 }).toISO(),
          ],
        );
      };
      const pulses = await assignment(couple.coupleId, trust);
      const scores = await assignment(couple.coupleId, csi4);
      // Six evenings up to yesterday: Alex misses the one three days ago; Blake answers each.
      for (let ago = 6; ago >= 1; ago--) {
        await seed(couple.coupleId, pulses, alex, nyEvening(ago), ago === 3 ? null : { kind: 'trust_pulse', value: 7 });
        await seed(couple.coupleId, pulses, blake, nyEvening(ago), { kind: 'trust_pulse', value: 6 });
      }
      // Alex's CSI-4 from 9 (distress) to 16: reliably improved across the 13.5 cut-off.
      await seed(couple.coupleId, scores, alex, nyEvening(6), {
        kind: 'csi4',
        value: 9,
        isBelowCutoff: true,
        cutoff: 13.5,
      });
      await seed(couple.coupleId, scores, alex, nyEvening(1), {
        kind: 'csi4',
        value: 16,
        isBelowCutoff: false,
        cutoff: 13.5,
      });
      await seed(couple.coupleId, scores, blake, nyEvening(6), {
        kind: 'csi4',
        value: 12,
        isBelowCutoff: true,
        cutoff: 13.5,
      });

      // The new couple: one pulse due an hour ago, still open; only Casey has answered.
      const first = await assignment(fresh.coupleId, trust);
      const due = DateTime.fromMillis(suiteClock.nowMs() - HOUR, { zone: NY });
      await seed(fresh.coupleId, first, fresh.partners[0].id, due, { kind: 'trust_pulse', value: 8 });
      await seed(fresh.coupleId, first, fresh.partners[1].id, due, null);
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it("draws a New York evening reading on the therapist's date, not the next UTC day", async () => {
    const svg = await svgOf(couple.coupleId);
    expect(svg).toContain(`Blake: 6 days with a trust reading, latest 6 on ${label(nyEvening(1))};`);
    const res = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    expect(res.body.chart.timezone).toBe(NY);
    const days: string[] = res.body.chart.days;
    const blakes = res.body.chart.trust.find((l: { partnerId: string }) => l.partnerId === couple.partners[1].id);
    expect(blakes.values[days.indexOf(nyEvening(1).toISODate()!)]).toBe(6);
    expect(days[days.length - 1]).toBe(DateTime.fromMillis(suiteClock.nowMs(), { zone: NY }).toISODate());
  });

  it("names each day on the axis at most once, and a new couple's one day once", async () => {
    const labels = dayLabels(await svgOf(couple.coupleId));
    expect(labels.length).toBeGreaterThan(1);
    expect(new Set(labels).size).toBe(labels.length);
    const now = DateTime.fromMillis(suiteClock.nowMs(), { zone: NY });
    const today = label(now, now.minus({ hours: 1 }));
    const freshLabels = dayLabels(await svgOf(fresh.coupleId));
    expect(freshLabels[freshLabels.length - 1]).toBe(today);
    expect(new Set(freshLabels).size).toBe(freshLabels.length);
  });

  it('leaves a gap at a missed day instead of a line bridging it', async () => {
    const svg = await svgOf(couple.coupleId);
    const line = (partnerId: string) =>
      svg.match(new RegExp(`<g class="partner" data-partner-id="${partnerId}">[\\s\\S]*?</g>`))![0];
    expect(line(couple.partners[0].id).match(/<polyline /g)).toHaveLength(2);
    expect(line(couple.partners[1].id).match(/<polyline /g)).toHaveLength(1);
    const res = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    const alexs = res.body.chart.trust.find((l: { partnerId: string }) => l.partnerId === couple.partners[0].id);
    expect(alexs.values[res.body.chart.days.indexOf(nyEvening(3).toISODate()!)]).toBeNull();
  });

  it('shows the CSI-4 with its cut-off band, and marks the alerts', async () => {
    // Reading progress stores Blake's CSI-4 alert (12, below 13.5) before the chart marks it.
    await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(therapist.accessToken, auth).expect(200);
    const svg = await svgOf(couple.coupleId);
    expect(svg).toContain('<g class="csi4-cutoff-band">');
    expect(svg.match(/<g class="partner-csi4"/g)).toHaveLength(2);
    expect(svg).toContain(`latest CSI-4 16 on ${label(nyEvening(1))} (at or above the 13.5 cut-off)`);
    expect(svg).toMatch(/class="alert-marker"[^>]*><title>Measure below its cut-off \(open\)<\/title>/);
  });

  it('reads completion from day one', async () => {
    const res = await t
      .http()
      .get(`/v1/couples/${fresh.coupleId}/progress`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    expect(res.body.windows).toHaveLength(1);
    expect(
      res.body.windows[0].partners.map((p: Record<string, unknown>) => [
        p.expected,
        p.completed,
        p.pending,
        p.completionRate,
      ]),
    ).toEqual([
      [1, 1, 0, 1],
      [1, 0, 1, 0],
    ]);
  });

  it('classes reliable change per partner in progress and in the caseload', async () => {
    const res = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    const alexCsi = res.body.reliableChange.find(
      (r: { partnerId: string; measure: string }) => r.partnerId === couple.partners[0].id && r.measure === 'csi4',
    );
    // 9 → 16: 7 / 1.558846 = 4.49 (see reliable-change.spec.ts), crossing 13.5.
    expect(alexCsi).toMatchObject({
      reference: 'published_norms',
      baseline: 9,
      latest: 16,
      rci: 4.49,
      classification: 'recovered',
    });
    const caseload = await t.http().get('/v1/caseload').auth(therapist.accessToken, auth).expect(200);
    const row = caseload.body.data.find((c: { coupleId: string }) => c.coupleId === couple.coupleId);
    expect(row.reliableChange).toEqual([
      { partnerId: couple.partners[0].id, measure: 'csi4', classification: 'recovered', rci: 4.49 },
    ]);
  });
});
