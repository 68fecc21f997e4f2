import { randomUUID } from 'node:crypto';

import { DateTime } from 'luxon';

import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  auth,
  buildWorld,
  concretePath,
  newTally,
  operationsOf,
  problemsWith,
  report,
  type AbuseWorld,
  type Caller,
  type Operation,
  type Tally,
} from './abuse-fixture.js';

/** Objects that belong to one caseload or couple (the rest belong to the whole clinic). */
const CASELOAD_SCOPED = ['couples', 'assignments', 'sessions', 'alerts'];

/**
 * A sweep generated from the OpenAPI document:
 * 1. every route taking an id, called with clinic A's ids by every role of clinic B (and B's API
 *    key), and — for caseload-scoped objects — by A's other therapist and a partner of another
 *    couple: never a success;
 * 2. every route called by each role of the same clinic that its access rule does not name:
 *    never a success;
 * 3. a partner never reads the other partner's private check-ins; an admin never reads
 *    check-in content.
 * Every answer: no 5xx, problem+json, nothing internal.
 */
describe('abuse: ids of another clinic or caseload, roles that may not', () => {
  let t: TestApp;
  let w: AbuseWorld;
  let operations: Operation[];
  const tally: Tally = newTally();
  let bodies: Record<string, object>;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
    ({ operations } = await operationsOf(t));
    bodies = {
      'PATCH /v1/users/{id}': { disabled: true },
      'PATCH /v1/couples/{id}': { status: 'closed' },
      'POST /v1/couples/{id}/assignments': {
        exerciseId: w.pulseId,
        schedule: { type: 'once', dueAt: DateTime.utc().plus({ days: 2 }).toISO() },
      },
      'PATCH /v1/assignments/{id}': { status: 'cancelled' },
      'POST /v1/assignments/{id}/check-ins': {
        occurrenceAt: DateTime.utc().toISO(),
        answers: { trust: 5, safety: 5 },
        visibility: 'shared',
      },
      'POST /v1/couples/{id}/sessions': {
        startsAt: DateTime.utc().plus({ days: 5 }).toISO(),
        endsAt: DateTime.utc().plus({ days: 5, hours: 1 }).toISO(),
      },
      'PATCH /v1/sessions/{id}': { status: 'cancelled' },
      'PATCH /v1/alerts/{id}': { status: 'acknowledged' },
      'PATCH /v1/exercises/{id}': { archived: true },
    };
  });
  afterAll(async () => {
    report('ids and roles', tally);
    await t.close();
  });

  const call = async (op: Operation, url: string, caller: Caller | null) => {
    const req = t.http()[op.method.toLowerCase() as 'get'](url);
    if (caller) req.auth(caller.token, auth);
    const res = await (op.method === 'GET' || op.method === 'DELETE' ? req : req.send(bodies[op.route] ?? {}));
    tally.requests++;
    const problems = problemsWith(res);
    if (res.status >= 500) tally.serverErrors++;
    if (res.status < 300) {
      tally.forbiddenSuccesses++;
      problems.push(`answered ${res.status}`);
    }
    for (const p of problems) tally.findings.push(`${op.route} as ${caller?.name ?? 'nobody'}: ${p}`);
    return res;
  };

  it("refuses clinic A's ids to every caller of clinic B and to the wrong caseload of clinic A", async () => {
    const foreign: Caller[] = [
      { name: 'admin of clinic B', role: 'admin', token: w.b.admin.accessToken },
      { name: 'therapist of clinic B', role: 'therapist', token: w.bTherapist.accessToken },
      { name: 'partner in clinic B', role: 'client', token: w.bCouple.partners[0].accessToken },
      { name: 'API key of clinic B', role: 'api-key', token: w.bKey.key },
    ];
    const sameClinic: Caller[] = [
      { name: 'therapist of another caseload', role: 'therapist', token: w.otherTherapist.accessToken },
      { name: 'partner of another couple', role: 'client', token: w.otherCouple.partners[0].accessToken },
    ];
    let checked = 0;
    for (const op of operations.filter((o) => o.pathParams.length > 0 && o.rule !== 'public')) {
      const url = concretePath(op, w.ids, () => randomUUID());
      const resource = op.path.split('/')[2];
      for (const caller of [...foreign, ...(CASELOAD_SCOPED.includes(resource) ? sameClinic : [])]) {
        await call(op, url, caller);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(tally.findings).toEqual([]);
  });

  it('refuses every route to the roles of the same clinic its rule does not name', async () => {
    const roles: Caller[] = [
      { name: 'admin of clinic A', role: 'admin', token: w.a.admin.accessToken },
      { name: 'therapist of clinic A', role: 'therapist', token: w.owner.accessToken },
      { name: 'partner in clinic A', role: 'client', token: w.couple.partners[0].accessToken },
      { name: 'API key of clinic A', role: 'api-key', token: w.aKey.key },
    ];
    let checked = 0;
    for (const op of operations.filter((o) => o.rule !== undefined && o.rule !== 'public')) {
      const allowed = op.rule === 'api-key' ? ['api-key'] : (op.rule as string[]);
      const url = concretePath(op, w.ids, () => randomUUID());
      for (const caller of roles.filter((r) => !allowed.includes(r.role))) {
        await call(op, url, caller);
        checked++;
      }
      const anonymous = await call(op, url, null);
      expect({ route: op.route, status: anonymous.status }).toEqual({ route: op.route, status: 401 });
    }
    expect(checked).toBeGreaterThan(60);
    expect(tally.findings).toEqual([]);
  });

  it("never shows a partner the other partner's private check-ins, nor an admin any check-in content", async () => {
    for (const [i, partner] of w.couple.partners.entries()) {
      const other = w.couple.partners[1 - i];
      const mine = await t.http().get('/v1/me/check-ins?limit=200').auth(partner.accessToken, auth);
      tally.requests++;
      expect(mine.status).toBe(200);
      const seen = (mine.body.data as Array<{ id: string }>).map((c) => c.id);
      expect(seen).toContain(w.privateCheckIns[partner.id]);
      if (seen.includes(w.privateCheckIns[other.id])) {
        tally.forbiddenSuccesses++;
        tally.findings.push("a partner read the other partner's private check-in");
      }
      const assignments = await t.http().get('/v1/me/assignments').auth(partner.accessToken, auth);
      tally.requests++;
      expect(JSON.stringify(assignments.body)).not.toContain(`private note of partner ${2 - i}`);
    }
    const admin = await t.http().get(`/v1/couples/${w.couple.coupleId}/check-ins`).auth(w.a.admin.accessToken, auth);
    tally.requests++;
    expect(admin.status).toBe(403);
    const exported = await t.http().get(`/v1/couples/${w.couple.coupleId}/progress`).auth(w.a.admin.accessToken, auth);
    tally.requests++;
    expect(exported.status).toBe(403);
    expect(tally.findings).toEqual([]);
  });

  it("left clinic A's objects as they were", async () => {
    const c = await t.http().get(`/v1/couples/${w.couple.coupleId}`).auth(w.owner.accessToken, auth).expect(200);
    expect(c.body.status).toBe('active');
    const assignments = await t
      .http()
      .get(`/v1/couples/${w.couple.coupleId}/assignments`)
      .auth(w.owner.accessToken, auth)
      .expect(200);
    expect(assignments.body.data.map((x: { status: string }) => x.status)).toEqual(['active']);
    const sessions = await t
      .http()
      .get(`/v1/couples/${w.couple.coupleId}/sessions`)
      .auth(w.owner.accessToken, auth)
      .expect(200);
    expect(sessions.body.data.map((x: { status: string }) => x.status)).toEqual(['scheduled']);
    const ex = await t.http().get(`/v1/exercises/${w.ids.exercises}`).auth(w.owner.accessToken, auth).expect(200);
    expect(ex.body.archivedAt ?? null).toBeNull();
    await t.http().get('/v1/me').auth(w.owner.accessToken, auth).expect(200);
    await t.http().get('/v1/api-keys/self').auth(w.aKey.key, auth).expect(200);
  });
});
