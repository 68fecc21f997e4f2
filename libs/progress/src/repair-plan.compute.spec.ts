import { isRatedLow, nextPlan, ratingSeries } from './repair-plan.compute.js';
import type { AgreementRatingView, AgreementView } from './repair-plan.views.js';

const A = 'a0000000-0000-7000-8000-000000000001';
const B = 'a0000000-0000-7000-8000-000000000002';
const P1 = 'b0000000-0000-7000-8000-000000000001';
const P2 = 'b0000000-0000-7000-8000-000000000002';

const agreement = (id: string, text: string): AgreementView => ({
  id,
  text,
  keptBy: 'both',
  partnerId: null,
  frequency: 'weekly',
  addedInVersion: 1,
  changedInVersion: 1,
});

const rating = (partnerId: string, kept: number): AgreementRatingView => ({
  id: `r-${partnerId}-${kept}`,
  agreementId: A,
  partnerId,
  planVersion: 1,
  period: { kind: 'week', weekStart: '2026-12-07' },
  kept,
  stillFits: true,
  note: null,
  ratedAt: new Date('2026-12-09T12:00:00Z'),
});

describe('nextPlan', () => {
  const current = [agreement(A, 'Phones away at dinner.'), agreement(B, 'A walk on Sundays.')];
  let n = 0;
  const newId = () => `new-${++n}`;

  it('records what was added, changed and removed, and keeps the history of what stayed', () => {
    const next = nextPlan(
      current,
      [
        { id: A, text: ' Phones away at every meal. ', partnerId: P1, frequency: 'daily' },
        { text: 'An evening out each week.', partnerId: null, frequency: 'weekly' },
      ],
      2,
      newId,
    );
    expect(next.changes).toEqual([
      { agreementId: A, change: 'changed' },
      { agreementId: 'new-1', change: 'added' },
      { agreementId: B, change: 'removed' },
    ]);
    expect(next.agreements[0]).toEqual({
      id: A,
      text: 'Phones away at every meal.',
      keptBy: 'partner',
      partnerId: P1,
      frequency: 'daily',
      addedInVersion: 1,
      changedInVersion: 2,
    });
    expect(next.isUnchanged).toBe(false);
  });

  it('writes no version for the same plan, and a version for a new order alone', () => {
    const same = current.map((a) => ({ id: a.id, text: a.text, partnerId: a.partnerId, frequency: a.frequency }));
    expect(nextPlan(current, same, 2, newId)).toMatchObject({ changes: [], isUnchanged: true });
    expect(nextPlan(current, [...same].reverse(), 2, newId)).toMatchObject({ changes: [], isUnchanged: false });
  });
});

describe('ratingSeries', () => {
  it('has no trend before a second rating', () => {
    expect(ratingSeries(P1, [rating(P1, 5)])).toMatchObject({ change: null, trend: null, latest: { kept: 5 } });
    expect(ratingSeries(P1, [])).toMatchObject({ change: null, trend: null, latest: null });
  });

  it('calls 2 points or more up improving, down declining, and less steady', () => {
    expect(ratingSeries(P1, [rating(P1, 4), rating(P1, 6)])).toMatchObject({ change: 2, trend: 'improving' });
    expect(ratingSeries(P1, [rating(P1, 7), rating(P1, 9), rating(P1, 5)])).toMatchObject({
      change: -2,
      trend: 'declining',
    });
    expect(ratingSeries(P1, [rating(P1, 7), rating(P1, 8)])).toMatchObject({ change: 1, trend: 'steady' });
  });
});

describe('isRatedLow', () => {
  it("flags an agreement when either partner's latest rating is 4 or less", () => {
    const fine = ratingSeries(P1, [rating(P1, 2), rating(P1, 8)]);
    expect(isRatedLow([fine, ratingSeries(P2, [rating(P2, 5)])])).toBe(false);
    expect(isRatedLow([fine, ratingSeries(P2, [rating(P2, 4)])])).toBe(true);
    expect(isRatedLow([ratingSeries(P1, []), ratingSeries(P2, [])])).toBe(false);
  });
});
