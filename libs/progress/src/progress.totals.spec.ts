import {
  alertConditions,
  combineAllEvidence,
  combineEvidence,
  computeWindows,
  conditionsFrom,
  cutWindows,
  evidenceOf,
  windowLocator,
  windowTotals,
  type OccurrenceFact,
  type ProgressInput,
  type SessionFact,
} from './progress.compute.js';

/**
 * Kept windows (issue 17) rest on one property: the evidence the alert rules read, gathered
 * window by window and combined in order, equals the evidence of every occurrence read at once.
 * Checked over random histories: joint and individual occurrences, misses, runs across windows,
 * several measure kinds, safety answers submitted out of order, ties in due and submission times.
 */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12);
const A = 'a0000000-0000-7000-8000-000000000001';
const B = 'b0000000-0000-7000-8000-000000000002';

function history(seed: number): ProgressInput {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const now = new Date(T0 + 60 * DAY);
  const occurrences: OccurrenceFact[] = [];
  for (let i = 0; i < 160; i++) {
    const due = T0 + Math.floor(rand() * 62) * DAY + (rand() < 0.3 ? 0 : Math.floor(rand() * 20) * 3_600_000);
    const owner = rand() < 0.15 ? null : rand() < 0.5 ? A : B;
    const done = due <= now.getTime() ? rand() < 0.7 : rand() < 0.2;
    const kind = rand() < 0.7 ? 'trust_pulse' : rand() < 0.5 ? 'csi4' : 'das4';
    occurrences.push({
      id: `o${String(i).padStart(3, '0')}`,
      partnerId: owner,
      dueAt: new Date(due),
      closesAt: new Date(due + DAY),
      checkIn: done
        ? {
            authorId: owner ?? (rand() < 0.5 ? A : B),
            submittedAt: new Date(due + Math.floor(rand() * 3) * 3_600_000 - (rand() < 0.2 ? 10 * DAY : 0)),
            score: {
              kind,
              value: Math.floor(rand() * 21),
              ...(rand() < 0.3 ? { safety: Math.floor(rand() * 11) } : {}),
            } as never,
          }
        : null,
    });
  }
  occurrences.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id.localeCompare(b.id));
  const sessions: SessionFact[] = [];
  for (let d = 5; d < 62; d += 3 + Math.floor(rand() * 8))
    sessions.push({
      id: `s${d}`,
      startsAt: new Date(T0 + d * DAY),
      endsAt: new Date(T0 + d * DAY + 3_600_000),
      status: rand() < 0.8 ? 'completed' : 'cancelled',
    });
  return { now, coupleCreatedAt: new Date(T0), partnerIds: [A, B], sessions, occurrences };
}

describe('window tallies', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    'combines window by window into the evidence and conditions of the whole history (history %i)',
    (seed) => {
      const input = history(seed);
      const windows = cutWindows(input);
      expect(windows.length).toBeGreaterThan(3);
      const totals = windowTotals(input, windows);
      const combined = totals.map((t) => t.evidence).reduce((a, b) => combineEvidence(a, b));
      expect(combined).toEqual(evidenceOf(input.occurrences, input.partnerIds, input.now));
      expect(combineAllEvidence(totals.map((t) => t.evidence))).toEqual(combined);
      // Windows kept before there was a safety check carry no screen.
      const older = totals.map(({ evidence }, i) =>
        i % 2 === 1 ? evidence : { ...evidence, partners: evidence.partners.map(({ screen: _, ...p }) => p) },
      );
      expect(combineAllEvidence(older)).toEqual(older.reduce((a, b) => combineEvidence(a, b)));
      const progress = computeWindows(input, windows);
      expect(conditionsFrom(input, progress, combined)).toEqual(alertConditions(input, progress));
      // Kept tallies of a prefix plus fresh tallies of the rest equal the tallies of everything.
      const locate = windowLocator(windows);
      const k = Math.floor(windows.length / 2);
      const rest = { ...input, occurrences: input.occurrences.filter((o) => locate(o.dueAt) >= k) };
      expect([...totals.slice(0, k), ...windowTotals(rest, windows, k)]).toEqual(totals);
    },
  );
});
