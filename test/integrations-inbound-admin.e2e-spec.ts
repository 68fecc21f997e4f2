/**
 * Running a scheduling-tool integration: the events it sent with their outcome and a plain reason,
 * reprocessing one, rotating its signing secret, sessions that change only through it,
 * per-invitee cancellation and no-shows as Cal.com and Calendly mean them, and the retention purge.
 * Real API, real worker, real PostgreSQL and Redis.
 */
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';

import { ExpiredRowsPurge } from '@mend/check-in-page';
import { TenantDatabase } from '@mend/database';
import {
  newApiKey,
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
  calendlyEvent,
  calendlyUuid,
  connectSchedulingTools,
  rawOf,
  slot,
  uid,
  type ConnectedTool,
  type SchedulingTools,
} from './support/scheduling-tools.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

interface EventItem {
  id: string;
  eventType: string;
  outcome: string;
  reasonCode: string | null;
  reason: string;
  sessionId: string | null;
  attendees: string[];
  redeliveries: number;
  reprocessCount: number;
  reprocessedAt: string | null;
}

interface SessionWithAttendance {
  id: string;
  status: string;
  source: string;
  externalId: string | null;
  startsAt: string;
  attendance: Array<{ partnerId: string; status: string }>;
}

describe('running a scheduling-tool integration', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let emails: string[];
  let tools: SchedulingTools;
  let calcom: ConnectedTool;
  let calendly: ConnectedTool;

  const events = async (integrationId: string, query = ''): Promise<EventItem[]> =>
    (
      await t
        .http()
        .get(`/v1/inbound-events?integrationId=${integrationId}&limit=100${query}`)
        .auth(clinic.admin.accessToken, auth)
        .expect(200)
    ).body.data;
  const sessionsOf = async (c: CoupleContext): Promise<SessionWithAttendance[]> =>
    (await t.http().get(`/v1/couples/${c.coupleId}/sessions?limit=200`).auth(therapist.accessToken, auth).expect(200))
      .body.data;
  const sessionOf = async (c: CoupleContext, source: string, externalId: string) =>
    (await sessionsOf(c)).find((s) => s.source === source && s.externalId === externalId);

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOX_RELAY_INTERVAL_MS: '50' } });
    worker = await createWorkerApp(t.config);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist);
    emails = couple.partners.map((p) => p.email);
    tools = await connectSchedulingTools(t, clinic);
    ({ calcom, calendly } = tools);
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  it('lists what the tool sent with an outcome and a plain reason, attendee emails masked, filterable and paginated', async () => {
    const booking = { uid: uid(), ...slot(3, 15), attendees: emails };
    const raw = rawOf(calcomEvent('BOOKING_CREATED', booking));
    const created = await tools.post(calcom.path, raw, { 'x-cal-signature-256': calcomSignature(raw) }).expect(200);
    expect(created.body.duplicate).toBe(false);
    // The tool retries the same delivery: counted on the event, applied once.
    const retried = await tools.post(calcom.path, raw, { 'x-cal-signature-256': calcomSignature(raw) }).expect(200);
    expect(retried.body.duplicate).toBe(true);
    await tools.settled();
    // The same booking again in a new delivery (a different body): nothing left to change.
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', booking));
    await tools.sendCalcom({ triggerEvent: 'PING', createdAt: DateTime.utc().toISO(), payload: {} });
    await tools.sendCalcom(
      calcomEvent('BOOKING_CREATED', { uid: uid(), ...slot(4, 15), attendees: ['stranger@elsewhere.example'] }),
    );
    await tools.settled();

    const all = await events(calcom.id);
    const byType = all.map((e) => [e.eventType, e.outcome, e.reason]);
    expect(byType).toEqual([
      ['BOOKING_CREATED', 'unmatched', 'no couple matches the attendees'],
      ['PING', 'ignored', 'ignored: Mend does not act on this event type'],
      ['BOOKING_CREATED', 'duplicate', 'duplicate: the session already was as this event says'],
      ['BOOKING_CREATED', 'applied', 'applied: session created'],
    ]);
    const applied = all[3];
    const session = await sessionOf(couple, 'calcom', booking.uid);
    expect(applied.sessionId).toBe(session!.id);
    expect(applied.redeliveries).toBe(1);
    // Attendee emails are shown masked, never in full.
    expect(applied.attendees).toEqual(emails.map((e) => `${e[0]}***@couples.example`));
    expect(all[0].attendees).toEqual(['s***@elsewhere.example']);
    expect(JSON.stringify(all)).not.toContain(emails[0]);

    expect((await events(calcom.id, '&outcome=unmatched')).map((e) => e.id)).toEqual([all[0].id]);
    expect((await events(calcom.id, '&outcome=applied')).map((e) => e.id)).toEqual([applied.id]);
    await t
      .http()
      .get(`/v1/inbound-events?integrationId=${calcom.id}&outcome=lost`)
      .auth(clinic.admin.accessToken, auth)
      .expect(400);
    const first = await t
      .http()
      .get(`/v1/inbound-events?integrationId=${calcom.id}&limit=3`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    const rest = await t
      .http()
      .get(`/v1/inbound-events?integrationId=${calcom.id}&limit=3&cursor=${first.body.nextCursor}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect([...first.body.data, ...rest.body.data].map((e: EventItem) => e.id)).toEqual(all.map((e) => e.id));
    expect(rest.body.nextCursor).toBeNull();
    // Therapists do not run integrations.
    await t.http().get(`/v1/inbound-events?integrationId=${calcom.id}`).auth(therapist.accessToken, auth).expect(403);
  });

  it('reprocesses an unmatched booking once the couple exists, and records the new outcome', async () => {
    const suffix = randomBytes(3).toString('hex');
    const newcomers = [`riley-${suffix}@couples.example`, `sam-${suffix}@couples.example`];
    const booking = { uid: uid(), ...slot(5, 16), attendees: newcomers };
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', booking));
    await tools.settled();
    const [unmatched] = await events(calcom.id, '&outcome=unmatched');
    expect(unmatched).toMatchObject({ outcome: 'unmatched', reason: 'no couple matches the attendees' });

    const created = await t
      .http()
      .post('/v1/couples')
      .auth(therapist.accessToken, auth)
      .send({
        label: `Couple ${suffix}`,
        partners: newcomers.map((email, i) => ({ name: `Partner ${i}`, email, timezone: 'Europe/Berlin' })),
      })
      .expect(201);
    const reprocessed = await t
      .http()
      .post(`/v1/inbound-events/${unmatched.id}/reprocess`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(reprocessed.body).toMatchObject({
      id: unmatched.id,
      outcome: 'applied',
      reason: 'applied: session created',
      reprocessCount: 1,
    });
    expect(reprocessed.body.reprocessedAt).not.toBeNull();
    const sessions = await t
      .http()
      .get(`/v1/couples/${created.body.id}/sessions`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    expect(sessions.body.data).toEqual([
      expect.objectContaining({ id: reprocessed.body.sessionId, source: 'calcom', externalId: booking.uid }),
    ]);
    // Reprocessing again changes nothing more: a duplicate, still one session.
    const again = await t
      .http()
      .post(`/v1/inbound-events/${unmatched.id}/reprocess`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(again.body).toMatchObject({ outcome: 'duplicate', reprocessCount: 2 });
    // Another clinic's event is not found (its admin sees only their own).
    const other = await newClinic(t);
    await t.http().post(`/v1/inbound-events/${unmatched.id}/reprocess`).auth(other.admin.accessToken, auth).expect(404);
    await t.http().get(`/v1/inbound-events?integrationId=${calcom.id}`).auth(other.admin.accessToken, auth).expect(404);
    const audit = await t.http().get('/v1/audit-events').auth(clinic.admin.accessToken, auth).expect(200);
    expect(
      (audit.body.data as Array<{ action: string; resourceId: string }>).filter(
        (a) => a.action === 'integration_event.reprocess' && a.resourceId === unmatched.id,
      ),
    ).toHaveLength(2);
  });

  it('rotates the signing secret: the new one is shown once, the previous one keeps working during the overlap, the one before is dropped', async () => {
    const booking = () => calcomEvent('BOOKING_CREATED', { uid: uid(), ...slot(6, 9), attendees: emails });
    const rotated = await t
      .http()
      .post(`/v1/integrations/${calcom.id}/signing-secret/rotate`)
      .auth(clinic.admin.accessToken, auth)
      .send({})
      .expect(200);
    const secret2: string = rotated.body.signingSecret;
    expect(secret2).toMatch(/^mend_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(rotated.body.previousSecretValidUntil)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // Both secrets verify during the overlap (Cal.com sends one signature: whichever it has).
    await tools.sendCalcom(booking(), secret2);
    await tools.sendCalcom(booking(), CALCOM_SECRET);
    const list = await t.http().get('/v1/integrations').auth(clinic.admin.accessToken, auth).expect(200);
    const listed = list.body.data.find((i: { id: string }) => i.id === calcom.id);
    expect(listed.secretRotatedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(secret2);

    // A second rotation (a secret the admin chose): the first secret is no longer accepted.
    await t
      .http()
      .post(`/v1/integrations/${calcom.id}/signing-secret/rotate`)
      .auth(clinic.admin.accessToken, auth)
      .send({ signingSecret: 'typed-into-cal-com-9876' })
      .expect(200);
    const raw = rawOf(booking());
    expect(
      (await tools.post(calcom.path, raw, { 'x-cal-signature-256': calcomSignature(raw, CALCOM_SECRET) })).status,
    ).toBe(401);
    await tools.sendCalcom(booking(), secret2);
    await tools.sendCalcom(booking(), 'typed-into-cal-com-9876');
    await t
      .http()
      .post(`/v1/integrations/${calcom.id}/signing-secret/rotate`)
      .auth(clinic.admin.accessToken, auth)
      .send({ signingSecret: 'short' })
      .expect(400);
    await t
      .http()
      .post(`/v1/integrations/${calcom.id}/signing-secret/rotate`)
      .auth(therapist.accessToken, auth)
      .send({})
      .expect(403);
    await tools.settled();
  });

  it('refuses to move or cancel an integration’s session from outside it (staff PATCH: 409 naming the integration; PUT with its source: 400)', async () => {
    const booking = { uid: uid(), ...slot(7, 15), attendees: emails };
    const secret = 'typed-into-cal-com-9876';
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', booking), secret);
    await tools.settled();
    const session = (await sessionOf(couple, 'calcom', booking.uid))!;

    for (const change of [
      { startsAt: DateTime.fromISO(booking.start).plus({ hours: 1 }).toISO() },
      { status: 'cancelled' },
    ]) {
      for (const token of [therapist.accessToken, clinic.admin.accessToken]) {
        const refused = await t.http().patch(`/v1/sessions/${session.id}`).auth(token, auth).send(change).expect(409);
        expect(refused.headers['content-type']).toMatch(/problem\+json/);
        expect(refused.body.detail).toContain('Cal.com');
        expect(refused.body.detail).toContain(calcom.id);
        expect(refused.body.detail).toContain('Front desk calcom');
      }
    }
    // What the tool does not know stays open: the therapist's notes.
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(therapist.accessToken, auth)
      .send({ notes: 'Prepared the repair plan.' })
      .expect(200);

    // An API key with sessions:write cannot move it by its booking id either.
    const { key } = await newApiKey(t, clinic, ['sessions:write']);
    for (const source of ['calcom', 'calendly']) {
      const refused = await t
        .http()
        .put(`/v1/sessions/external/${source}/${booking.uid}`)
        .auth(key, auth)
        .send({
          coupleId: couple.coupleId,
          startsAt: DateTime.utc().plus({ days: 20 }).toISO(),
          endsAt: DateTime.utc().plus({ days: 20, hours: 1 }).toISO(),
          status: 'cancelled',
        })
        .expect(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'source' })]);
    }
    expect(await sessionOf(couple, 'calcom', booking.uid)).toMatchObject({
      status: 'scheduled',
      startsAt: booking.start,
    });
  });

  it('Calendly: one invitee cancelling keeps the session while the event is on; it is cancelled when the event is', async () => {
    const eventUuid = calendlyUuid();
    const [first, second] = [calendlyUuid(), calendlyUuid()];
    const times = slot(9, 15);
    // A group event: each partner booked their own place (two invitees of one scheduled event).
    const invitee = (email: string, inviteeUuid: string) => ({ eventUuid, inviteeUuid, ...times, email, guests: [] });
    await tools.sendCalendly(calendlyEvent('invitee.created', { ...invitee(emails[0], first), activeInvitees: 1 }));
    await tools.settled();
    await tools.sendCalendly(calendlyEvent('invitee.created', { ...invitee(emails[1], second), activeInvitees: 2 }));
    await tools.settled();
    let session = (await sessionOf(couple, 'calendly', eventUuid))!;
    expect(session).toMatchObject({ status: 'scheduled', attendance: [] });

    // Partner 1 cancels their place; the scheduled event is still active for partner 2.
    await tools.sendCalendly(
      calendlyEvent('invitee.canceled', { ...invitee(emails[0], first), eventStatus: 'active', activeInvitees: 1 }),
    );
    await tools.settled();
    session = (await sessionOf(couple, 'calendly', eventUuid))!;
    expect(session).toMatchObject({
      status: 'scheduled',
      attendance: [{ partnerId: couple.partners[0].id, status: 'cancelled' }],
    });
    const [latest] = await events(calendly.id);
    expect(latest.reason).toBe('applied: a partner cancelled their place; the session stays on while the event does');

    // The last invitee cancels: the event is off, and so is the session.
    await tools.sendCalendly(
      calendlyEvent('invitee.canceled', { ...invitee(emails[1], second), eventStatus: 'canceled' }),
    );
    await tools.settled();
    expect(await sessionOf(couple, 'calendly', eventUuid)).toMatchObject({ status: 'cancelled' });
  });

  it('no-shows: Calendly marks one partner, Cal.com marks both (the session becomes no_show), and taking it back restores it', async () => {
    const eventUuid = calendlyUuid();
    const inviteeUuid = calendlyUuid();
    const past = {
      start: DateTime.utc().minus({ hours: 3 }).toISO()!,
      end: DateTime.utc().minus({ hours: 2 }).toISO()!,
    };
    const calendlyBooking = { eventUuid, inviteeUuid, ...past, email: emails[0], guests: [emails[1]] };
    await tools.sendCalendly(calendlyEvent('invitee.created', calendlyBooking));
    await tools.settled();
    await tools.sendCalendly(calendlyEvent('invitee_no_show.created', calendlyBooking));
    await tools.settled();
    let session = (await sessionOf(couple, 'calendly', eventUuid))!;
    expect(session).toMatchObject({
      status: 'scheduled',
      attendance: [{ partnerId: couple.partners[0].id, status: 'no_show' }],
    });
    await tools.sendCalendly(calendlyEvent('invitee_no_show.deleted', calendlyBooking));
    await tools.settled();
    session = (await sessionOf(couple, 'calendly', eventUuid))!;
    expect(session.attendance).toEqual([]);

    const booking = { uid: uid(), ...past, attendees: emails };
    await tools.sendCalcom(calcomEvent('BOOKING_CREATED', booking), 'typed-into-cal-com-9876');
    await tools.settled();
    const noShow = (marks: boolean[]) => ({
      triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
      createdAt: DateTime.utc().toISO(),
      payload: {
        message: 'no_show_updated',
        bookingUid: booking.uid,
        bookingId: 4242,
        attendees: emails.map((email, i) => ({ email, noShow: marks[i] })),
      },
    });
    await tools.sendCalcom(noShow([true, true]), 'typed-into-cal-com-9876');
    await tools.settled();
    const sorted = [...couple.partners].sort((a, b) => a.id.localeCompare(b.id));
    expect(await sessionOf(couple, 'calcom', booking.uid)).toMatchObject({
      status: 'no_show',
      attendance: sorted.map((p) => ({ partnerId: p.id, status: 'no_show' })),
    });
    const [latest] = await events(calcom.id);
    expect(latest).toMatchObject({
      eventType: 'BOOKING_NO_SHOW_UPDATED',
      outcome: 'applied',
      reason: 'applied: every partner was a no-show; session marked no-show',
    });
    // The host takes it back for both: the session is scheduled again, nobody absent.
    await tools.sendCalcom(noShow([false, false]), 'typed-into-cal-com-9876');
    await tools.settled();
    expect(await sessionOf(couple, 'calcom', booking.uid)).toMatchObject({ status: 'scheduled', attendance: [] });
  });

  it('purges events after the retention period (30 days by default) and keeps younger ones', async () => {
    const purge = worker.get(ExpiredRowsPurge);
    const count = async () =>
      (
        await t.app
          .get(TenantDatabase)
          .withClinic(clinic.clinicId, (tx) => tx.query(`SELECT count(*)::int AS n FROM integration_event`))
      )[0].n as number;
    await tools.sendCalcom(
      { triggerEvent: 'PING', createdAt: DateTime.utc().toISO(), payload: {} },
      'typed-into-cal-com-9876',
    );
    await tools.sendCalendly({
      event: 'routing_form_submission.created',
      created_at: DateTime.utc().toISO(),
      payload: {},
    });
    await tools.settled();
    const before = await count();
    expect(before).toBeGreaterThanOrEqual(2);
    // The hourly retention.purge job's pass for the clinic, a day before and a day after the 30 days.
    expect((await purge.purgeClinic(clinic.clinicId, DateTime.utc().plus({ days: 29 }).toJSDate())).inboundEvents).toBe(
      0,
    );
    expect(await count()).toBe(before);
    expect((await purge.purgeClinic(clinic.clinicId, DateTime.utc().plus({ days: 31 }).toJSDate())).inboundEvents).toBe(
      before,
    );
    // (Checked in the table: that pass also ended the admin's sign-in, which is 30 days old by then.)
    expect(await count()).toBe(0);
  });
});
