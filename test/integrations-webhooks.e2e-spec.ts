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
import { DOMAIN_EVENT_TYPES, generateWebhookSecret } from '@mend/integrations';
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

const auth = { type: 'bearer' } as const;

interface Delivered {
  type: string;
  timestamp: string;
  data: Record<string, string | null>;
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

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await createTestApp({
      env: {
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`,
        WEBHOOK_RETRY_BASE_DELAY_MS: '50',
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
    // Backoff: the second retry waited longer than the first.
    expect(calls[2].at - calls[1].at).toBeGreaterThan(calls[1].at - calls[0].at);

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
          `UPDATE occurrence SET due_at = now() - interval '4 days', closes_at = now() - interval '1 day' WHERE clinic_id = $1 AND assignment_id = $2`,
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
});
