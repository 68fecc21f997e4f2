import { createHmac } from 'node:crypto';

import { DateTime } from 'luxon';

import { CheckInLinksService } from '@mend/check-in-page';
import { TenantDatabase } from '@mend/database';
import { WebhookDeliveryService } from '@mend/integrations';
import {
  builtinExerciseId,
  newApiKey,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { ACCESS } from './support/access-rules.js';
import { createTestApp, type TestApp } from './support/test-app.js';

type Role = 'admin' | 'therapist' | 'client' | 'api-key';
interface Caller {
  name: string;
  role: Role;
  token: string;
  /** Same clinic, other caseload or couple: only caseload-scoped objects are foreign to it. */
  isSameClinic: boolean;
}

/** Objects scoped to one caseload (as opposed to the whole clinic). */
const CASELOAD_SCOPED = ['couples', 'assignments', 'sessions', 'alerts', 'calendar-feeds'];

/**
 * Every route taking an id, called with another caseload's or another clinic's ids by every role
 * that may use the route, answers 404 — and changes nothing.
 */
describe('ids of another caseload or clinic', () => {
  let t: TestApp;
  let a: ClinicContext;
  let owner: StaffContext;
  let couple: CoupleContext;
  const ids: Record<string, string> = {};
  const auth = { type: 'bearer' } as const;
  let callers: Caller[];
  let routes: string[];
  let bodies: Record<string, object>;

  beforeAll(async () => {
    // Loopback is allow-listed only so clinic A can have a webhook endpoint; nothing is delivered (no worker).
    t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    a = await newClinic(t);
    const endpoint = await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(a.admin.accessToken, auth)
      .send({ url: 'http://127.0.0.1:9/hooks/mend', events: ['session.created'] })
      .expect(201);
    owner = await newStaff(t, a, 'therapist', 'Owner Therapist');
    couple = await newCouple(t, owner);
    const pulseId = await builtinExerciseId(t, owner.accessToken, 'trust_pulse');
    const custom = await t
      .http()
      .post('/v1/exercises')
      .auth(owner.accessToken, auth)
      .send({
        title: 'Gratitude note',
        category: 'caring',
        mode: 'individual',
        instructions: 'Write one thing you appreciated today.',
        form: { fields: [{ key: 'note', type: 'text', label: 'Note', required: true, maxLength: 500 }] },
      })
      .expect(201);
    const assignment = await newAssignment(t, owner, couple, pulseId);
    const mine = async (token: string) =>
      (
        (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
          id: string;
          occurrences: Array<{ dueAt: string; state: string }>;
        }>
      )
        .find((x) => x.id === assignment.id)!
        .occurrences.find((o) => o.state === 'due')!.dueAt;
    for (const [i, trust] of [
      [0, 9],
      [1, 4],
    ] as const) {
      await t
        .http()
        .post(`/v1/assignments/${assignment.id}/check-ins`)
        .auth(couple.partners[i].accessToken, auth)
        .send({
          occurrenceAt: await mine(couple.partners[i].accessToken),
          answers: { trust, safety: 5 },
          visibility: 'private',
        })
        .expect(201);
    }
    // A live check-in link of the assignment: revoking from another caseload or clinic must leave it working.
    const db = t.app.get(TenantDatabase);
    await db.withClinic(a.clinicId, async (tx) => {
      const [open] = await tx.query(
        `SELECT o.id FROM occurrence o WHERE o.clinic_id = $1 AND o.assignment_id = $2 AND o.partner_id = $3 AND o.closes_at > now()
           AND NOT EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id) ORDER BY o.due_at LIMIT 1`,
        [a.clinicId, assignment.id, couple.partners[0].id],
      );
      await t.app.get(CheckInLinksService).issueCheckInLink(tx, a.clinicId, couple.partners[0].id, open.id);
    });
    const session = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(owner.accessToken, auth)
      .send({
        startsAt: DateTime.utc().plus({ days: 3 }).toISO(),
        endsAt: DateTime.utc().plus({ days: 3, hours: 1 }).toISO(),
      })
      .expect(201);
    const progress = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(owner.accessToken, auth)
      .expect(200);
    expect(progress.body.alerts.length).toBeGreaterThan(0);
    // The session announced session.created; fan it out to a delivery (the worker's first step).
    const [event] = await t.app
      .get(TenantDatabase)
      .withClinic(a.clinicId, (tx) => tx.query(`SELECT id FROM webhook_event WHERE type = 'session.created'`));
    await t.app.get(WebhookDeliveryService).fanout({ clinicId: a.clinicId, eventId: event.id });
    const deliveries = await t
      .http()
      .get(`/v1/webhook-endpoints/${endpoint.body.id}/deliveries`)
      .auth(a.admin.accessToken, auth)
      .expect(200);
    const integration = await t
      .http()
      .post('/v1/integrations')
      .auth(a.admin.accessToken, auth)
      .send({ provider: 'calcom', signingSecret: 'a-signing-secret' })
      .expect(201);
    // One stored inbound event of the integration (a signed Cal.com ping).
    const ping = JSON.stringify({ triggerEvent: 'PING', createdAt: DateTime.utc().toISO(), payload: {} });
    await t
      .http()
      .post(new URL(integration.body.webhookUrl).pathname)
      .set('content-type', 'application/json')
      .set('x-cal-signature-256', createHmac('sha256', 'a-signing-secret').update(ping).digest('hex'))
      .send(ping)
      .expect(200);
    const inbound = await t
      .http()
      .get(`/v1/inbound-events?integrationId=${integration.body.id}`)
      .auth(a.admin.accessToken, auth)
      .expect(200);
    const feed = await t.http().post('/v1/calendar-feeds').auth(owner.accessToken, auth).expect(201);
    Object.assign(ids, {
      'webhook-endpoints': endpoint.body.id,
      deliveryId: deliveries.body.data[0].id,
      integrations: integration.body.id,
      'inbound-events': inbound.body.data[0].id,
      'calendar-feeds': feed.body.id,
      couples: couple.coupleId,
      assignments: assignment.id,
      sessions: session.body.id,
      alerts: progress.body.alerts[0].id,
      exercises: custom.body.id,
      users: owner.id,
      'api-keys': (await newApiKey(t, a, ['sessions:read'])).id,
      partnerId: couple.partners[0].id,
    });

    // Same clinic: another therapist, and a partner of another couple.
    const otherTherapist = await newStaff(t, a, 'therapist', 'Other Therapist');
    const otherCouple = await newCouple(t, otherTherapist);
    // Another clinic: every role.
    const b = await newClinic(t);
    const bTherapist = await newStaff(t, b);
    const bCouple = await newCouple(t, bTherapist);
    const bKey = await newApiKey(t, b, [
      'sessions:read',
      'sessions:write',
      'couples:read',
      'webhooks:manage',
      'calendar:read',
    ]);
    callers = [
      { name: 'API key of another clinic', role: 'api-key', token: bKey.key, isSameClinic: false },
      {
        name: 'therapist of another caseload',
        role: 'therapist',
        token: otherTherapist.accessToken,
        isSameClinic: true,
      },
      {
        name: 'partner of another couple',
        role: 'client',
        token: otherCouple.partners[0].accessToken,
        isSameClinic: true,
      },
      { name: 'admin of another clinic', role: 'admin', token: b.admin.accessToken, isSameClinic: false },
      { name: 'therapist of another clinic', role: 'therapist', token: bTherapist.accessToken, isSameClinic: false },
      {
        name: 'partner in another clinic',
        role: 'client',
        token: bCouple.partners[0].accessToken,
        isSameClinic: false,
      },
    ];
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths)
      .filter(([path]) => path.includes('{id}'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    bodies = {
      'PATCH /v1/users/{id}': { disabled: true },
      'PATCH /v1/couples/{id}': { status: 'closed' },
      'POST /v1/couples/{id}/assignments': {
        exerciseId: pulseId,
        schedule: { type: 'once', dueAt: DateTime.utc().plus({ days: 2 }).toISO() },
      },
      'PATCH /v1/assignments/{id}': { status: 'cancelled' },
      'POST /v1/assignments/{id}/check-in-links/revoke': {},
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
      'PUT /v1/couples/{id}/repair-plan': {
        baseVersion: 0,
        agreements: [{ text: 'Taken over', partnerId: null, frequency: 'weekly' }],
      },
      'POST /v1/couples/{id}/repair-plan/ratings': {
        ratings: [{ agreementId: '01900000-0000-7000-8000-000000000000', kept: 5, stillFits: true }],
      },
      'PATCH /v1/alerts/{id}': { status: 'acknowledged' },
      'PATCH /v1/exercises/{id}': { archived: true },
      'POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver': {},
      'PATCH /v1/webhook-endpoints/{id}': { events: ['reminder.sent'], description: 'Taken over' },
      'POST /v1/webhook-endpoints/{id}/rotate-secret': { overlapHours: 0 },
    };
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 404 on every id route for every role that may call it', async () => {
    let checked = 0;
    for (const route of routes) {
      const [method, path] = route.split(' ');
      // A partner's own view of a resource (/v1/me/sessions/{id}) is scoped like the resource.
      const parts = path.split('/');
      const resource = parts[2] === 'me' ? parts[3] : parts[2];
      expect({ route, hasId: ids[resource] !== undefined }).toEqual({ route, hasId: true });
      const rule = ACCESS[route];
      const url = path
        .replace('{id}', ids[resource])
        .replace('{partnerId}', ids.partnerId)
        .replace('{deliveryId}', ids.deliveryId);
      for (const caller of callers) {
        if (!Array.isArray(rule) || !rule.includes(caller.role)) continue;
        if (caller.isSameClinic && !CASELOAD_SCOPED.includes(resource)) continue;
        const req = t.http()[method.toLowerCase() as 'get'](url).auth(caller.token, auth);
        const res = await (method === 'GET' || method === 'DELETE' ? req : req.send(bodies[route] ?? {}));
        expect({ route, caller: caller.name, status: res.status }).toEqual({ route, caller: caller.name, status: 404 });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('left every object as it was', async () => {
    const c = await t.http().get(`/v1/couples/${couple.coupleId}`).auth(owner.accessToken, auth).expect(200);
    expect(c.body.status).toBe('active');
    const assignments = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(owner.accessToken, auth)
      .expect(200);
    expect(assignments.body.data.map((x: { status: string }) => x.status)).toEqual(['active']);
    const sessions = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(owner.accessToken, auth)
      .expect(200);
    expect(sessions.body.data.map((x: { status: string }) => x.status)).toEqual(['scheduled']);
    const progress = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/progress`)
      .auth(owner.accessToken, auth)
      .expect(200);
    expect(progress.body.alerts.every((x: { status: string }) => x.status === 'open')).toBe(true);
    const ex = await t.http().get(`/v1/exercises/${ids.exercises}`).auth(owner.accessToken, auth).expect(200);
    expect(ex.body.archivedAt ?? null).toBeNull();
    await t.http().get('/v1/me').auth(owner.accessToken, auth).expect(200);
    const endpoint = await t
      .http()
      .get(`/v1/webhook-endpoints/${ids['webhook-endpoints']}`)
      .auth(a.admin.accessToken, auth)
      .expect(200);
    expect(endpoint.body).toMatchObject({ status: 'active', previousSecretExpiresAt: null });
    expect(endpoint.body.events).not.toEqual(['reminder.sent']);
    expect(endpoint.body.description).not.toBe('Taken over');
    // No test delivery was added to the log either (checked below: the one delivery, never attempted).
    const deliveries = await t
      .http()
      .get(`/v1/webhook-endpoints/${ids['webhook-endpoints']}/deliveries`)
      .auth(a.admin.accessToken, auth)
      .expect(200);
    expect(deliveries.body.data.map((d: { id: string; attemptCount: number }) => [d.id, d.attemptCount])).toEqual([
      [ids.deliveryId, 0],
    ]);
    const integrations = await t.http().get('/v1/integrations').auth(a.admin.accessToken, auth).expect(200);
    expect(integrations.body.data.map((i: { status: string }) => i.status)).toEqual(['active']);
    const feeds = await t.http().get('/v1/calendar-feeds').auth(owner.accessToken, auth).expect(200);
    expect(feeds.body.data.map((f: { status: string }) => f.status)).toEqual(['active']);
    const links: Array<{ revoked_at: Date | null }> = await t.app
      .get(TenantDatabase)
      .withClinic(a.clinicId, (tx) => tx.query(`SELECT revoked_at FROM check_in_link`));
    expect(links.map((l) => l.revoked_at)).toEqual([null]);
  });
});
