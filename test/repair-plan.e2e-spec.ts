import { DateTime } from 'luxon';

import {
  newClinic,
  newCouple,
  newStaff,
  suiteClock,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
/** A Wednesday at noon UTC: the same local week (Monday 7 December) in New York and Berlin. */
const WEDNESDAY_NOON_UTC = '2026-12-09T12:00:00.000Z';
const NOTE_MARKER = 'PLAN-NOTE-5a1e';

interface Agreement {
  id: string;
  text: string;
  keptBy: string;
  partnerId: string | null;
  frequency: string;
  addedInVersion: number;
  changedInVersion: number;
}

/** What the therapist sends back of an agreement to keep it. */
const fieldsOf = (a: Agreement) => ({ id: a.id, text: a.text, partnerId: a.partnerId, frequency: a.frequency });

/**
 * The repair plan through the real app: the therapist writes versioned agreements, both partners
 * read the whole plan and rate it (weekly, and at a completed session), the therapist reads each
 * agreement's trend and the caseload flags agreements rated low. Another clinic, another
 * therapist and another couple get 404; a partner never reads the other's ratings.
 */
describe('the repair plan', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;

  const alex = () => couple.partners[0];
  const blake = () => couple.partners[1];
  const planPath = () => `/v1/couples/${couple.coupleId}/repair-plan`;
  const put = (baseVersion: number, agreements: object[]) =>
    t.http().put(planPath()).auth(therapist.accessToken, auth).send({ baseVersion, agreements });
  const rate = (token: string, body: object) => t.http().post(`${planPath()}/ratings`).auth(token, auth).send(body);

  beforeAll(async () => {
    suiteClock.pinTo(WEDNESDAY_NOON_UTC);
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist, [
      { name: 'Alex Morgan', timezone: 'America/New_York' },
      { name: 'Blake Morgan', timezone: 'Europe/Berlin' },
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  it("a partner finds their couple (the plan's address) in /v1/me; staff have none", async () => {
    for (const partner of couple.partners) {
      const me = await t.http().get('/v1/me').auth(partner.accessToken, auth).expect(200);
      expect(me.body.coupleId).toBe(couple.coupleId);
    }
    expect((await t.http().get('/v1/me').auth(therapist.accessToken, auth).expect(200)).body.coupleId).toBeNull();
  });

  let spending: Agreement;
  let walks: Agreement;
  let phone: Agreement;
  let dates: Agreement;

  it('is written in versions; both partners read the whole plan and every old version', async () => {
    const empty = await t.http().get(planPath()).auth(alex().accessToken, auth).expect(200);
    expect(empty.body).toEqual({
      coupleId: couple.coupleId,
      version: 0,
      changedAt: null,
      changedBy: null,
      agreements: [],
    });

    const v1 = await put(0, [
      {
        text: 'Tell Blake about any spending over 100 EUR the same day.',
        partnerId: alex().id,
        frequency: 'when_it_comes_up',
      },
      { text: 'Keep what Alex shares in confidence between us.', partnerId: blake().id, frequency: 'daily' },
      { text: 'Phones away at dinner.', partnerId: null, frequency: 'daily' },
    ]).expect(200);
    expect(v1.body.version).toBe(1);
    expect(v1.body.changedBy).toBe(therapist.id);
    [spending, walks, phone] = v1.body.agreements;
    expect(spending).toMatchObject({ keptBy: 'partner', partnerId: alex().id, addedInVersion: 1, changedInVersion: 1 });
    expect(phone).toMatchObject({ keptBy: 'both', partnerId: null });

    // Version 2: reword one, drop one, add one. A stale edit is refused; an unchanged plan makes no version.
    const v2 = await put(1, [
      { ...fieldsOf(spending), text: 'Tell Blake about any spending over 50 EUR the same day.' },
      { id: walks.id, text: walks.text, partnerId: walks.partnerId, frequency: walks.frequency },
      { text: 'One evening out together each week.', partnerId: null, frequency: 'weekly' },
    ]).expect(200);
    expect(v2.body.version).toBe(2);
    dates = v2.body.agreements[2];
    spending = v2.body.agreements[0];
    expect(spending).toMatchObject({ addedInVersion: 1, changedInVersion: 2 });
    const stale = await put(1, [{ text: 'Something else.', partnerId: null, frequency: 'weekly' }]).expect(409);
    expect(stale.body.detail).toContain('version 2');
    const same = await put(2, v2.body.agreements.map(fieldsOf)).expect(200);
    expect(same.body.version).toBe(2);

    // Both partners see the whole plan, whoever keeps each agreement.
    for (const partner of [alex(), blake()]) {
      const plan = await t.http().get(planPath()).auth(partner.accessToken, auth).expect(200);
      expect(plan.body.agreements.map((a: Agreement) => a.text)).toEqual([
        'Tell Blake about any spending over 50 EUR the same day.',
        'Keep what Alex shares in confidence between us.',
        'One evening out together each week.',
      ]);
    }
    const versions = (await t.http().get(`${planPath()}/versions`).auth(blake().accessToken, auth).expect(200)).body
      .data;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions[0].changes).toEqual(
      expect.arrayContaining([
        { agreementId: spending.id, change: 'changed' },
        { agreementId: phone.id, change: 'removed' },
        { agreementId: dates.id, change: 'added' },
      ]),
    );
    expect(versions[0].changes).toHaveLength(3);
    expect(versions[1].agreements.map((a: Agreement) => a.text)).toEqual([
      'Tell Blake about any spending over 100 EUR the same day.',
      'Keep what Alex shares in confidence between us.',
      'Phones away at dinner.',
    ]);
    expect(versions[1]).toMatchObject({ changedBy: therapist.id, changedAt: expect.any(String) });
  });

  it('refuses edits that do not fit the couple, and writes only by its therapist', async () => {
    const other = await newCouple(t, therapist);
    const notPartner = await put(2, [{ text: 'x', partnerId: other.partners[0].id, frequency: 'daily' }]).expect(422);
    expect(notPartner.body.errors).toEqual([expect.objectContaining({ field: 'agreements[0].partnerId' })]);
    const unknown = await put(2, [{ id: phone.id, text: 'Back again', partnerId: null, frequency: 'daily' }]).expect(
      422,
    );
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'agreements[0].id' })]);
    await t.http().put(planPath()).auth(alex().accessToken, auth).send({ baseVersion: 2, agreements: [] }).expect(403);
    await t.http().get(planPath()).auth(clinic.admin.accessToken, auth).expect(403);
  });

  it('takes each partner’s weekly and session ratings; a second rating of the same week replaces the first', async () => {
    const week = await rate(alex().accessToken, {
      ratings: [
        { agreementId: spending.id, kept: 7, stillFits: true },
        { agreementId: walks.id, kept: 9, stillFits: true },
      ],
    }).expect(201);
    expect(week.body.data[0]).toMatchObject({
      agreementId: spending.id,
      partnerId: alex().id,
      planVersion: 2,
      period: { kind: 'week', weekStart: '2026-12-07' },
      kept: 7,
      stillFits: true,
      note: null,
    });
    // Same week again: replaced, not added.
    await rate(alex().accessToken, { ratings: [{ agreementId: walks.id, kept: 8, stillFits: true }] }).expect(201);
    await rate(blake().accessToken, {
      ratings: [
        { agreementId: spending.id, kept: 6, stillFits: true },
        { agreementId: walks.id, kept: 9, stillFits: true },
        { agreementId: dates.id, kept: 8, stillFits: true },
      ],
    }).expect(201);

    // At a completed session, Alex rates the spending agreement low and says it no longer fits.
    const session = (
      await t
        .http()
        .post(`/v1/couples/${couple.coupleId}/sessions`)
        .auth(therapist.accessToken, auth)
        .send({
          startsAt: DateTime.fromISO(WEDNESDAY_NOON_UTC).minus({ minutes: 50 }).toISO(),
          endsAt: DateTime.fromISO(WEDNESDAY_NOON_UTC).toISO(),
        })
        .expect(201)
    ).body;
    const notYet = await rate(alex().accessToken, {
      sessionId: session.id,
      ratings: [{ agreementId: spending.id, kept: 3, stillFits: false }],
    }).expect(422);
    expect(notYet.body.errors).toEqual([expect.objectContaining({ field: 'sessionId' })]);
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(therapist.accessToken, auth)
      .send({ status: 'completed' })
      .expect(200);
    suiteClock.advance(60_000);
    const atSession = await rate(alex().accessToken, {
      sessionId: session.id,
      ratings: [
        { agreementId: spending.id, kept: 3, stillFits: false, note: `The limit feels like control ${NOTE_MARKER}` },
      ],
    }).expect(201);
    expect(atSession.body.data[0].period).toEqual({ kind: 'session', sessionId: session.id });

    // A removed agreement, a plan agreement rated twice in one request: refused.
    const removed = await rate(blake().accessToken, { ratings: [{ agreementId: phone.id, kept: 5, stillFits: true }] });
    expect(removed.status).toBe(422);
    const twice = await rate(blake().accessToken, {
      ratings: [
        { agreementId: walks.id, kept: 5, stillFits: true },
        { agreementId: walks.id, kept: 6, stillFits: true },
      ],
    });
    expect(twice.status).toBe(422);
    const outOfRange = await rate(blake().accessToken, {
      ratings: [{ agreementId: walks.id, kept: 11, stillFits: true }],
    });
    expect(outOfRange.status).toBe(400);
    await rate(therapist.accessToken, { ratings: [{ agreementId: walks.id, kept: 5, stillFits: true }] }).expect(403);

    // The next week is a new point of the series.
    suiteClock.advance(7 * 86_400_000);
    await rate(blake().accessToken, { ratings: [{ agreementId: spending.id, kept: 8, stillFits: true }] }).expect(201);
  });

  it('shows the therapist each agreement’s trend and flags the low one on the caseload', async () => {
    const progress = (await t.http().get(`${planPath()}/progress`).auth(therapist.accessToken, auth).expect(200)).body;
    expect(progress).toMatchObject({ coupleId: couple.coupleId, version: 2, lowThreshold: 4 });
    const byId = Object.fromEntries(
      progress.agreements.map((a: { agreement: Agreement }) => [a.agreement.id, a]),
    ) as Record<
      string,
      { isLow: boolean; needsReview: boolean; isRetired: boolean; partners: Array<Record<string, unknown>> }
    >;
    expect(progress.agreements.map((a: { agreement: Agreement }) => a.agreement.id)).toEqual([
      spending.id,
      walks.id,
      dates.id,
      phone.id,
    ]);
    expect(byId[spending.id]).toMatchObject({ isLow: true, needsReview: true, isRetired: false });
    const [alexSpending, blakeSpending] = byId[spending.id].partners as Array<{
      partnerId: string;
      ratings: Array<{ kept: number }>;
      latest: { kept: number; note: string | null };
      change: number;
      trend: string;
    }>;
    expect(alexSpending).toMatchObject({ partnerId: alex().id, change: -4, trend: 'declining' });
    expect(alexSpending.ratings.map((r) => r.kept)).toEqual([7, 3]);
    expect(alexSpending.latest.note).toContain(NOTE_MARKER);
    expect(blakeSpending).toMatchObject({ partnerId: blake().id, change: 2, trend: 'improving' });
    expect(blakeSpending.ratings.map((r) => r.kept)).toEqual([6, 8]);
    expect(byId[walks.id]).toMatchObject({ isLow: false, needsReview: false });
    expect(byId[walks.id].partners[0]).toMatchObject({
      change: null,
      trend: null,
      latest: expect.objectContaining({ kept: 8 }),
    });
    expect(byId[phone.id]).toMatchObject({ isRetired: true, isLow: false });

    const caseload = (await t.http().get('/v1/caseload').auth(therapist.accessToken, auth).expect(200)).body.data;
    const row = caseload.find((c: { coupleId: string }) => c.coupleId === couple.coupleId);
    expect(row.lowRatedAgreements).toBe(1);
    const quiet = caseload.find((c: { coupleId: string }) => c.coupleId !== couple.coupleId);
    expect(quiet.lowRatedAgreements).toBe(0);
    expect(JSON.stringify(caseload)).not.toContain(NOTE_MARKER);
  });

  it('lets a partner read only their own ratings, and the therapist all of them', async () => {
    const mine = await t.http().get(`${planPath()}/ratings`).auth(alex().accessToken, auth).expect(200);
    expect(mine.body.data.every((r: { partnerId: string }) => r.partnerId === alex().id)).toBe(true);
    expect(mine.text).toContain(NOTE_MARKER);
    for (const path of [planPath(), `${planPath()}/versions`, `${planPath()}/ratings`]) {
      const res = await t.http().get(path).auth(blake().accessToken, auth).expect(200);
      expect({ path, leaked: res.text.includes(NOTE_MARKER) }).toEqual({ path, leaked: false });
    }
    await t.http().get(`${planPath()}/progress`).auth(blake().accessToken, auth).expect(403);
    const all = await t.http().get(`${planPath()}/ratings`).auth(therapist.accessToken, auth).expect(200);
    expect(new Set(all.body.data.map((r: { partnerId: string }) => r.partnerId))).toEqual(
      new Set([alex().id, blake().id]),
    );
    // Alex rated the walks agreement once this week (the second rating replaced the first).
    const walksOfAlex = await t
      .http()
      .get(`${planPath()}/ratings?agreementId=${walks.id}`)
      .auth(alex().accessToken, auth)
      .expect(200);
    expect(walksOfAlex.body.data.map((r: { kept: number }) => r.kept)).toEqual([8]);
  });

  it('answers 404 to another clinic, another therapist and another couple’s partner', async () => {
    const otherClinic = await newClinic(t);
    const otherTherapist = await newStaff(t, otherClinic);
    const otherCouple = await newCouple(t, otherTherapist);
    const colleague = await newStaff(t, clinic);
    const neighbours = await newCouple(t, colleague);
    for (const token of [
      otherTherapist.accessToken,
      otherCouple.partners[0].accessToken,
      colleague.accessToken,
      neighbours.partners[0].accessToken,
    ]) {
      for (const path of [planPath(), `${planPath()}/versions`, `${planPath()}/ratings`]) {
        const res = await t.http().get(path).auth(token, auth);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    }
    await t
      .http()
      .put(planPath())
      .auth(otherTherapist.accessToken, auth)
      .send({ baseVersion: 2, agreements: [] })
      .expect(404);
    await t.http().get(`${planPath()}/progress`).auth(colleague.accessToken, auth).expect(404);
    await rate(neighbours.partners[0].accessToken, {
      ratings: [{ agreementId: spending.id, kept: 1, stillFits: false }],
    }).expect(404);
  });
});
