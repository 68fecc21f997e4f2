/**
 * Partners in New York, Berlin, Sydney and Kolkata, at whatever instant the suite runs (the pinned
 * jest projects run it at midnight UTC, year end and each DST change): every partner has a pulse
 * due at 20:00 in their own zone, one open now, a check-in on it is accepted once, progress counts
 * it, and a session reaches the partner's calendar feed at its instant.
 */
import { DateTime } from 'luxon';
import ical from 'node-ical';

import {
  builtinExerciseId,
  localToday,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  pinnedInstant,
  suiteClock,
  type CoupleContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

interface Occurrence {
  dueAt: string;
  state: string;
  isOverdue: boolean;
}

describe(`partners in four zones${pinnedInstant ? ` at ${pinnedInstant}` : ''}`, () => {
  let t: TestApp;
  let therapist: { accessToken: string };
  const couples: CoupleContext[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const clinic = await newClinic(t);
    therapist = await newStaff(t, clinic, 'therapist');
    couples.push(
      await newCouple(t, therapist, [
        { name: 'Nora York', timezone: 'America/New_York' },
        { name: 'Bert Lin', timezone: 'Europe/Berlin' },
      ]),
      await newCouple(t, therapist, [
        { name: 'Sid Ney', timezone: 'Australia/Sydney' },
        { name: 'Kala Kata', timezone: 'Asia/Kolkata' },
      ]),
    );
    for (const couple of couples) {
      await newAssignment(t, therapist, couple, await builtinExerciseId(t, therapist.accessToken, 'trust_pulse'));
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  const partners = () => couples.flatMap((couple) => couple.partners.map((partner) => ({ couple, partner })));

  it('gives every partner a pulse at 20:00 in their own zone, one of them open now', async () => {
    for (const { partner } of partners()) {
      const mine = await t.http().get('/v1/me/assignments').auth(partner.accessToken, auth).expect(200);
      const occurrences = mine.body.data[0].occurrences as Occurrence[];
      expect(occurrences.length).toBeGreaterThan(0);
      const local = occurrences.map((o) => DateTime.fromISO(o.dueAt).setZone(partner.timezone));
      // 20:00 on the wall clock of the partner's zone, on both sides of any DST change.
      expect({ zone: partner.timezone, times: [...new Set(local.map((d) => d.toFormat('HH:mm')))] }).toEqual({
        zone: partner.timezone,
        times: ['20:00'],
      });
      // One per local day, no day skipped or doubled by a DST change.
      const days = local.map((d) => d.toISODate());
      expect(new Set(days).size).toBe(days.length);
      for (let i = 1; i < local.length; i++)
        expect(local[i].startOf('day').diff(local[i - 1].startOf('day'), 'days').days).toBe(1);
      // Open now: the partner's earliest evening that has not closed yet.
      const open = occurrences.filter((o) => o.state === 'due');
      expect(open.length).toBeGreaterThanOrEqual(1);
      const now = DateTime.fromJSDate(suiteClock.now()).setZone(partner.timezone);
      const firstOpen = DateTime.fromISO(open[0].dueAt).setZone(partner.timezone);
      expect([now.toISODate(), now.minus({ days: 1 }).toISODate(), now.plus({ days: 1 }).toISODate()]).toContain(
        firstOpen.toISODate(),
      );
      // Overdue (a check-in now is late) only once the partner's local day of the due time is over.
      expect(open[0].isOverdue).toBe(firstOpen.startOf('day').plus({ days: 1 }) <= now);
    }
  });

  it('accepts one check-in per partner on the open evening, and progress counts it', async () => {
    for (const { couple, partner } of partners()) {
      const mine = await t.http().get('/v1/me/assignments').auth(partner.accessToken, auth).expect(200);
      const assignment = mine.body.data[0];
      const open = (assignment.occurrences as Occurrence[]).find((o) => o.state === 'due')!;
      const body = { occurrenceAt: open.dueAt, answers: { trust: 7, safety: 8 }, visibility: 'private' };
      const first = await t
        .http()
        .post(`/v1/assignments/${assignment.id}/check-ins`)
        .auth(partner.accessToken, auth)
        .send(body)
        .expect(201);
      const endOfDueDay = DateTime.fromISO(open.dueAt).setZone(partner.timezone).startOf('day').plus({ days: 1 });
      expect(first.body.isLate).toBe(endOfDueDay <= DateTime.fromJSDate(suiteClock.now()));
      await t
        .http()
        .post(`/v1/assignments/${assignment.id}/check-ins`)
        .auth(partner.accessToken, auth)
        .send(body)
        .expect(409);
      const progress = await t
        .http()
        .get(`/v1/couples/${couple.coupleId}/progress`)
        .auth(therapist.accessToken, auth)
        .expect(200);
      const current = progress.body.windows.find((w: { isCurrent: boolean }) => w.isCurrent);
      const mineNow = current.partners.find((p: { partnerId: string }) => p.partnerId === partner.id);
      expect(mineNow.completed).toBe(1);
    }
  });

  it("puts a session into each partner's calendar feed at its instant", async () => {
    const [couple] = couples;
    // Tomorrow at 18:00 in New York, whatever the date is in UTC or Berlin.
    const startsAt = DateTime.fromISO(`${localToday('America/New_York')}T18:00`, { zone: 'America/New_York' }).plus({
      days: 1,
    });
    await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(therapist.accessToken, auth)
      .send({ startsAt: startsAt.toISO(), endsAt: startsAt.plus({ hours: 1 }).toISO() })
      .expect(201);
    for (const partner of couple.partners) {
      const feed = await t.http().post('/v1/calendar-feeds').auth(partner.accessToken, auth).expect(201);
      const path = new URL(feed.body.url).pathname;
      const ics = await t.http().get(path).expect(200);
      const events = Object.values(ical.sync.parseICS(ics.text)).filter((c) => c?.type === 'VEVENT') as Array<{
        start: Date;
      }>;
      expect(events.map((e) => e.start.getTime())).toContain(startsAt.toMillis());
    }
  });
});
