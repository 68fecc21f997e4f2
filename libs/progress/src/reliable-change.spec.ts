import { computeWindows, type OccurrenceFact, type ProgressInput } from './progress.compute.js';
import { classify, CSI4_NORMS, reliableChangesOf, sDiffOf } from './reliable-change.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12);
const day = (n: number) => new Date(T0 + n * DAY);
const A = 'a0000000-0000-7000-8000-000000000001';
const B = 'b0000000-0000-7000-8000-000000000002';

let seq = 0;
function reading(
  author: string,
  dueDay: number,
  score: { kind: 'csi4' | 'trust_pulse'; value: number },
): OccurrenceFact {
  seq += 1;
  return {
    id: `o${seq}`,
    partnerId: author,
    dueAt: day(dueDay),
    closesAt: day(dueDay + 1),
    checkIn: { authorId: author, submittedAt: day(dueDay), score },
  };
}

const csi = (author: string, dueDay: number, value: number) => reading(author, dueDay, { kind: 'csi4', value });
const pulse = (author: string, dueDay: number, value: number) =>
  reading(author, dueDay, { kind: 'trust_pulse', value });

function changes(occurrences: OccurrenceFact[], sessionDays: number[] = []) {
  const input: ProgressInput = {
    now: day(40),
    coupleCreatedAt: day(0),
    partnerIds: [A, B],
    sessions: sessionDays.map((d, i) => ({
      id: `s${i}`,
      startsAt: new Date(day(d).getTime() - 3_600_000),
      endsAt: day(d),
      status: 'completed' as const,
    })),
    occurrences,
  };
  return reliableChangesOf(input, computeWindows(input));
}

describe('reliable change (Jacobson & Truax) for the CSI-4, from published norms', () => {
  /*
   * Worked by hand with r .94 (as cited from Funk & Rogge, 2007) and the assumed SD 4.5 (see CSI4_NORMS):
   *   SE     = 4.5 · √(1 − .94) = 4.5 · √.06 = 4.5 · 0.244949 = 1.102270
   *   S_diff = √2 · SE = 1.414214 · 1.102270 = 1.558846
   *   8 → 15:  7 / 1.558846 = 4.4905 → 4.49  (> 1.96, and 8 < 13.5 ≤ 15: recovered)
   *   9 → 13:  4 / 1.558846 = 2.5660 → 2.57  (> 1.96, but 13 < 13.5: improved, not recovered)
   *  14 → 18:  4 / 1.558846 = 2.5660 → 2.57  (> 1.96, already above the cut-off: improved)
   *  10 → 13:  3 / 1.558846 = 1.9245 → 1.92  (≤ 1.96: unchanged)
   *  16 → 12: −4 / 1.558846 = −2.5660 → −2.57 (< −1.96: deteriorated)
   *   band around 10: 10 ± 1.96 · 1.558846 = 10 ± 3.0553 → [6.94, 13.06]
   */
  it('has S_diff 1.56 from SD 4.5 and reliability .94', () => {
    expect(CSI4_NORMS).toEqual({ sd: 4.5, reliability: 0.94, cutoff: 13.5 });
    expect(sDiffOf(4.5, 0.94)).toBeCloseTo(1.558846, 6);
  });

  it.each([
    [8, 15, 4.49, 'recovered'],
    [9, 13, 2.57, 'improved'],
    [14, 18, 2.57, 'improved'],
    [10, 13, 1.92, 'unchanged'],
    [16, 12, -2.57, 'deteriorated'],
  ])('classes %d → %d as RCI %d, %s', (x1, x2, rci, cls) => {
    const judged = classify(x1, x2, sDiffOf(4.5, 0.94), 13.5);
    expect(Math.round(judged.rci * 100) / 100).toBe(rci);
    expect(judged.class).toBe(cls);
  });

  it("judges each partner's first CSI-4 score against the latest, with the band and the basis", () => {
    const [alex, blake] = changes([csi(A, 1, 8), csi(A, 8, 11), csi(A, 15, 15), csi(B, 1, 10), csi(B, 15, 13)]);
    expect(alex).toMatchObject({
      partnerId: A,
      measure: 'csi4',
      reference: 'published_norms',
      baseline: 8,
      latest: 15,
      change: 7,
      sDiff: 1.56,
      rci: 4.49,
      cutoff: 13.5,
      classification: 'recovered',
    });
    expect(alex.basis).toMatch(/Funk & Rogge \(2007\)/);
    // The SD is an assumption and the basis says so, next to the cited figures.
    expect(alex.basis).toMatch(
      /reliability 0\.94 and cut-off 13\.5 as cited .*; SD 4\.5 assumed \(not from a source\)/,
    );
    expect(blake).toMatchObject({ baseline: 10, latest: 13, rci: 1.92, classification: 'unchanged' });
    expect(blake.band).toEqual({ low: 6.94, high: 13.06 });
  });

  it('has no class with a single score', () => {
    const [alex] = changes([csi(A, 1, 8)]);
    expect(alex).toMatchObject({ baseline: 8, latest: null, rci: null, classification: null });
  });
});

describe('reliable change for the trust pulse, self-referenced', () => {
  /*
   * First window (before the session on day 7): Alex 8, 8, 7, 9 → mean 8, SD √((0+0+1+1)/3) = 0.8165,
   * floored to 1 point; n = 4: SE of the mean = 1/√4 = 0.5; S_diff = √2 · 0.5 = 0.707107;
   * band 8 ± 1.96 · 0.707107 = 8 ± 1.3859 → [6.61, 9.39].
   *   latest window mean 5:  (5 − 8) / 0.707107 = −4.2426 → −4.24: deteriorated
   * Blake: 6, 7, 6, 7 → mean 6.5, SD 0.5774 → floored to 1; latest 7: 0.5 / 0.707107 = 0.71: unchanged.
   */
  it("bands from the partner's own first window and labels it self-referenced", () => {
    const occurrences = [
      ...[8, 8, 7, 9].map((v, i) => pulse(A, 1 + i, v)),
      ...[6, 7, 6, 7].map((v, i) => pulse(B, 1 + i, v)),
      ...[5, 5].map((v, i) => pulse(A, 10 + i, v)),
      pulse(B, 10, 7),
    ];
    const [alex, blake] = changes(occurrences, [7]);
    expect(alex).toMatchObject({
      measure: 'trust_pulse',
      reference: 'self_referenced',
      baseline: 8,
      latest: 5,
      change: -3,
      sDiff: 0.71,
      rci: -4.24,
      band: { low: 6.61, high: 9.39 },
      cutoff: null,
      classification: 'deteriorated',
    });
    expect(alex.basis).toMatch(/^Self-referenced: the partner's own first window \(4 readings/);
    expect(blake).toMatchObject({ baseline: 6.5, latest: 7, rci: 0.71, classification: 'unchanged' });
  });

  it('needs two first-window readings and a later window', () => {
    expect(changes([pulse(A, 1, 8)], [7])).toEqual([]);
    const [only] = changes([pulse(A, 1, 8), pulse(A, 2, 6)]);
    expect(only).toMatchObject({ reference: 'self_referenced', baseline: 7, latest: null, classification: null });
  });
});
