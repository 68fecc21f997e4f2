/**
 * Scheduling tools in: Cal.com and Calendly webhooks, shaped like the providers' real payloads and
 * signed like them, through the real API (raw-body signature check) and the real worker.
 */
import 'reflect-metadata';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';

import { TenantDatabase } from '@mend/database';
import {
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import {
  CALCOM_SECRET,
  calcomEvent,
  calcomSignature,
  CALENDLY_SECRET,
  calendlyEvent,
  calendlySignature,
  calendlyUuid,
  connectSchedulingTools,
  rawOf,
  slot,
  uid,
  wallSeconds,
  type SchedulingTools,
  type SessionItem,
} from './support/scheduling-tools.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

describe('scheduling tools in', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let tools: SchedulingTools;
  let emails: string[];

  const sessions = async (): Promise<SessionItem[]> =>
    (
      await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/sessions?limit=200`)
        .auth(therapist.accessToken, auth)
        .expect(200)
    ).body.data;
  const sessionWith = async (source: string, externalId: string) =>
    (await sessions()).filter((s) => s.source === source && s.externalId === externalId);
  /** The session's reminders (libs/reminders plans them whenever a session changes). */
  const remindersOf = async (
    sessionId: string,
  ): Promise<Array<{ state: string; skip_reason: string | null; send_at: Date }>> =>
    t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(
          `SELECT state, skip_reason, send_at FROM notification WHERE session_id = $1 AND kind = 'session_reminder'`,
          [sessionId],
        ),
      );
  const expectPlannedBefore = (reminders: Array<{ state: string; send_at: Date }>, startsAt: string) => {
    expect(reminders.length).toBeGreaterThan(0);
    for (const r of reminders) {
      expect(['scheduled', 'deferred']).toContain(r.state);
      expect(r.send_at.getTime()).toBeLessThan(Date.parse(startsAt));
    }
  };
  const expectDropped = (reminders: Array<{ state: string; skip_reason: string | null }>) => {
    expect(reminders.length).toBeGreaterThan(0);
    expect(reminders.every((r) => r.state === 'skipped' && r.skip_reason === 'cancelled')).toBe(true);
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOX_RELAY_INTERVAL_MS: '50' } });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    emails = couple.partners.map((p) => p.email);
    tools = await connectSchedulingTools(t, clinic);
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  it('gives admins a webhook URL per integration and never shows the secret again', async () => {
    expect(tools.calcom.path).toMatch(/^\/v1\/integrations\/hooks\/whk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const list = await t.http().get('/v1/integrations').auth(clinic.admin.accessToken, auth).expect(200);
    expect(list.body.data.map((i: { provider: string; status: string }) => [i.provider, i.status])).toEqual([
      ['calcom', 'active'],
      ['calendly', 'active'],
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/signing|whk_|calcom-signing/);
    await t
      .http()
      .post('/v1/integrations')
      .auth(therapist.accessToken, auth)
      .send({ provider: 'calcom', signingSecret: CALCOM_SECRET })
      .expect(403);
    await t
      .http()
      .post('/v1/integrations')
      .auth(clinic.admin.accessToken, auth)
      .send({ provider: 'zoom', signingSecret: CALCOM_SECRET })
      .expect(400);
  });

  it('checks Cal.com signatures on the raw body: valid, one byte changed, wrong secret, missing header, replay', async () => {
    const booking = { uid: uid(), ...slot(3, 15), attendees: emails };
    const raw = rawOf(calcomEvent('BOOKING_CREATED', booking));
    const signature = calcomSignature(raw);

    const changed = raw.replace('"length": 50', '"length": 51');
    expect(changed).not.toBe(raw);
    expect((await tools.postCalcom(changed, { 'x-cal-signature-256': signature })).status).toBe(401);
    expect(
      (
        await tools.postCalcom(raw, {
          'x-cal-signature-256': calcomSignature(raw, 'another-secret-entirely'),
        })
      ).status,
    ).toBe(401);
    const missing = await tools.postCalcom(raw, {});
    expect(missing.status).toBe(401);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    expect((await tools.postCalcom(raw, { 'x-cal-signature-256': 'not-hex' })).status).toBe(401);

    const first = await tools.postCalcom(raw, { 'x-cal-signature-256': signature }).expect(200);
    expect(first.body).toEqual({ received: true, duplicate: false });
    const replay = await tools.postCalcom(raw, { 'x-cal-signature-256': signature }).expect(200);
    expect(replay.body).toEqual({ received: true, duplicate: true });
    await tools.settled();
    const made = await sessionWith('calcom', booking.uid);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ status: 'scheduled', startsAt: booking.start, endsAt: booking.end });
    const stored: Array<{ n: number }> = await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) => tx.query(`SELECT count(*)::int AS n FROM integration_event`));
    expect(stored[0].n).toBe(1);
  });

  it('checks Calendly signatures: valid, one byte changed, wrong secret, missing header, stale or future timestamp, replay', async () => {
    const booking = {
      eventUuid: calendlyUuid(),
      inviteeUuid: calendlyUuid(),
      ...slot(4, 16),
      email: emails[0],
      guests: [emails[1]],
    };
    const raw = rawOf(calendlyEvent('invitee.created', booking));
    const now = Math.floor(Date.now() / 1000);

    expect(
      (
        await tools.postCalendly(raw.replace('"active"', '"activf"'), {
          'calendly-webhook-signature': calendlySignature(raw),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await tools.postCalendly(raw, {
          'calendly-webhook-signature': calendlySignature(raw, now, 'not-the-signing-key'),
        })
      ).status,
    ).toBe(401);
    expect((await tools.postCalendly(raw, {})).status).toBe(401);
    expect(
      (
        await tools.postCalendly(raw, {
          'calendly-webhook-signature': `v1=${calcomSignature(raw, CALENDLY_SECRET)}`,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await tools.postCalendly(raw, {
          'calendly-webhook-signature': calendlySignature(raw, wallSeconds() - 301),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await tools.postCalendly(raw, {
          'calendly-webhook-signature': calendlySignature(raw, wallSeconds() + 360),
        })
      ).status,
    ).toBe(401);

    const first = await tools
      .post(tools.calendly.path, raw, {
        'calendly-webhook-signature': calendlySignature(raw, wallSeconds() - 240),
      })
      .expect(200);
    expect(first.body.duplicate).toBe(false);
    // Calendly retries with a fresh timestamp: still the same event, applied once.
    const again = await tools
      .post(tools.calendly.path, raw, { 'calendly-webhook-signature': calendlySignature(raw, now + 1) })
      .expect(200);
    expect(again.body.duplicate).toBe(true);
    await tools.settled();
    expect(await sessionWith('calendly', booking.eventUuid)).toHaveLength(1);
  });

  it("answers 404 for an unknown or revoked webhook URL, and 400 for a signed body that is not the provider's JSON", async () => {
    const raw = rawOf(calcomEvent('BOOKING_CREATED', { uid: uid(), ...slot(5, 15), attendees: emails }));
    await t
      .http()
      .post('/v1/integrations/hooks/whk_00000000000000000000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
      .set('content-type', 'application/json')
      .send(raw)
      .expect(404);
    await t
      .http()
      .post('/v1/integrations/hooks/nonsense')
      .set('content-type', 'application/json')
      .send(raw)
      .expect(404);
    const notJson = '{"triggerEvent": ';
    expect((await tools.postCalcom(notJson, { 'x-cal-signature-256': calcomSignature(notJson) })).status).toBe(400);
    const noTrigger = rawOf({ hello: 'world' });
    expect((await tools.postCalcom(noTrigger, { 'x-cal-signature-256': calcomSignature(noTrigger) })).status).toBe(400);

    const spare = await t
      .http()
      .post('/v1/integrations')
      .auth(clinic.admin.accessToken, auth)
      .send({ provider: 'calcom', signingSecret: CALCOM_SECRET })
      .expect(201);
    const sparePath = new URL(spare.body.webhookUrl).pathname;
    await t
      .http()
      .post(sparePath)
      .set('content-type', 'application/json')
      .set('x-cal-signature-256', calcomSignature(raw))
      .send(raw)
      .expect(200);
    await t.http().delete(`/v1/integrations/${spare.body.id}`).auth(clinic.admin.accessToken, auth).expect(204);
    await t
      .http()
      .post(sparePath)
      .set('content-type', 'application/json')
      .set('x-cal-signature-256', calcomSignature(raw))
      .send(raw)
      .expect(404);
    await tools.settled();
  });

  it('Cal.com: booking → reschedule → cancel ends in one cancelled session at the new time, its reminders moved and then dropped', async () => {
    const original = { uid: uid(), ...slot(6, 14), attendees: [...emails, 'rivera@clinic.example'] };
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', original));
    await tools.settled();
    const [created] = await sessionWith('calcom', original.uid);
    expect(created).toMatchObject({ status: 'scheduled', startsAt: original.start });
    const planned = await remindersOf(created.id);
    expectPlannedBefore(planned, original.start);

    const moved = { uid: uid(), ...slot(8, 17), attendees: emails, rescheduleUid: original.uid };
    await tools.sendCalcom(calcomEvent('BOOKING_RESCHEDULED', moved));
    await tools.settled();
    let mine = (await sessions()).filter((s) => s.id === created.id);
    expect(mine).toEqual([
      expect.objectContaining({
        id: created.id,
        status: 'scheduled',
        startsAt: moved.start,
        endsAt: moved.end,
        externalId: original.uid,
      }),
    ]);
    const movedReminders = await remindersOf(created.id);
    expectPlannedBefore(movedReminders, moved.start);
    expect(movedReminders).toHaveLength(planned.length);
    expect(Math.min(...movedReminders.map((r) => r.send_at.getTime()))).toBeGreaterThan(
      Math.max(...planned.map((r) => r.send_at.getTime())),
    );

    await tools.sendCalcom(calcomEvent('BOOKING_CANCELLED', { ...moved, status: 'CANCELLED' }));
    await tools.settled();
    mine = (await sessions()).filter((s) => s.id === created.id);
    expect(mine).toEqual([expect.objectContaining({ status: 'cancelled', startsAt: moved.start })]);
    expectDropped(await remindersOf(created.id));
    // No second session was made along the way.
    expect(
      (await sessions()).filter((s) => s.source === 'calcom' && [original.uid, moved.uid].includes(s.externalId!)),
    ).toHaveLength(1);
  });

  it('Cal.com: a reschedule sent as BOOKING_REQUESTED with rescheduleUid moves the session; MEETING_ENDED completes it', async () => {
    const original = {
      uid: uid(),
      start: DateTime.utc().minus({ hours: 5 }).toISO()!,
      end: DateTime.utc().minus({ hours: 4 }).toISO()!,
      attendees: [emails[1]],
    };
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', original));
    // Cal.com sends the booking well before any reschedule; let the worker apply it first.
    await tools.settled();
    const moved = {
      uid: uid(),
      start: DateTime.utc().minus({ hours: 2 }).toISO()!,
      end: DateTime.utc().minus({ hours: 1 }).toISO()!,
      attendees: [emails[1]],
      rescheduleUid: original.uid,
    };
    await tools.sendCalcom(calcomEvent('BOOKING_REQUESTED', { ...moved, status: 'PENDING' }));
    // A plain request (no reschedule) is not a session yet: stored and ignored.
    await tools.sendCalcom(
      calcomEvent('BOOKING_REQUESTED', { uid: uid(), ...slot(9, 15), attendees: emails, status: 'PENDING' }),
    );
    // The meeting ends after the reschedule was applied (events apply in the order the worker takes them).
    await tools.settled();
    await tools.sendCalcom(calcomEvent('MEETING_ENDED', moved));
    await tools.settled();
    const mine = await sessionWith('calcom', original.uid);
    expect(mine).toEqual([
      expect.objectContaining({ status: 'completed', startsAt: new Date(moved.start).toISOString() }),
    ]);
  });

  it('Calendly: canceled(rescheduled) and the new invitee.created, in either order, move the session and its reminders; a plain cancel cancels it and drops them', async () => {
    for (const order of ['cancel-first', 'create-first'] as const) {
      const first = {
        eventUuid: calendlyUuid(),
        inviteeUuid: calendlyUuid(),
        ...slot(10, 15),
        email: emails[0],
        guests: [emails[1]],
      };
      await tools.sendCalendly(calendlyEvent('invitee.created', first));
      await tools.settled();
      const [session] = await sessionWith('calendly', first.eventUuid);
      expect(session).toMatchObject({ status: 'scheduled', startsAt: first.start });
      const planned = await remindersOf(session.id);
      expectPlannedBefore(planned, first.start);

      const next = {
        eventUuid: calendlyUuid(),
        inviteeUuid: calendlyUuid(),
        ...slot(12, 18),
        email: emails[0],
        guests: [emails[1]],
        oldInvitee: first.inviteeUuid,
      };
      const cancel = calendlyEvent('invitee.canceled', { ...first, rescheduled: true, newInvitee: next.inviteeUuid });
      const create = calendlyEvent('invitee.created', next);
      for (const body of order === 'cancel-first' ? [cancel, create] : [create, cancel]) {
        await tools.sendCalendly(body);
        await tools.settled();
      }
      const afterMove = (await sessions()).filter((s) => s.id === session.id);
      expect({ order, sessions: afterMove }).toEqual({
        order,
        sessions: [expect.objectContaining({ status: 'scheduled', startsAt: next.start, endsAt: next.end })],
      });
      expect(await sessionWith('calendly', next.eventUuid)).toEqual([]);
      const movedReminders = await remindersOf(session.id);
      expectPlannedBefore(movedReminders, next.start);
      expect(Math.min(...movedReminders.map((r) => r.send_at.getTime()))).toBeGreaterThan(
        Math.max(...planned.map((r) => r.send_at.getTime())),
      );

      await tools.sendCalendly(calendlyEvent('invitee.canceled', { ...next, rescheduled: false }));
      await tools.settled();
      expect((await sessions()).filter((s) => s.id === session.id)).toEqual([
        expect.objectContaining({ status: 'cancelled', startsAt: next.start }),
      ]);
      expectDropped(await remindersOf(session.id));
    }
  });

  it('stores events it does not act on, and bookings whose attendees match no couple, without making sessions', async () => {
    const before = (await sessions()).length;
    await tools.sendCalcom({ triggerEvent: 'PING', createdAt: new Date().toISOString(), payload: {} });
    await tools.sendCalcom(calcomEvent('BOOKING_PAID', { uid: uid(), ...slot(13, 15), attendees: emails }));
    await tools.sendCalendly({
      event: 'routing_form_submission.created',
      created_at: new Date().toISOString(),
      payload: {},
    });
    const stranger = { uid: uid(), ...slot(13, 16), attendees: ['someone@elsewhere.example'] };
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', stranger));
    // Attendees from two couples are ambiguous: no session either.
    const otherCouple = await newCouple(t, therapist);
    await tools.sendCalcom(
      calcomEvent('BOOKING_CREATED', {
        uid: uid(),
        ...slot(13, 17),
        attendees: [emails[0], otherCouple.partners[0].email],
      }),
    );
    await tools.settled();
    expect((await sessions()).length).toBe(before);
    const states: Array<{ event_type: string; state: string; outcome: string }> = await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) =>
        tx.query(`SELECT event_type, state, outcome FROM integration_event ORDER BY received_at DESC, id DESC LIMIT 5`),
      );
    expect(states.map((s) => [s.event_type, s.state, s.outcome])).toEqual([
      ['BOOKING_CREATED', 'unmatched', 'attendees_match_several_couples'],
      ['BOOKING_CREATED', 'unmatched', 'no_couple_matches_attendees'],
      ['routing_form_submission.created', 'ignored', 'unsupported_event'],
      ['BOOKING_PAID', 'ignored', 'unsupported_event'],
      ['PING', 'ignored', 'unsupported_event'],
    ]);
  });

  it('keeps only booking ids, times and attendee emails of a provider event — never its notes or answers', async () => {
    const stored: Array<{ booking: unknown }> = await t.app
      .get(TenantDatabase)
      .withClinic(clinic.clinicId, (tx) => tx.query(`SELECT booking FROM integration_event`));
    const text = JSON.stringify(stored);
    expect(text).not.toMatch(/hidden|fighting|money|Alex Morgan|Dr\. Rivera|zoom/i);
  });
});
