import {
  alertConditions,
  alertsFollow,
  computeProgress,
  computeWindows,
  cutWindows,
  detectAlerts,
  safetyCondition,
  windowIndexOf,
  windowLocator,
  type OccurrenceFact,
  type ProgressInput,
  type SessionFact,
} from './progress.compute.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12);
const day = (n: number) => new Date(T0 + n * DAY);
const A = 'a0000000-0000-7000-8000-000000000001';
const B = 'b0000000-0000-7000-8000-000000000002';

let seq = 0;
function session(endDay: number, status: SessionFact['status'] = 'completed'): SessionFact {
  seq += 1;
  return { id: `s${seq}`, startsAt: new Date(day(endDay).getTime() - 3_600_000), endsAt: day(endDay), status };
}

/** An occurrence due on `dueDay`, closing a day later, with an optional check-in. */
function occ(
  partnerId: string | null,
  dueDay: number,
  checkIn?: { trust?: number; csi4?: number; author?: string } | 'none',
): OccurrenceFact {
  seq += 1;
  const done = checkIn !== undefined && checkIn !== 'none';
  const author = done ? (checkIn.author ?? partnerId ?? A) : A;
  const score = !done
    ? null
    : checkIn.trust !== undefined
      ? { kind: 'trust_pulse' as const, value: checkIn.trust }
      : checkIn.csi4 !== undefined
        ? { kind: 'csi4' as const, value: checkIn.csi4, isBelowCutoff: checkIn.csi4 < 13.5, cutoff: 13.5 }
        : null;
  return {
    id: `o${String(seq).padStart(4, '0')}`,
    partnerId,
    dueAt: day(dueDay),
    closesAt: day(dueDay + 1),
    checkIn: done ? { authorId: author, submittedAt: day(dueDay), score } : null,
  };
}

function input(overrides: Partial<ProgressInput> = {}): ProgressInput {
  return { now: day(30), coupleCreatedAt: day(0), partnerIds: [A, B], sessions: [], occurrences: [], ...overrides };
}

const alertsOf = (i: ProgressInput, kind: string) => computeProgress(i).alerts.filter((a) => a.kind === kind);

describe('window cutting', () => {
  it("has one current window from the couple's creation to now when there are no sessions", () => {
    const windows = cutWindows(input());
    expect(windows).toEqual([{ index: 0, start: day(0), end: day(30), isCurrent: true, closedBySessionId: null }]);
  });

  it("starts at the first occurrence when it is earlier than the couple's creation", () => {
    const windows = cutWindows(input({ coupleCreatedAt: day(5), occurrences: [occ(A, 2)] }));
    expect(windows[0].start).toEqual(day(2));
  });

  it('cuts at one completed session: before it, and the current window after it', () => {
    const s = session(10);
    const windows = cutWindows(input({ sessions: [s] }));
    expect(windows.map((w) => [w.start, w.end, w.isCurrent, w.closedBySessionId])).toEqual([
      [day(0), day(10), false, s.id],
      [day(10), day(30), true, null],
    ]);
  });

  it('cuts at several completed sessions in time order, whatever order they come in', () => {
    const s1 = session(7);
    const s2 = session(14);
    const s3 = session(21);
    const windows = cutWindows(input({ sessions: [s3, s1, s2] }));
    expect(windows.map((w) => [w.start.getTime(), w.end.getTime()])).toEqual([
      [day(0).getTime(), day(7).getTime()],
      [day(7).getTime(), day(14).getTime()],
      [day(14).getTime(), day(21).getTime()],
      [day(21).getTime(), day(30).getTime()],
    ]);
    expect(windows.map((w) => w.index)).toEqual([0, 1, 2, 3]);
  });

  it('ignores cancelled, no-show and scheduled sessions', () => {
    const windows = cutWindows(
      input({
        sessions: [session(5, 'cancelled'), session(10, 'no_show'), session(12, 'scheduled'), session(40, 'scheduled')],
      }),
    );
    expect(windows).toHaveLength(1);
    expect(windows[0].isCurrent).toBe(true);
  });

  it('never cuts in the future: a session completed while it runs cuts at now', () => {
    const windows = cutWindows(input({ sessions: [session(31)] }));
    expect(windows.map((w) => [w.end, w.isCurrent])).toEqual([
      [day(30), false],
      [day(30), true],
    ]);
  });

  it('ignores sessions that ended before the first window starts, and cuts once for sessions ending together', () => {
    const windows = cutWindows(input({ coupleCreatedAt: day(3), sessions: [session(1), session(10), session(10)] }));
    expect(windows.map((w) => w.start)).toEqual([day(3), day(10)]);
  });

  it('places instants by (start, end], the first window including its start, the current one open-ended', () => {
    const windows = cutWindows(input({ sessions: [session(10)] }));
    expect(windowIndexOf(windows, day(0))).toBe(0);
    expect(windowIndexOf(windows, day(10))).toBe(0);
    expect(windowIndexOf(windows, new Date(day(10).getTime() + 1))).toBe(1);
    expect(windowIndexOf(windows, day(45))).toBe(1);
    expect(windowIndexOf(windows, day(-1))).toBe(-1);
  });

  it('locates instants exactly as windowIndexOf does, for cut windows and for any other list', () => {
    const cut = cutWindows(
      input({ now: day(400), sessions: [1, 8, 8, 15, 22, 29, 100, 101, 250, 400].map((d) => session(d)) }),
    );
    const hand = [
      { index: 0, start: day(0), end: day(5), isCurrent: false, closedBySessionId: 's' },
      { index: 1, start: day(7), end: day(9), isCurrent: false, closedBySessionId: 's' },
      { index: 2, start: day(8), end: day(8), isCurrent: true, closedBySessionId: null },
    ];
    for (const windows of [cut, hand, cut.slice(0, 1), cut.slice(0, 3), []]) {
      const locate = windowLocator(windows);
      const instants = [-2, 0, 1, 5, 6, 7, 8, 9, 15, 29, 100, 101, 250, 399, 400, 401].flatMap((d) => [
        day(d),
        new Date(day(d).getTime() + 1),
        new Date(day(d).getTime() - 1),
      ]);
      for (const at of instants) expect(locate(at)).toBe(windowIndexOf(windows, at));
    }
  });
});

describe('completion per window and partner', () => {
  it('counts occurrences due by now or done; a due one still open is pending', () => {
    const windows = computeWindows(
      input({
        now: day(20),
        sessions: [session(10)],
        occurrences: [
          occ(A, 1, { trust: 7 }),
          occ(A, 2, 'none'),
          occ(A, 3, { trust: 8 }),
          occ(A, 4, 'none'),
          occ(B, 1, { trust: 6 }),
          occ(A, 12, { trust: 6 }),
          occ(A, 19.5, 'none'), // due, still open at now: expected, pending
          occ(B, 19.5, { trust: 5 }), // open but done: counts
        ],
      }),
    );
    const [first, current] = windows;
    expect(first.partners.find((p) => p.partnerId === A)).toMatchObject({
      expected: 4,
      completed: 2,
      missed: 2,
      completionRate: 0.5,
    });
    expect(first.partners.find((p) => p.partnerId === B)).toMatchObject({
      expected: 1,
      completed: 1,
      missed: 0,
      completionRate: 1,
    });
    expect(current.partners.find((p) => p.partnerId === A)).toMatchObject({
      expected: 2,
      completed: 1,
      missed: 0,
      pending: 1,
      completionRate: 0.5,
    });
    expect(current.partners.find((p) => p.partnerId === B)).toMatchObject({
      expected: 1,
      completed: 1,
      completionRate: 1,
    });
  });

  it('reads completion from day one: the first due occurrence counts before it closes', () => {
    // Created at noon, the first pulse due at 20:00, read at 21:00: Alex checked in, Blake not yet.
    const [window] = computeWindows(
      input({
        now: day(0.375),
        occurrences: [occ(A, 1 / 3, { trust: 7 }), occ(B, 1 / 3, 'none')],
      }),
    );
    expect(window.partners.map((p) => [p.expected, p.completed, p.pending, p.completionRate])).toEqual([
      [1, 1, 0, 1],
      [1, 0, 1, 0],
    ]);
  });

  it('has no completion rate when nothing was expected', () => {
    const [window] = computeWindows(input());
    expect(window.partners[0]).toMatchObject({
      expected: 0,
      completed: 0,
      completionRate: null,
      trustMean: null,
      trustChange: null,
    });
  });

  it('counts joint occurrences for the couple, and their readings for the partner who answered', () => {
    const [window] = computeWindows(
      input({ occurrences: [occ(null, 1, { trust: 4, author: B }), occ(null, 2, 'none')] }),
    );
    expect(window.joint).toEqual({ expected: 2, completed: 1, missed: 1, pending: 0, completionRate: 0.5 });
    expect(window.partners.find((p) => p.partnerId === B)).toMatchObject({
      expected: 0,
      trustReadings: 1,
      trustMean: 4,
    });
  });

  it('places a late check-in in the window of its due time', () => {
    const late = occ(A, 9, { trust: 3 });
    late.checkIn!.submittedAt = day(12);
    const windows = computeWindows(input({ sessions: [session(10)], occurrences: [late] }));
    expect(windows[0].partners[0]).toMatchObject({ completed: 1, trustMean: 3 });
    expect(windows[1].partners[0]).toMatchObject({ completed: 0, trustMean: null });
  });
});

describe('trust mean, change and partner gap', () => {
  const data = () =>
    input({
      sessions: [session(10)],
      occurrences: [
        occ(A, 1, { trust: 8 }),
        occ(A, 2, { trust: 9 }),
        occ(A, 12, { trust: 6 }),
        occ(A, 13, { trust: 7 }),
        occ(B, 2, { trust: 5 }),
        occ(B, 12, { trust: 4 }),
      ],
    });

  it("means each partner's readings per window and gives the change from the previous window", () => {
    const [first, current] = computeWindows(data());
    expect(first.partners.map((p) => [p.trustReadings, p.trustMean, p.trustChange])).toEqual([
      [2, 8.5, null],
      [1, 5, null],
    ]);
    expect(current.partners.map((p) => [p.trustMean, p.trustChange])).toEqual([
      [6.5, -2],
      [4, -1],
    ]);
  });

  it("gives the gap between the partners' means, or null when one has none", () => {
    const [first, current] = computeWindows(data());
    expect(first.trustGap).toBe(3.5);
    expect(current.trustGap).toBe(2.5);
    const [only] = computeWindows(input({ occurrences: [occ(A, 1, { trust: 8 })] }));
    expect(only.trustGap).toBeNull();
  });

  it('keeps measure scores with their cut-off flags apart from trust', () => {
    const [window] = computeWindows(input({ occurrences: [occ(A, 1, { csi4: 12 }), occ(A, 3, { csi4: 16 })] }));
    expect(window.partners[0].trustMean).toBeNull();
    expect(window.partners[0].measures.map((m) => [m.kind, m.value, m.cutoff, m.isBelowCutoff])).toEqual([
      ['csi4', 12, 13.5, true],
      ['csi4', 16, 13.5, false],
    ]);
  });

  it('falls back to the CSI-4 cut-off when a stored score carries none', () => {
    const o = occ(A, 1, { csi4: 13 });
    o.checkIn!.score = { kind: 'csi4', value: 13 };
    const [window] = computeWindows(input({ occurrences: [o] }));
    expect(window.partners[0].measures[0]).toMatchObject({ cutoff: 13.5, isBelowCutoff: true });
  });
});

describe('alert: trust drop (≥ 2 points window over window, per partner)', () => {
  const withMeans = (before: number, after: number) =>
    input({
      sessions: [session(10)],
      occurrences: [
        occ(A, 2, { trust: before }),
        occ(A, 12, { trust: after }),
        occ(B, 2, { trust: 5 }),
        occ(B, 12, { trust: 5 }),
      ],
    });

  it('fires on a drop of exactly 2', () => {
    const alerts = alertsOf(withMeans(7, 5), 'trust_drop');
    expect(alerts).toEqual([
      { kind: 'trust_drop', partnerId: A, windowStart: day(10), detail: { previousMean: 7, mean: 5, drop: 2 } },
    ]);
  });

  it('fires on a drop of exactly 2 between fractional means (no floating-point miss)', () => {
    const i = input({ sessions: [session(10)], occurrences: [occ(A, 1, { trust: 7.1 }), occ(A, 12, { trust: 5.1 })] });
    expect(alertsOf(i, 'trust_drop')).toHaveLength(1);
  });

  it('does not fire on a drop of 1.9', () => {
    expect(alertsOf(withMeans(7, 5.1), 'trust_drop')).toEqual([]);
  });

  it('does not fire on a rise, or without readings in both windows', () => {
    expect(alertsOf(withMeans(5, 8), 'trust_drop')).toEqual([]);
    const gap = input({
      sessions: [session(10), session(20)],
      occurrences: [occ(A, 2, { trust: 9 }), occ(A, 22, { trust: 2 })],
    });
    expect(alertsOf(gap, 'trust_drop')).toEqual([]);
  });

  it('fires in the current window, before the next session', () => {
    const alerts = alertsOf(
      input({ sessions: [session(10)], occurrences: [occ(B, 3, { trust: 9 }), occ(B, 25, { trust: 6 })] }),
      'trust_drop',
    );
    expect(alerts.map((a) => [a.partnerId, a.windowStart])).toEqual([[B, day(10)]]);
  });
});

describe('alert: missed streak (≥ 3 missed in a row, per partner, by due time)', () => {
  it('fires on 3 missed in a row, in the window where the streak reached 3', () => {
    const i = input({
      sessions: [session(10)],
      occurrences: [
        occ(A, 1, { trust: 5 }),
        occ(A, 8, 'none'),
        occ(A, 9, 'none'),
        occ(A, 11, 'none'),
        occ(A, 12, 'none'),
      ],
    });
    const alerts = alertsOf(i, 'missed_streak');
    expect(alerts).toEqual([
      {
        kind: 'missed_streak',
        partnerId: A,
        windowStart: day(10),
        detail: { missedInARow: 3, firstMissedDueAt: day(8).toISOString(), lastMissedDueAt: day(11).toISOString() },
      },
    ]);
  });

  it('orders by due time, not by the order occurrences come in', () => {
    const i = input({ occurrences: [occ(A, 3, 'none'), occ(A, 1, 'none'), occ(A, 2, 'none')] });
    expect(alertsOf(i, 'missed_streak')).toHaveLength(1);
  });

  it('does not fire when a check-in breaks the streak', () => {
    const i = input({
      occurrences: [
        occ(A, 1, 'none'),
        occ(A, 2, 'none'),
        occ(A, 3, { trust: 6 }),
        occ(A, 4, 'none'),
        occ(A, 5, 'none'),
      ],
    });
    expect(alertsOf(i, 'missed_streak')).toEqual([]);
  });

  it("does not fire on 2 missed, nor count one partner's misses against the other", () => {
    const i = input({ occurrences: [occ(A, 1, 'none'), occ(B, 2, 'none'), occ(A, 3, 'none')] });
    expect(alertsOf(i, 'missed_streak')).toEqual([]);
  });

  it('lets still-open occurrences neither count nor break a streak', () => {
    const i = input({ now: day(10), occurrences: [occ(A, 7, 'none'), occ(A, 8, 'none'), occ(A, 9.5, 'none')] });
    expect(alertsOf(i, 'missed_streak')).toEqual([]);
    const later = input({ now: day(12), occurrences: [occ(A, 7, 'none'), occ(A, 8, 'none'), occ(A, 9.5, 'none')] });
    expect(alertsOf(later, 'missed_streak')).toHaveLength(1);
  });

  it("tracks the couple's joint occurrences as their own streak", () => {
    const i = input({ occurrences: [occ(null, 1, 'none'), occ(null, 2, 'none'), occ(null, 3, 'none')] });
    expect(alertsOf(i, 'missed_streak').map((a) => a.partnerId)).toEqual([null]);
  });

  it('raises one alert per window for a long streak', () => {
    const i = input({ occurrences: [1, 2, 3, 4, 5, 6, 7].map((d) => occ(A, d, 'none')) });
    expect(alertsOf(i, 'missed_streak')).toHaveLength(1);
  });
});

describe('alert: partners diverging (trust means ≥ 3 apart in a window)', () => {
  const apart = (a: number, b: number) => input({ occurrences: [occ(A, 1, { trust: a }), occ(B, 1, { trust: b })] });

  it('fires on a gap of exactly 3, whichever partner is lower', () => {
    expect(alertsOf(apart(8, 5), 'partners_diverging')).toEqual([
      { kind: 'partners_diverging', partnerId: null, windowStart: day(0), detail: { gap: 3, lowerPartnerId: B } },
    ]);
    expect(alertsOf(apart(2, 5), 'partners_diverging')[0].detail.lowerPartnerId).toBe(A);
  });

  it('does not fire on a gap of 2.9', () => {
    expect(alertsOf(apart(8, 5.1), 'partners_diverging')).toEqual([]);
  });

  it('does not fire for a couple with one partner', () => {
    expect(alertsOf(input({ partnerIds: [A], occurrences: [occ(A, 1, { trust: 0 })] }), 'partners_diverging')).toEqual(
      [],
    );
  });
});

describe('alert: measure below its cut-off', () => {
  const csi = (value: number) => input({ occurrences: [occ(A, 1, { csi4: value })] });

  it('fires on a CSI-4 total of 13 (below 13.5)', () => {
    expect(alertsOf(csi(13), 'measure_below_cutoff')).toEqual([
      {
        kind: 'measure_below_cutoff',
        partnerId: A,
        windowStart: day(0),
        detail: { measure: 'csi4', value: 13, cutoff: 13.5 },
      },
    ]);
  });

  it('does not fire on a CSI-4 total of 14', () => {
    expect(alertsOf(csi(14), 'measure_below_cutoff')).toEqual([]);
  });

  it('raises one alert per partner and window, keeping the lowest score', () => {
    const i = input({ occurrences: [occ(A, 1, { csi4: 12 }), occ(A, 2, { csi4: 9 }), occ(B, 1, { csi4: 11 })] });
    const alerts = alertsOf(i, 'measure_below_cutoff');
    expect(alerts.map((a) => [a.partnerId, a.detail.value])).toEqual([
      [A, 9],
      [B, 11],
    ]);
  });
});

describe('alert identity', () => {
  it('recomputing the same history yields the same alerts', () => {
    const i = input({
      sessions: [session(10)],
      occurrences: [occ(A, 2, { trust: 9 }), occ(A, 12, { trust: 3 }), occ(B, 12, { trust: 8 })],
    });
    const first = computeProgress(i).alerts;
    const again = detectAlerts(i, computeWindows(i));
    expect(again).toEqual(first);
    expect(first.map((a) => a.kind).sort()).toEqual(['partners_diverging', 'trust_drop']);
  });
});

describe('alert conditions (what the stored alerts follow)', () => {
  const conditionsOf = (i: ProgressInput) => alertConditions(i, computeWindows(i));
  const stateOf = (i: ProgressInput, kind: string, partnerId: string | null) =>
    conditionsOf(i).filter((c) => c.kind === kind && c.partnerId === partnerId);

  it('gives one condition per kind and partner however sessions re-cut the windows', () => {
    const occurrences = [occ(A, 3, { csi4: 8 })];
    const before = stateOf(input({ occurrences }), 'measure_below_cutoff', A);
    // A session completed after the fact puts the same score in another window: still one condition.
    const after = stateOf(input({ occurrences, sessions: [session(2), session(5)] }), 'measure_below_cutoff', A);
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ holds: true, detail: { measure: 'csi4', value: 8, cutoff: 13.5 } });
  });

  it('resolves partners diverging when the current window has closed the gap, with the reason', () => {
    const occurrences = [
      occ(A, 1, { trust: 9 }),
      occ(B, 1, { trust: 4 }),
      occ(A, 8, { trust: 6 }),
      occ(B, 8, { trust: 6 }),
    ];
    const i = input({ occurrences, sessions: [session(5)] });
    expect(detectAlerts(i, computeWindows(i)).filter((a) => a.kind === 'partners_diverging')).toHaveLength(1);
    expect(stateOf(i, 'partners_diverging', null)).toEqual([
      {
        kind: 'partners_diverging',
        partnerId: null,
        holds: false,
        reason: "In the current window the partners' trust means are 0 apart (below 3)",
      },
    ]);
  });

  it('leaves a trust drop unknown in a fresh window with no reading yet', () => {
    const occurrences = [occ(A, 1, { trust: 9 }), occ(A, 8, { trust: 5 })];
    expect(stateOf(input({ occurrences, sessions: [session(5)] }), 'trust_drop', A)[0]).toMatchObject({
      holds: true,
      detail: { previousMean: 9, mean: 5, drop: 4 },
    });
    expect(stateOf(input({ occurrences, sessions: [session(5), session(10)] }), 'trust_drop', A)[0]).toEqual({
      kind: 'trust_drop',
      partnerId: A,
      holds: null,
    });
  });

  it('holds a missed streak while it runs and resolves it at the next check-in', () => {
    const missed = [occ(A, 1, 'none'), occ(A, 2, 'none'), occ(A, 3, 'none')];
    expect(stateOf(input({ occurrences: missed, now: day(10) }), 'missed_streak', A)[0]).toMatchObject({
      holds: true,
      detail: { missedInARow: 3 },
    });
    const broken = stateOf(
      input({ occurrences: [...missed, occ(A, 4, { trust: 6 })], now: day(10) }),
      'missed_streak',
      A,
    );
    expect(broken[0]).toMatchObject({ holds: false });
  });

  it("follows a partner's latest safety answer against the clinic's threshold", () => {
    const pulse = (dueDay: number, safety: number): OccurrenceFact => {
      const o = occ(A, dueDay, { trust: 6 });
      return { ...o, checkIn: { ...o.checkIn!, score: { kind: 'trust_pulse', value: 6, safety } } };
    };
    expect(stateOf(input({ occurrences: [pulse(1, 2)] }), 'safety_concern', A)[0]).toMatchObject({
      holds: true,
      severity: 'high',
      detail: { safety: 2, threshold: 2 },
    });
    expect(stateOf(input({ occurrences: [pulse(1, 3)] }), 'safety_concern', A)[0]).toMatchObject({ holds: false });
    expect(stateOf(input({ occurrences: [pulse(1, 3)], safetyThreshold: 3 }), 'safety_concern', A)[0]).toMatchObject({
      holds: true,
    });
    expect(stateOf(input({ occurrences: [pulse(1, 0), pulse(2, 7)] }), 'safety_concern', A)[0]).toEqual({
      kind: 'safety_concern',
      partnerId: A,
      holds: false,
      reason: "The latest safety answer (7 of 10) is above the clinic's threshold (2)",
    });
    expect(stateOf(input({ occurrences: [occ(A, 1, { trust: 6 })] }), 'safety_concern', A)[0]).toMatchObject({
      holds: null,
    });
  });
});

describe('the safety concern from both kinds of evidence', () => {
  const at = (n: number) => day(n);

  it('holds while the latest safety check indicated danger, whatever the pulse says', () => {
    const condition = safetyCondition(
      A,
      { pulse: { value: 9, atMs: at(2).getTime() }, screen: { signs: 1, isConcern: true, atMs: at(1).getTime() } },
      2,
      at(0),
    );
    expect(condition).toMatchObject({
      holds: true,
      severity: 'high',
      detail: { source: 'safety_check', signs: 1, answeredAt: at(1).toISOString() },
    });
  });

  it('holds on a low pulse alone, as before', () => {
    expect(safetyCondition(A, { pulse: { value: 2, atMs: at(1).getTime() }, screen: null }, 2, at(0))).toMatchObject({
      holds: true,
      detail: { safety: 2, threshold: 2 },
    });
  });

  it('resolves only when the pulse is above the threshold and the latest check indicated no danger', () => {
    expect(
      safetyCondition(
        A,
        { pulse: { value: 5, atMs: at(1).getTime() }, screen: { signs: 0, isConcern: false, atMs: at(2).getTime() } },
        2,
        at(0),
      ),
    ).toEqual({
      kind: 'safety_concern',
      partnerId: A,
      holds: false,
      reason:
        "The latest safety answer (5 of 10) is above the clinic's threshold (2), and the latest safety check indicated no danger",
    });
    expect(safetyCondition(A, { pulse: null, screen: null }, 2, at(0))).toEqual({
      kind: 'safety_concern',
      partnerId: A,
      holds: null,
    });
  });
});

describe('whether the stored alerts already follow the conditions', () => {
  const drop = {
    kind: 'trust_drop' as const,
    partnerId: A,
    holds: true as const,
    severity: 'normal' as const,
    windowStart: day(7),
    detail: { previousMean: 7.5, mean: 5, drop: 2.5 },
  };
  const stored = (over: Partial<{ kind: string; partner_id: string | null; status: string; detail: unknown }>) => ({
    kind: 'trust_drop',
    partner_id: A,
    status: 'open',
    // jsonb answers keys in its own order
    detail: { drop: 2.5, mean: 5, previousMean: 7.5 },
    ...over,
  });

  it('follows when a holding condition has its alert with the same figures, whatever the key order', () => {
    expect(alertsFollow([drop], [stored({})])).toBe(true);
    expect(alertsFollow([drop], [stored({ status: 'acknowledged' })])).toBe(true);
  });

  it('does not when the alert is missing, only resolved, or its figures changed', () => {
    expect(alertsFollow([drop], [])).toBe(false);
    expect(alertsFollow([drop], [stored({ status: 'resolved' })])).toBe(false);
    expect(alertsFollow([drop], [stored({ partner_id: B })])).toBe(false);
    expect(alertsFollow([drop], [stored({ detail: { drop: 3, mean: 4.5, previousMean: 7.5 } })])).toBe(false);
  });

  it('does not when a condition that no longer holds still has an alert not resolved', () => {
    const gone = { kind: 'trust_drop' as const, partnerId: A, holds: false as const, reason: 'within 2' };
    expect(alertsFollow([gone], [stored({})])).toBe(false);
    expect(alertsFollow([gone], [stored({ status: 'resolved' })])).toBe(true);
    expect(alertsFollow([{ kind: 'trust_drop', partnerId: A, holds: null }], [stored({})])).toBe(true);
  });
});
