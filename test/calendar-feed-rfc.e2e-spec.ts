import { DateTime } from 'luxon';

import {
  bookSession,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

/** Calendar feeds to the letter of RFC 5545 and HTTP caching, with the titles a clinic chooses. */
describe('calendar feeds: order, SEQUENCE, caching and titles', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let sessionId: string;
  let feedPath: string;

  const lineOf = (text: string, property: string) => text.split('\r\n').find((l) => l.startsWith(`${property}:`));
  /** An admin chooses the title through the clinic's calendar settings. */
  const setSessionSummary = async (sessionSummary: string) => {
    const res = await t
      .http()
      .patch('/v1/clinic/calendar-settings')
      .auth(clinic.admin.accessToken, auth)
      .send({ sessionSummary })
      .expect(200);
    expect(res.body).toEqual({ sessionSummary });
  };

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist, [
      { name: 'Alex Rivera', timezone: 'America/New_York' },
      { name: 'Blake Chen', timezone: 'Europe/Berlin' },
    ]);
    sessionId = await bookSession(t, therapist, couple, DateTime.utc().plus({ days: 3 }).startOf('hour').toJSDate());
    const feed = await t.http().post('/v1/calendar-feeds').auth(therapist.accessToken, auth).expect(201);
    feedPath = new URL(feed.body.url).pathname;
  });
  afterAll(async () => {
    await t.close();
  });

  it('writes the calendar properties before the VTIMEZONE and the events (RFC 5545)', async () => {
    const lines = (await t.http().get(feedPath).expect(200)).text.split('\r\n');
    const vtimezone = lines.indexOf('BEGIN:VTIMEZONE');
    expect(vtimezone).toBeGreaterThan(0);
    for (const property of ['REFRESH-INTERVAL', 'X-PUBLISHED-TTL'])
      expect({ property, isFirst: lines.findIndex((l) => l.startsWith(property)) < vtimezone }).toEqual({
        property,
        isFirst: true,
      });
  });

  it("titles a therapist's sessions neutrally by default, never with the couple's label", async () => {
    const text = (await t.http().get(feedPath).expect(200)).text;
    const label = (await t.http().get(`/v1/couples/${couple.coupleId}`).auth(therapist.accessToken, auth)).body.label;
    expect(label).toBeTruthy();
    expect(text).not.toContain(label);
    expect(lineOf(text, 'SUMMARY')).toBe('SUMMARY:Couples session');
  });

  it('titles sessions with initials or the label when the clinic chooses so (admins choose; therapists read the choice)', async () => {
    const read = await t.http().get('/v1/clinic/calendar-settings').auth(therapist.accessToken, auth).expect(200);
    expect(read.body).toEqual({ sessionSummary: 'neutral' });
    await t
      .http()
      .patch('/v1/clinic/calendar-settings')
      .auth(therapist.accessToken, auth)
      .send({ sessionSummary: 'label' })
      .expect(403);
    await t
      .http()
      .patch('/v1/clinic/calendar-settings')
      .auth(clinic.admin.accessToken, auth)
      .send({ sessionSummary: 'full_names' })
      .expect(400);

    await setSessionSummary('initials');
    expect(lineOf((await t.http().get(feedPath).expect(200)).text, 'SUMMARY')).toBe(
      'SUMMARY:Couples session · A. & B.',
    );
    await setSessionSummary('label');
    const label = (await t.http().get(`/v1/couples/${couple.coupleId}`).auth(therapist.accessToken, auth)).body.label;
    expect(lineOf((await t.http().get(feedPath).expect(200)).text, 'SUMMARY')).toBe(
      `SUMMARY:Couples session · ${label}`,
    );
    // Another clinic's choice is its own.
    const other = await newClinic(t);
    const theirs = await t.http().get('/v1/clinic/calendar-settings').auth(other.admin.accessToken, auth).expect(200);
    expect(theirs.body).toEqual({ sessionSummary: 'neutral' });
    await setSessionSummary('neutral');
    expect(lineOf((await t.http().get(feedPath).expect(200)).text, 'SUMMARY')).toBe('SUMMARY:Couples session');
  });

  it('answers ETag and Last-Modified, 304 while nothing changed, and a higher SEQUENCE after a reschedule', async () => {
    const first = await t.http().get(feedPath).expect(200);
    const etag = first.headers.etag as string;
    const lastModified = first.headers['last-modified'] as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(Number.isNaN(Date.parse(lastModified))).toBe(false);
    expect(lineOf(first.text, 'SEQUENCE')).toBe('SEQUENCE:0');

    const unchanged = await t.http().get(feedPath).set('If-None-Match', etag).expect(304);
    expect(unchanged.text ?? '').toBe('');

    let previous = 0;
    for (const days of [4, 5]) {
      const startsAt = DateTime.utc().plus({ days }).startOf('hour');
      await t
        .http()
        .patch(`/v1/sessions/${sessionId}`)
        .auth(therapist.accessToken, auth)
        .send({ startsAt: startsAt.toISO(), endsAt: startsAt.plus({ hours: 1 }).toISO() })
        .expect(200);
      const changed = await t.http().get(feedPath).set('If-None-Match', etag).expect(200);
      expect(changed.headers.etag).not.toBe(etag);
      const sequence = Number(lineOf(changed.text, 'SEQUENCE')!.split(':')[1]);
      expect(sequence).toBeGreaterThan(previous);
      previous = sequence;
    }
  });
});
