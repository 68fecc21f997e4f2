/**
 * Outbound webhooks through the real API and the real worker (outbox relay + BullMQ), delivered
 * to a real HTTP receiver in this process on 127.0.0.1 (allow-listed by port in the config).
 * Signatures are checked with the `standardwebhooks` package, an implementation independent of ours.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Webhook } from 'standardwebhooks';

import { newId } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { announceEvent, DOMAIN_EVENT_TYPES, generateWebhookSecret, retryDelayMs } from '@mend/integrations';
import { JobName, JobProducer } from '@mend/queue';
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

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { eventually, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const RETRY_BASE_DELAY_MS = 50;

const auth = { type: 'bearer' } as const;

interface Delivered {
  type: string;
  timestamp: string;
  data: Record<string, string | null>;
}

interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  state: string;
  attemptCount: number;
  attempts: Array<{ attempt: number; statusCode: number | null; error: string | null }>;
}

describe('webhooks out', () => {
  let receiver: WebhookReceiver;
  let t: TestApp;
  let worker: INestApplicationContext;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let allSecret: string;

  const book = async (daysAhead: number) =>
    (
      await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({
          startsAt: DateTime.utc().plus({ days: daysAhead }).toISO(),
          endsAt: DateTime.utc().plus({ days: daysAhead, hours: 1 }).toISO(),
        })
        .expect(201)
    ).body as { id: string };
  const bodiesOn = (path: string) => receiver.on(path).map((r) => ({ ...r, json: JSON.parse(r.body) as Delivered }));
  const createEndpoint = async (path: string, events: string[]) =>
    (
      await t
        .http()
        .post('/v1/webhook-endpoints')
        .auth(clinic.admin.accessToken, auth)
        .send({ url: receiver.url(path), events })
        .expect(201)
    ).body as { id: string; secret: string };

  const admin = () => clinic.admin.accessToken;
  const deliveriesOf = async (endpointId: string, query = '') =>
    (await t.http().get(`/v1/webhook-endpoints/${endpointId}/deliveries${query}`).auth(admin(), auth).expect(200))
      .body as { data: DeliveryView[]; nextCursor: string | null };
  const sendTest = async (endpointId: string) =>
    (await t.http().post(`/v1/webhook-endpoints/${endpointId}/test`).auth(admin(), auth).expect(202))
      .body as DeliveryView;
  /** Waits until the delivery has settled (delivered or failed) and answers it. */
  const settled = async (endpointId: string, deliveryId: string) =>
    (
      await eventually(
        () => deliveriesOf(endpointId),
        (body) => ['delivered', 'failed'].includes(body.data.find((d) => d.id === deliveryId)?.state ?? ''),
      )
    ).data.find((d) => d.id === deliveryId)!;
  const headersOf = (r: { headers: Record<string, unknown> }) => ({
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await createTestApp({
      env: {
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`,
        WEBHOOK_RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
        WEBHOOK_TIMEOUT_MS: '3000',
        WEBHOOK_MISSED_SCAN_INTERVAL_MS: '200',
      },
    });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    allSecret = (await createEndpoint('/all', [...DOMAIN_EVENT_TYPES])).secret;
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await receiver?.close();
  });

  it('refuses endpoint URLs that reach loopback, private, link-local or metadata addresses', async () => {
    const refused = [
      'http://127.0.0.1/hook',
      `http://127.0.0.1:${receiver.port + 1}/hook`,
      `http://[::1]:${receiver.port}/hook`,
      'https://[::1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/hook',
      'https://10.20.30.40:8443/hook',
      'https://192.168.1.10/hook',
      'https://172.16.0.5/hook',
      'https://100.100.100.200/latest/meta-data/',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://[::ffff:127.0.0.1]/hook',
      'https://0.0.0.0/hook',
      'http://localhost/hook',
      'https://localhost/hook',
      'https://user:pass@example.invalid/hook',
      'ftp://example.invalid/hook',
    ];
    for (const url of refused) {
      const res = await t
        .http()
        .post('/v1/webhook-endpoints')
        .auth(clinic.admin.accessToken, auth)
        .send({ url, events: ['session.created'] });
      expect({ url, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({
        url,
        status: 422,
        field: 'url',
      });
    }
    // The allow-listed receiver itself is accepted, over plain http.
    const ok = await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(clinic.admin.accessToken, auth)
      .send({ url: receiver.url('/unused'), events: ['reminder.sent'] });
    expect(ok.status).toBe(201);
    await t.http().delete(`/v1/webhook-endpoints/${ok.body.id}`).auth(clinic.admin.accessToken, auth).expect(204);
  });

  it('shows the signing secret once and lets API keys with webhooks:manage manage endpoints', async () => {
    const key = await newApiKey(t, clinic, ['webhooks:manage']);
    const created = await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(key.key, auth)
      .send({ url: receiver.url('/by-key'), events: ['session.created'] })
      .expect(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const listed = await t.http().get('/v1/webhook-endpoints').auth(key.key, auth).expect(200);
    expect(listed.body.data.find((e: { id: string }) => e.id === created.body.id)).toMatchObject({
      status: 'active',
      events: ['session.created'],
    });
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    const readOnly = await newApiKey(t, clinic, ['sessions:read']);
    await t.http().get('/v1/webhook-endpoints').auth(readOnly.key, auth).expect(403);
    await t.http().delete(`/v1/webhook-endpoints/${created.body.id}`).auth(key.key, auth).expect(204);
    await t.http().get(`/v1/webhook-endpoints/${created.body.id}`).auth(key.key, auth).expect(404);
  });

  it('signs each delivery per Standard Webhooks, with a thin body of type, time and ids', async () => {
    const session = await book(3);
    await receiver.waitFor(() =>
      bodiesOn('/all').some((r) => r.json.type === 'session.created' && r.json.data.sessionId === session.id),
    );
    const delivery = bodiesOn('/all').find(
      (r) => r.json.type === 'session.created' && r.json.data.sessionId === session.id,
    )!;

    const verified = new Webhook(allSecret).verify(delivery.body, {
      'webhook-id': delivery.headers['webhook-id'] as string,
      'webhook-timestamp': delivery.headers['webhook-timestamp'] as string,
      'webhook-signature': delivery.headers['webhook-signature'] as string,
    }) as Delivered;
    expect(verified).toEqual({
      type: 'session.created',
      timestamp: expect.any(String),
      data: { sessionId: session.id, coupleId: couple.coupleId },
    });
    expect(Object.keys(JSON.parse(delivery.body)).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(delivery.headers['content-type']).toBe('application/json');

    // The independent implementation refuses a changed body, another secret, and an old timestamp.
    const headers = {
      'webhook-id': delivery.headers['webhook-id'] as string,
      'webhook-timestamp': delivery.headers['webhook-timestamp'] as string,
      'webhook-signature': delivery.headers['webhook-signature'] as string,
    };
    expect(() => new Webhook(allSecret).verify(delivery.body.replace(session.id, newId()), headers)).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(delivery.body, headers)).toThrow();
    expect(() =>
      new Webhook(allSecret).verify(delivery.body, {
        ...headers,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600),
      }),
    ).toThrow();
  });

  it('retries a receiver that fails twice, then delivers the event once, attempts recorded in order', async () => {
    const endpoint = await createEndpoint('/flaky', ['session.updated']);
    receiver.respond('/flaky', 500, 503);
    const session = await book(4);
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(therapist.accessToken, auth)
      .send({
        startsAt: DateTime.utc().plus({ days: 5 }).toISO(),
        endsAt: DateTime.utc().plus({ days: 5, hours: 1 }).toISO(),
      })
      .expect(200);

    await receiver.waitFor(() => receiver.on('/flaky').some((r) => r.status === 200));
    await new Promise((resolve) => setTimeout(resolve, 600)); // nothing more may arrive after the 2xx
    const calls = receiver.on('/flaky');
    expect(calls.map((c) => c.status)).toEqual([500, 503, 200]);
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(1);
    for (const call of calls)
      expect(() =>
        new Webhook(endpoint.secret).verify(call.body, call.headers as Record<string, string>),
      ).not.toThrow();
    // Backoff: each retry waited at least its growing delay (base, then RETRY_GROWTH × base). Lower
    // bounds only: a loaded machine can add time to a gap, never take it away.
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(retryDelayMs(1, RETRY_BASE_DELAY_MS));
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(retryDelayMs(2, RETRY_BASE_DELAY_MS));

    const deliveries = await eventually(
      async () =>
        (
          await t
            .http()
            .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)
            .auth(clinic.admin.accessToken, auth)
            .expect(200)
        ).body,
      (body) => body.data[0]?.state === 'delivered',
    );
    expect(deliveries.data).toHaveLength(1);
    expect(deliveries.data[0]).toMatchObject({
      eventType: 'session.updated',
      eventId: calls[0].headers['webhook-id'],
      state: 'delivered',
      attemptCount: 3,
    });
    expect(
      deliveries.data[0].attempts.map((a: { attempt: number; statusCode: number }) => [a.attempt, a.statusCode]),
    ).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    const started = deliveries.data[0].attempts.map((a: { startedAt: string }) => Date.parse(a.startedAt));
    expect([...started].sort((x, y) => x - y)).toEqual(started);

    // Redeliver: the same message (same webhook-id) once more, recorded as attempt 4.
    const again = await t
      .http()
      .post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveries.data[0].id}/redeliver`)
      .auth(clinic.admin.accessToken, auth)
      .expect(202);
    expect(again.body.state).toBe('pending');
    await receiver.waitFor(() => receiver.on('/flaky').length === 4);
    expect(receiver.on('/flaky')[3].headers['webhook-id']).toBe(calls[0].headers['webhook-id']);
    const after = await eventually(
      async () =>
        (
          await t
            .http()
            .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)
            .auth(clinic.admin.accessToken, auth)
            .expect(200)
        ).body,
      (body) => body.data[0]?.attemptCount === 4 && body.data[0]?.state === 'delivered',
    );
    expect(after.data[0].attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 503, 200, 200]);
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const endpoint = await createEndpoint('/gone', ['session.cancelled']);
    receiver.respond('/gone', 410);
    const first = await book(6);
    await t
      .http()
      .patch(`/v1/sessions/${first.id}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(200);
    const disabled = await eventually(
      async () =>
        (await t.http().get(`/v1/webhook-endpoints/${endpoint.id}`).auth(clinic.admin.accessToken, auth).expect(200))
          .body,
      (body) => body.status === 'disabled',
    );
    expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    expect(receiver.on('/gone')).toHaveLength(1);

    const second = await book(7);
    await t
      .http()
      .patch(`/v1/sessions/${second.id}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(200);
    await receiver.waitFor(() =>
      bodiesOn('/all').some((r) => r.json.type === 'session.cancelled' && r.json.data.sessionId === second.id),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.on('/gone')).toHaveLength(1);
    const deliveries = (
      await t
        .http()
        .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200)
    ).body;
    expect(
      deliveries.data.map((d: { state: string; attempts: Array<{ statusCode: number }> }) => [
        d.state,
        d.attempts.map((a) => a.statusCode),
      ]),
    ).toEqual([['failed', [410]]]);
    await t
      .http()
      .post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveries.data[0].id}/redeliver`)
      .auth(clinic.admin.accessToken, auth)
      .expect(409);
  });

  it('checks the address again before each delivery (DNS may have changed since the endpoint was created)', async () => {
    // As if the endpoint's host name now resolved to another loopback address than the allow-listed one.
    const endpointId = newId();
    await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`INSERT INTO webhook_endpoint (clinic_id, id, url, events, secret) VALUES ($1, $2, $3, $4, $5)`, [
          clinic.clinicId,
          endpointId,
          `http://127.0.0.2:${receiver.port}/rebound`,
          ['session.created'],
          generateWebhookSecret(),
        ]),
      );
    await book(8);
    const deliveries = await eventually(
      async () =>
        (
          await t
            .http()
            .get(`/v1/webhook-endpoints/${endpointId}/deliveries`)
            .auth(clinic.admin.accessToken, auth)
            .expect(200)
        ).body,
      (body) => (body.data[0]?.attempts.length ?? 0) >= 1,
    );
    expect(deliveries.data[0].attempts[0]).toMatchObject({ attempt: 1, statusCode: null, error: 'forbidden_address' });
    expect(receiver.on('/rebound')).toHaveLength(0);
    await t.http().delete(`/v1/webhook-endpoints/${endpointId}`).auth(clinic.admin.accessToken, auth).expect(204);
  });

  it('announces check-ins, a completed assignment and an opened alert — ids only, never answers', async () => {
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const assignment = await newAssignment(t, therapist, couple, pulseId);
    const once = await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 2 }).toISO() },
    });
    const checkIns: string[] = [];
    for (const [i, trust] of [
      [0, 9],
      [1, 3],
    ] as const) {
      const token = couple.partners[i].accessToken;
      const mine = (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
        id: string;
        occurrences: Array<{ dueAt: string; state: string }>;
      }>;
      for (const id of [assignment.id, once.id]) {
        const due = mine.find((a) => a.id === id)!.occurrences.find((o) => o.state === 'due')!.dueAt;
        const res = await t
          .http()
          .post(`/v1/assignments/${id}/check-ins`)
          .auth(token, auth)
          .send({ occurrenceAt: due, answers: { trust, safety: 5 }, visibility: 'private' })
          .expect(201);
        checkIns.push(res.body.id);
      }
    }
    await receiver.waitFor(() => {
      const types = bodiesOn('/all').map((r) => r.json);
      return (
        checkIns.every((id) => types.some((e) => e.type === 'checkin.submitted' && e.data.checkInId === id)) &&
        types.some((e) => e.type === 'assignment.completed' && e.data.assignmentId === once.id) &&
        types.some((e) => e.type === 'alert.opened' && e.data.coupleId === couple.coupleId)
      );
    });
    const events = bodiesOn('/all').map((r) => r.json);
    const submitted = events.find((e) => e.type === 'checkin.submitted' && e.data.checkInId === checkIns[0])!;
    expect(submitted.data).toEqual({
      checkInId: checkIns[0],
      assignmentId: assignment.id,
      occurrenceId: expect.any(String),
      coupleId: couple.coupleId,
      partnerId: couple.partners[0].id,
    });
    expect(events.find((e) => e.type === 'assignment.completed')!.data).toEqual({
      assignmentId: once.id,
      coupleId: couple.coupleId,
    });
    expect(Object.keys(events.find((e) => e.type === 'alert.opened')!.data).sort()).toEqual([
      'alertId',
      'coupleId',
      'partnerId',
    ]);
    for (const raw of receiver.on('/all').map((r) => r.body)) {
      expect(raw).not.toMatch(/answers|trust|safety|visibility|notes|instructions/);
    }
  });

  it('announces an occurrence that closed without a check-in, once', async () => {
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const assignment = await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 3 }).toISO() },
    });
    // Let the occurrences close in the past (as if the due time were four days ago), and the endpoint be older than that.
    const db = t.app.get(TenantDatabase);
    const occurrences: Array<{ id: string; partner_id: string | null }> = await db.withClinic(
      clinic.clinicId,
      async (tx) => {
        await tx.query(`UPDATE webhook_endpoint SET created_at = now() - interval '5 days' WHERE clinic_id = $1`, [
          clinic.clinicId,
        ]);
        await tx.query(
          `UPDATE occurrence SET opens_at = now() - interval '5 days', due_at = now() - interval '4 days', late_after = now() - interval '3 days', closes_at = now() - interval '1 day' WHERE clinic_id = $1 AND assignment_id = $2`,
          [clinic.clinicId, assignment.id],
        );
        return tx.query(`SELECT id, partner_id FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2`, [
          clinic.clinicId,
          assignment.id,
        ]);
      },
    );
    expect(occurrences.length).toBeGreaterThan(0);
    const missedOf = () =>
      bodiesOn('/all').filter((r) => r.json.type === 'occurrence.missed' && r.json.data.assignmentId === assignment.id);
    await receiver.waitFor(() => missedOf().length === occurrences.length);
    await new Promise((resolve) => setTimeout(resolve, 700)); // a few more scans: still announced once each
    expect(
      missedOf()
        .map((r) => r.json.data.occurrenceId)
        .sort(),
    ).toEqual(occurrences.map((o) => o.id).sort());
    expect(missedOf()[0].json.data).toEqual({
      occurrenceId: expect.any(String),
      assignmentId: assignment.id,
      coupleId: couple.coupleId,
      partnerId: expect.any(String),
    });
  });

  it("keeps each clinic's endpoints and deliveries to itself", async () => {
    const other = await newClinic(t);
    const list = await t.http().get('/v1/webhook-endpoints').auth(other.admin.accessToken, auth).expect(200);
    expect(list.body.data).toEqual([]);
    const mine = (await t.http().get('/v1/webhook-endpoints').auth(clinic.admin.accessToken, auth).expect(200)).body
      .data as Array<{ id: string }>;
    await t
      .http()
      .get(`/v1/webhook-endpoints/${mine[0].id}/deliveries`)
      .auth(other.admin.accessToken, auth)
      .expect(404);
    await t.http().delete(`/v1/webhook-endpoints/${mine[0].id}`).auth(other.admin.accessToken, auth).expect(404);
  });

  it('sends a signed webhook.test to one endpoint on request, once, recorded in its delivery log', async () => {
    const endpoint = await createEndpoint('/ping', ['reminder.sent']);
    const pending = await sendTest(endpoint.id);
    expect(pending).toMatchObject({ eventType: 'webhook.test', state: 'pending', attemptCount: 0, attempts: [] });

    const delivered = await settled(endpoint.id, pending.id);
    expect(delivered).toMatchObject({
      state: 'delivered',
      attemptCount: 1,
      attempts: [{ attempt: 1, statusCode: 200 }],
    });
    const [call] = receiver.on('/ping');
    expect(new Webhook(endpoint.secret).verify(call.body, headersOf(call))).toEqual({
      type: 'webhook.test',
      timestamp: expect.any(String),
      data: { endpointId: endpoint.id },
    });
    expect(call.headers['webhook-id']).toBe(pending.eventId);
    // Only the endpoint asked about gets it, even one subscribed to every event.
    expect(bodiesOn('/all').filter((r) => r.json.type === 'webhook.test')).toEqual([]);

    // A failing test is one attempt, not a day of retries.
    receiver.respond('/ping', 503);
    const failing = await sendTest(endpoint.id);
    expect(await settled(endpoint.id, failing.id)).toMatchObject({
      state: 'failed',
      attemptCount: 1,
      attempts: [{ attempt: 1, statusCode: 503 }],
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.on('/ping').map((c) => c.status)).toEqual([200, 503]);

    // webhook.test cannot be subscribed to.
    await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(admin(), auth)
      .send({ url: receiver.url('/ping'), events: ['webhook.test'] })
      .expect(400);
  });

  it('changes an endpoint’s URL and events with PATCH, checking a new URL like a new endpoint', async () => {
    const endpoint = await createEndpoint('/before-move', ['session.cancelled']);
    const refused = await t
      .http()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .auth(admin(), auth)
      .send({ url: 'https://169.254.169.254/latest/meta-data/' });
    expect({ status: refused.status, field: refused.body.errors?.[0]?.field }).toEqual({ status: 422, field: 'url' });
    await t
      .http()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .auth(admin(), auth)
      .send({ events: ['session.created', 'no.such.event'] })
      .expect(400);
    expect(
      (await t.http().get(`/v1/webhook-endpoints/${endpoint.id}`).auth(admin(), auth).expect(200)).body,
    ).toMatchObject({ url: receiver.url('/before-move'), events: ['session.cancelled'] });

    const moved = await t
      .http()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .auth(admin(), auth)
      .send({ url: receiver.url('/after-move'), events: ['session.created', 'session.created'], description: 'Moved' })
      .expect(200);
    expect(moved.body).toMatchObject({
      id: endpoint.id,
      url: receiver.url('/after-move'),
      events: ['session.created'],
      description: 'Moved',
      status: 'active',
    });
    expect(moved.body.secret).toBeUndefined();
    const session = await book(9);
    await receiver.waitFor(() =>
      receiver.on('/after-move').some((r) => (JSON.parse(r.body) as Delivered).data.sessionId === session.id),
    );
    const call = receiver.on('/after-move').at(-1)!;
    // The secret did not change with the URL.
    expect(() => new Webhook(endpoint.secret).verify(call.body, headersOf(call))).not.toThrow();
    expect(receiver.on('/before-move')).toEqual([]);

    const cleared = await t
      .http()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .auth(admin(), auth)
      .send({ description: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ description: null, url: receiver.url('/after-move') });
    await t.http().delete(`/v1/webhook-endpoints/${endpoint.id}`).auth(admin(), auth).expect(204);
  });

  it('rotates the signing secret with an overlap in which both secrets sign each delivery', async () => {
    const endpoint = await createEndpoint('/rotate', ['reminder.sent']);
    const rotated = await t
      .http()
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .auth(admin(), auth)
      .send({})
      .expect(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    // The default overlap: a day.
    const overlapMs = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(overlapMs).toBeGreaterThan(23 * 3_600_000);
    expect(overlapMs).toBeLessThanOrEqual(24 * 3_600_000);
    const shown = await t.http().get(`/v1/webhook-endpoints/${endpoint.id}`).auth(admin(), auth).expect(200);
    expect(shown.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
    expect(JSON.stringify(shown.body)).not.toContain('whsec_');

    // During the overlap: two signatures, and the official verifier accepts the message with either secret.
    await settled(endpoint.id, (await sendTest(endpoint.id)).id);
    const both = receiver.on('/rotate').at(-1)!;
    expect((both.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(both.body, headersOf(both))).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(both.body, headersOf(both))).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(both.body, headersOf(both))).toThrow();

    // Without an overlap the replaced secret stops signing at once.
    await t
      .http()
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .auth(admin(), auth)
      .send({ overlapHours: 169 })
      .expect(400);
    const again = await t
      .http()
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .auth(admin(), auth)
      .send({ overlapHours: 0 })
      .expect(200);
    expect(again.body.previousSecretExpiresAt).toBeNull();
    await settled(endpoint.id, (await sendTest(endpoint.id)).id);
    const one = receiver.on('/rotate').at(-1)!;
    expect((one.headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
    expect(() => new Webhook(again.body.secret).verify(one.body, headersOf(one))).not.toThrow();
    expect(() => new Webhook(newSecret).verify(one.body, headersOf(one))).toThrow();
    expect(() => new Webhook(endpoint.secret).verify(one.body, headersOf(one))).toThrow();
  });

  it('re-enables an endpoint disabled by 410 Gone or by exhausted retries', async () => {
    const gone = await createEndpoint('/revive', ['reminder.sent']);
    receiver.respond('/revive', 410);
    await settled(gone.id, (await sendTest(gone.id)).id);
    const disabled = await t.http().get(`/v1/webhook-endpoints/${gone.id}`).auth(admin(), auth).expect(200);
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    const refused = await t.http().post(`/v1/webhook-endpoints/${gone.id}/test`).auth(admin(), auth).expect(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');

    const enabled = await t.http().post(`/v1/webhook-endpoints/${gone.id}/enable`).auth(admin(), auth).expect(200);
    expect(enabled.body).toMatchObject({ status: 'active', disabledReason: null, disabledAt: null });
    expect(await settled(gone.id, (await sendTest(gone.id)).id)).toMatchObject({ state: 'delivered' });
    // Enabling an active endpoint changes nothing.
    await t.http().post(`/v1/webhook-endpoints/${gone.id}/enable`).auth(admin(), auth).expect(200);

    // A receiver that fails for the whole retry window: the delivery fails and the endpoint is disabled.
    const down = await createEndpoint('/down', ['session.updated']);
    receiver.respond('/down', ...Array<number>(50).fill(500));
    const session = await book(10);
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(therapist.accessToken, auth)
      .send({
        startsAt: DateTime.utc().plus({ days: 11 }).toISO(),
        endsAt: DateTime.utc().plus({ days: 11, hours: 1 }).toISO(),
      })
      .expect(200);
    await receiver.waitFor(() => receiver.on('/down').length >= 1);
    // As if the first attempt were 25 hours ago: the next failure ends the retries.
    await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(
          `UPDATE webhook_delivery SET retry_started_at = now() - interval '25 hours' WHERE clinic_id = $1 AND endpoint_id = $2`,
          [clinic.clinicId, down.id],
        ),
      );
    const failing = await eventually(
      async () => (await t.http().get(`/v1/webhook-endpoints/${down.id}`).auth(admin(), auth).expect(200)).body,
      (body) => body.status === 'disabled',
    );
    expect(failing).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    const [failed] = (await deliveriesOf(down.id)).data;
    expect(failed.state).toBe('failed');
    await t
      .http()
      .post(`/v1/webhook-endpoints/${down.id}/deliveries/${failed.id}/redeliver`)
      .auth(admin(), auth)
      .expect(409);

    // The receiver is fixed: enabled again, the failed delivery can be sent again, and arrives.
    receiver.reset('/down');
    await t.http().post(`/v1/webhook-endpoints/${down.id}/enable`).auth(admin(), auth).expect(200);
    const n = receiver.on('/down').length;
    await t
      .http()
      .post(`/v1/webhook-endpoints/${down.id}/deliveries/${failed.id}/redeliver`)
      .auth(admin(), auth)
      .expect(202);
    await receiver.waitFor(() => receiver.on('/down').length > n);
    expect(receiver.on('/down').at(-1)!.status).toBe(200);
  });

  it('filters the delivery log by state and event type, page by page', async () => {
    const endpoint = await createEndpoint('/log', ['session.created']);
    receiver.respond('/log', 200, 500, 200);
    const tests = [];
    for (let i = 0; i < 3; i++) tests.push(await settled(endpoint.id, (await sendTest(endpoint.id)).id));
    const session = await book(12);
    await receiver.waitFor(() =>
      receiver.on('/log').some((r) => (JSON.parse(r.body) as Delivered).data.sessionId === session.id),
    );
    await eventually(
      () => deliveriesOf(endpoint.id, '?eventType=session.created'),
      (body) => body.data[0]?.state === 'delivered',
    );

    const failed = await deliveriesOf(endpoint.id, '?state=failed');
    expect(failed.data.map((d) => [d.id, d.eventType, d.state])).toEqual([[tests[1].id, 'webhook.test', 'failed']]);
    const sessions = await deliveriesOf(endpoint.id, '?eventType=session.created');
    expect(sessions.data.map((d) => d.eventType)).toEqual(['session.created']);
    const deliveredTests = await deliveriesOf(endpoint.id, '?eventType=webhook.test&state=delivered');
    expect(deliveredTests.data.map((d) => d.id)).toEqual([tests[2].id, tests[0].id]);

    // Page by page with the filter kept: newest first, each once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await deliveriesOf(
        endpoint.id,
        `?eventType=webhook.test&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([tests[2].id, tests[1].id, tests[0].id]);

    for (const bad of ['?state=lost', '?eventType=session.exploded'])
      await t.http().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries${bad}`).auth(admin(), auth).expect(400);
  });

  it('lists every event type in the catalogue with its data schema, as the document describes it', async () => {
    const catalogue = (await t.http().get('/v1/webhook-events').auth(admin(), auth).expect(200)).body.data as Array<{
      type: string;
      subscribable: boolean;
      dataSchema: string;
      dataSchemaRef: string;
    }>;
    expect(catalogue.map((e) => e.type).sort()).toEqual([...DOMAIN_EVENT_TYPES, 'webhook.test'].sort());
    expect(catalogue.filter((e) => !e.subscribable).map((e) => e.type)).toEqual(['webhook.test']);
    const document = (await t.http().get('/docs-json').expect(200)).body;
    for (const entry of catalogue) {
      expect(entry.dataSchemaRef).toBe(`/docs-json#/components/schemas/${entry.dataSchema}`);
      expect(document.components.schemas[entry.dataSchema].properties).toBeDefined();
    }
    expect(document.components.schemas.WebhookEventBody.properties.type.enum.sort()).toEqual(
      catalogue.map((e) => e.type).sort(),
    );
  });

  it('purges deliveries past the retention period, keeping recent ones', async () => {
    const endpoint = await createEndpoint('/retention', ['reminder.sent']);
    const old = await settled(endpoint.id, (await sendTest(endpoint.id)).id);
    const recent = await settled(endpoint.id, (await sendTest(endpoint.id)).id);
    const db = t.app.get(TenantDatabase);
    // As if the first had finished 31 days ago (the default retention is 30 days).
    await db.withClinic(clinic.clinicId, (tx) =>
      tx.query(
        `UPDATE webhook_delivery SET updated_at = now() - interval '31 days', created_at = now() - interval '31 days' WHERE clinic_id = $1 AND id = $2`,
        [clinic.clinicId, old.id],
      ),
    );
    await db.withClinic(clinic.clinicId, (tx) =>
      tx.query(`UPDATE webhook_event SET occurred_at = now() - interval '31 days' WHERE clinic_id = $1 AND id = $2`, [
        clinic.clinicId,
        old.eventId,
      ]),
    );
    // The clinic's pass of the hourly retention.purge job, run by the worker now rather than within the hour.
    await worker
      .get(JobProducer)
      .add({ name: JobName.ExpiredRowsPurge, data: { clinicId: clinic.clinicId } }, { jobId: `purge-test.${newId()}` });
    const after = await eventually(
      () => deliveriesOf(endpoint.id),
      (body) => !body.data.some((d) => d.id === old.id),
    );
    expect(after.data.map((d) => d.id)).toEqual([recent.id]);
    const left = await db.withClinic(clinic.clinicId, (tx) =>
      tx.query(
        `SELECT (SELECT count(*)::int FROM webhook_event WHERE id = $1) AS events, (SELECT count(*)::int FROM webhook_delivery_attempt WHERE delivery_id = $2) AS attempts`,
        [old.eventId, old.id],
      ),
    );
    expect(left).toEqual([{ events: 0, attempts: 0 }]);
  });

  it('forgets the deliveries about a couple when the couple is erased', async () => {
    const erased = await newCouple(t, therapist);
    const kept = await book(13);
    const session = (
      await t
        .http()
        .post(`/v1/couples/${erased.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({
          startsAt: DateTime.utc().plus({ days: 14 }).toISO(),
          endsAt: DateTime.utc().plus({ days: 14, hours: 1 }).toISO(),
        })
        .expect(201)
    ).body as { id: string };
    // A therapist's reminder about the couple's session names neither the couple nor a partner.
    await t.app.get(TenantDatabase).withClinic(clinic.clinicId, (tx) =>
      announceEvent(tx, clinic.clinicId, 'reminder.sent', {
        notificationId: newId(),
        recipientId: therapist.id,
        sessionId: session.id,
      }),
    );
    await receiver.waitFor(
      () =>
        [session.id, kept.id].every((id) => bodiesOn('/all').some((r) => r.json.data.sessionId === id)) &&
        bodiesOn('/all').some((r) => r.json.type === 'reminder.sent' && r.json.data.sessionId === session.id),
    );
    const eventIdOf = (sessionId: string) =>
      bodiesOn('/all').find((r) => r.json.type === 'session.created' && r.json.data.sessionId === sessionId)!.headers[
        'webhook-id'
      ] as string;
    const allId = (
      (await t.http().get('/v1/webhook-endpoints?limit=200').auth(admin(), auth).expect(200)).body.data as Array<{
        id: string;
        url: string;
      }>
    ).find((e) => e.url === receiver.url('/all'))!.id;
    const logged = async () =>
      (await deliveriesOf(allId, '?eventType=session.created&limit=200')).data.map((d) => d.eventId);
    await eventually(logged, (ids) => ids.includes(eventIdOf(session.id)));

    const reminderId = bodiesOn('/all').find(
      (r) => r.json.type === 'reminder.sent' && r.json.data.sessionId === session.id,
    )!.headers['webhook-id'] as string;
    await eventually(
      async () => (await deliveriesOf(allId, '?eventType=reminder.sent&limit=200')).data.map((d) => d.eventId),
      (ids) => ids.includes(reminderId),
    );

    await t.http().delete(`/v1/couples/${erased.coupleId}`).auth(admin(), auth).expect(204);
    const after = await logged();
    expect(after).not.toContain(eventIdOf(session.id));
    expect(after).toContain(eventIdOf(kept.id));
    expect((await deliveriesOf(allId, '?eventType=reminder.sent&limit=200')).data.map((d) => d.eventId)).not.toContain(
      reminderId,
    );
  });
});
