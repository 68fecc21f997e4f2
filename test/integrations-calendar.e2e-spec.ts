import { DateTime } from 'luxon';
import ical from 'node-ical';

import {
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

interface ParsedEvent {
  type: string;
  uid: string;
  summary: string;
  start: Date & { tz?: string };
  end: Date & { tz?: string };
  description?: string;
}

/** Parses a feed with node-ical, an implementation independent of the one that wrote it. */
function eventsOf(text: string): ParsedEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter(
    (c) => (c as { type?: string }).type === 'VEVENT',
  ) as unknown as ParsedEvent[];
}

/** Calendar feeds: the therapist's sessions; a partner's couple sessions and homework due times. */
describe('calendar feeds', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let session: { id: string; startsAt: string; endsAt: string };
  let cancelledSessionId: string;
  let pulseTitle: string;

  const feedPath = (url: string) => new URL(url).pathname;
  const fetchFeed = async (url: string) => {
    const res = await t.http().get(feedPath(url)).expect(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    return res.text;
  };
  const newFeed = async (token: string) =>
    (await t.http().post('/v1/calendar-feeds').auth(token, auth).expect(201)).body as { id: string; url: string };

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    // Partner 1 in New York, partner 2 in Berlin.
    couple = await newCouple(t, therapist);
    const exercises = (await t.http().get('/v1/exercises?limit=200').auth(therapist.accessToken, auth).expect(200)).body
      .data as Array<{ id: string; builtinKey: string; title: string }>;
    const pulse = exercises.find((e) => e.builtinKey === 'trust_pulse')!;
    pulseTitle = pulse.title;
    await newAssignment(t, therapist, couple, pulse.id, { instructions: 'PRIVATE-INSTRUCTIONS about the hidden card' });
    session = (
      await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({
          startsAt: DateTime.utc().plus({ days: 2 }).set({ minute: 0, second: 0, millisecond: 0 }).toISO(),
          endsAt: DateTime.utc().plus({ days: 2, hours: 1 }).set({ minute: 0, second: 0, millisecond: 0 }).toISO(),
        })
        .expect(201)
    ).body;
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(therapist.accessToken, auth)
      .send({ notes: 'SESSION-NOTES worked on the repair plan' })
      .expect(200);
    cancelledSessionId = (
      await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({
          startsAt: DateTime.utc().plus({ days: 3 }).toISO(),
          endsAt: DateTime.utc().plus({ days: 3, hours: 1 }).toISO(),
        })
        .expect(201)
    ).body.id;
    await t
      .http()
      .patch(`/v1/sessions/${cancelledSessionId}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'cancelled' })
      .expect(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives a therapist a feed of their sessions in their zone, without notes', async () => {
    const feed = await newFeed(therapist.accessToken);
    expect(feed.url).toMatch(/^http:\/\/mend\.test\/v1\/calendar\/cal_[0-9a-f]{32}_[A-Za-z0-9_-]{43}\.ics$/);
    const text = await fetchFeed(feed.url);
    const events = eventsOf(text);
    expect(events.map((e) => e.uid)).toEqual([`session-${session.id}@mend`]);
    const [event] = events;
    expect(event.start.toISOString()).toBe(new Date(session.startsAt).toISOString());
    expect(event.end.toISOString()).toBe(new Date(session.endsAt).toISOString());
    expect(event.start.tz).toBe('America/New_York');
    expect(event.summary).toMatch(/^Couples session/);
    expect(text).toContain('BEGIN:VTIMEZONE\r\nTZID:America/New_York');
    expect(text).not.toContain('SESSION-NOTES');
    expect(text).not.toContain(cancelledSessionId);
  });

  it("gives a partner their couple's sessions and their own homework due times, at 20:00 in their own zone", async () => {
    for (const [partner, zone] of [
      [couple.partners[0], 'America/New_York'],
      [couple.partners[1], 'Europe/Berlin'],
    ] as const) {
      const text = await fetchFeed((await newFeed(partner.accessToken)).url);
      const events = eventsOf(text);
      const sessions = events.filter((e) => e.uid.startsWith('session-'));
      const due = events.filter((e) => e.uid.startsWith('occurrence-'));
      expect(sessions.map((e) => [e.uid, e.summary])).toEqual([[`session-${session.id}@mend`, 'Couples session']]);
      expect(due.length).toBeGreaterThanOrEqual(14);
      for (const event of due) {
        expect({ zone, summary: event.summary, tz: event.start.tz }).toEqual({ zone, summary: pulseTitle, tz: zone });
        const local = DateTime.fromJSDate(event.start).setZone(zone);
        expect({ zone, local: local.toFormat('HH:mm') }).toEqual({ zone, local: '20:00' });
        expect(event.end.getTime() - event.start.getTime()).toBe(15 * 60_000);
      }
      expect(text).toContain(`TZID:${zone}`);
      expect(text).toMatch(new RegExp(`DTSTART;TZID=${zone}:\\d{8}T200000`));
      // The exercise title is the only homework detail: no instructions, notes or form fields.
      expect(text).not.toMatch(/PRIVATE-INSTRUCTIONS|SESSION-NOTES|safety|DESCRIPTION/i);
      // The other partner's due times are not in this feed (each partner has their own occurrences).
      expect(new Set(due.map((e) => e.uid)).size).toBe(due.length);
    }
  });

  it('is valid RFC 5545: CRLF lines of at most 75 octets, UTC DTSTAMPs, stable UIDs across fetches', async () => {
    const feed = await newFeed(couple.partners[1].accessToken);
    const first = await fetchFeed(feed.url);
    expect(first.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:')).toBe(true);
    expect(first.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
    const lines = first.split('\r\n');
    expect(lines.every((line) => !line.includes('\n') && Buffer.byteLength(line) <= 75)).toBe(true);
    expect(lines.filter((l) => l.startsWith('DTSTAMP:')).every((l) => /^DTSTAMP:\d{8}T\d{6}Z$/.test(l))).toBe(true);
    expect(lines.filter((l) => l === 'BEGIN:VEVENT').length).toBe(lines.filter((l) => l === 'END:VEVENT').length);
    const second = await fetchFeed(feed.url);
    expect(
      eventsOf(second)
        .map((e) => e.uid)
        .sort(),
    ).toEqual(
      eventsOf(first)
        .map((e) => e.uid)
        .sort(),
    );

    // A moved session keeps its UID and shows the new time.
    const moved = DateTime.utc().plus({ days: 4 }).set({ minute: 30, second: 0, millisecond: 0 });
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(therapist.accessToken, auth)
      .send({ startsAt: moved.toISO(), endsAt: moved.plus({ hours: 1 }).toISO() })
      .expect(200);
    const after = eventsOf(await fetchFeed(feed.url)).find((e) => e.uid === `session-${session.id}@mend`)!;
    expect(after.start.toISOString()).toBe(moved.toJSDate().toISOString());
  });

  it('can be revoked, only by its owner; unknown tokens answer 404; admins get no feed', async () => {
    const feed = await newFeed(couple.partners[0].accessToken);
    await t.http().delete(`/v1/calendar-feeds/${feed.id}`).auth(couple.partners[1].accessToken, auth).expect(404);
    await t.http().delete(`/v1/calendar-feeds/${feed.id}`).auth(therapist.accessToken, auth).expect(404);
    await t.http().get(feedPath(feed.url)).expect(200);
    await t.http().delete(`/v1/calendar-feeds/${feed.id}`).auth(couple.partners[0].accessToken, auth).expect(204);
    const gone = await t.http().get(feedPath(feed.url)).expect(404);
    expect(gone.headers['content-type']).toMatch(/problem\+json/);
    const list = await t.http().get('/v1/calendar-feeds').auth(couple.partners[0].accessToken, auth).expect(200);
    expect(list.body.data.find((f: { id: string }) => f.id === feed.id)).toMatchObject({ status: 'revoked' });
    expect(JSON.stringify(list.body)).not.toContain('cal_');

    await t
      .http()
      .get('/v1/calendar/cal_00000000000000000000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics')
      .expect(404);
    await t.http().get('/v1/calendar/not-a-token.ics').expect(404);
    await t.http().post('/v1/calendar-feeds').auth(clinic.admin.accessToken, auth).expect(403);
  });
});
