import {
  CSI4_CUTOFF,
  isSettled,
  round2,
  windowLocator,
  type ProgressInput,
  type WindowProgress,
} from './progress.compute.js';

/**
 * Reliable change per partner and measure (Jacobson & Truax, 1991): a change counts only when it
 * is larger than what measurement error alone would produce 95% of the time.
 *
 *   RCI = (x2 − x1) / S_diff,   S_diff = √2 · SE,   SE = SD · √(1 − r)
 *
 * |RCI| > 1.96 is a reliable change. "Recovered" also needs the score to cross the clinical
 * cut-off, from the distressed side to the other (Jacobson & Truax's criterion c).
 */

/** Critical value of a two-sided 95% test. */
export const RCI_CRITICAL = 1.96;

/**
 * CSI-4 figures, and where each comes from.
 *
 * Cited: Funk, J. L., & Rogge, R. D. (2007). Testing the ruler with item response theory:
 * Increasing precision of measurement for relationship satisfaction with the Couples
 * Satisfaction Index. Journal of Family Psychology, 21(4), 572–583. doi:10.1037/0893-3200.21.4.572
 * - reliability r = .94: the CSI-4's internal consistency (Cronbach's α) as the paper is cited for
 *   it (issue 13, the product brief);
 * - cut-off 13.5: totals below it indicate notable relationship dissatisfaction (same citation).
 * Neither figure was re-read in the paper itself: the copies reachable while checking (December
 * 2026, through the reference search) show only its title page and abstract, which give the
 * sample (5,315 online participants) but no CSI-4 statistics.
 *
 * Assumed, not from a source: SD = 4.5 points, the spread of CSI-4 totals (0–21) between people.
 * No SD for the CSI-4 could be found in any reachable source, so it is a stated assumption, kept
 * in this one constant so it can be replaced by the paper's figure (or a clinic's own sample)
 * without touching anything else. Its weight: the reliable-change threshold is
 * 1.96 · √2 · SD · √(1 − r) = 0.679 · SD points, so 3.06 points at SD 4.5 (2.38 at SD 3.5, 3.73 at
 * SD 5.5). Worked through:
 *   SE = 4.5 · √(1 − .94) = 4.5 · 0.244949 = 1.102270
 *   S_diff = √2 · 1.102270 = 1.558846 → a reliable change is ≥ 1.96 · 1.558846 = 3.06 points.
 * Jacobson & Truax (1991) use a test-retest reliability; α stands in for it, as is common when
 * none is published for the measure.
 */
export const CSI4_NORMS = { sd: 4.5, reliability: 0.94, cutoff: CSI4_CUTOFF } as const;

/**
 * The trust pulse has no published norms: its band comes from the partner's own first window
 * (self-referenced). The first window's mean is the baseline; its standard error is SD/√n, with
 * SD floored at one point (the scale's step) so a flat first week does not make every wobble
 * "reliable".
 */
export const TRUST_SD_FLOOR = 1;
/** A self-referenced baseline needs at least this many readings in the first window. */
export const TRUST_MIN_BASELINE_READINGS = 2;

export type ReliableChangeClass = 'recovered' | 'improved' | 'unchanged' | 'deteriorated';
export type ReliableChangeReference = 'published_norms' | 'self_referenced';

export interface ReliableChange {
  partnerId: string;
  measure: 'csi4' | 'trust_pulse';
  reference: ReliableChangeReference;
  /** What the band is built from, in words (shown next to the class). */
  basis: string;
  baseline: number;
  baselineAt: Date;
  /** null until there is a later score than the baseline. */
  latest: number | null;
  latestAt: Date | null;
  change: number | null;
  /** S_diff: the standard error of a difference between two scores. */
  sDiff: number;
  rci: number | null;
  /** Scores inside this band are no reliable change from the baseline. */
  band: { low: number; high: number };
  cutoff: number | null;
  /** null until there is a later score than the baseline. */
  classification: ReliableChangeClass | null;
}

/** S_diff from a measure's SD and reliability: √2 · SD · √(1 − r). */
export function sDiffOf(sd: number, reliability: number): number {
  return Math.SQRT2 * sd * Math.sqrt(1 - reliability);
}

/**
 * The class of a change from x1 to x2 (higher is better, as for the CSI-4 and the trust pulse).
 * Recovered: reliably improved AND moved from below the cut-off to at or above it.
 */
export function classify(
  x1: number,
  x2: number,
  sDiff: number,
  cutoff: number | null,
): { rci: number; class: ReliableChangeClass } {
  const rci = (x2 - x1) / sDiff;
  if (rci > RCI_CRITICAL) {
    const crossed = cutoff !== null && x1 < cutoff && x2 >= cutoff;
    return { rci, class: crossed ? 'recovered' : 'improved' };
  }
  if (rci < -RCI_CRITICAL) return { rci, class: 'deteriorated' };
  return { rci, class: 'unchanged' };
}

function result(
  base: Omit<ReliableChange, 'latest' | 'latestAt' | 'change' | 'rci' | 'classification' | 'band'>,
  latest: { value: number; at: Date } | null,
): ReliableChange {
  const half = RCI_CRITICAL * base.sDiff;
  const band = { low: round2(base.baseline - half), high: round2(base.baseline + half) };
  if (!latest) return { ...base, band, latest: null, latestAt: null, change: null, rci: null, classification: null };
  const judged = classify(base.baseline, latest.value, base.sDiff, base.cutoff);
  return {
    ...base,
    band,
    latest: latest.value,
    latestAt: latest.at,
    change: round2(latest.value - base.baseline),
    rci: round2(judged.rci),
    classification: judged.class,
  };
}

/**
 * Per partner: the CSI-4 from its first to its latest score (published norms), and the trust
 * pulse from the first window's mean to the latest later window's mean (self-referenced).
 * `trustFirstWindow` holds each partner's first-window readings (the mean alone is not enough:
 * the band needs their spread).
 */
export function reliableChanges(
  partnerIds: string[],
  windows: WindowProgress[],
  trustFirstWindow: Record<string, number[]>,
): ReliableChange[] {
  const out: ReliableChange[] = [];
  const csiDiff = sDiffOf(CSI4_NORMS.sd, CSI4_NORMS.reliability);
  for (const partnerId of partnerIds) {
    const scores = windows
      .flatMap((w) => w.partners.find((p) => p.partnerId === partnerId)?.measures ?? [])
      .filter((m) => m.kind === 'csi4')
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    if (scores.length > 0) {
      const [first, last] = [scores[0], scores[scores.length - 1]];
      out.push(
        result(
          {
            partnerId,
            measure: 'csi4',
            reference: 'published_norms',
            basis: `Published norms: reliability ${CSI4_NORMS.reliability} and cut-off ${CSI4_NORMS.cutoff} as cited from Funk & Rogge (2007); SD ${CSI4_NORMS.sd} assumed (not from a source); recovered = reliably improved and at or above ${CSI4_NORMS.cutoff}`,
            baseline: first.value,
            baselineAt: first.dueAt,
            sDiff: csiDiff,
            cutoff: CSI4_NORMS.cutoff,
          },
          scores.length > 1 ? { value: last.value, at: last.dueAt } : null,
        ),
      );
    }

    const readings = trustFirstWindow[partnerId] ?? [];
    if (readings.length < TRUST_MIN_BASELINE_READINGS || windows.length === 0) continue;
    const n = readings.length;
    const mean = readings.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(readings.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    const trustDiff = Math.SQRT2 * (Math.max(sd, TRUST_SD_FLOOR) / Math.sqrt(n));
    let latest: { value: number; at: Date } | null = null;
    for (let i = windows.length - 1; i >= 1 && latest === null; i--) {
      const mine = windows[i].partners.find((p) => p.partnerId === partnerId);
      if (mine?.trustMean !== null && mine?.trustMean !== undefined)
        latest = { value: round2(mine.trustMean), at: windows[i].end };
    }
    out.push(
      result(
        {
          partnerId,
          measure: 'trust_pulse',
          reference: 'self_referenced',
          basis: `Self-referenced: the partner's own first window (${n} readings, mean ${round2(mean)}, SD ${round2(sd)}), no published norms`,
          baseline: round2(mean),
          baselineAt: windows[0].end,
          // Unrounded for the judgement below, rounded in the view.
          sDiff: trustDiff,
          cutoff: null,
        },
        latest,
      ),
    );
  }
  return out.map((r) => ({ ...r, sDiff: round2(r.sDiff) }));
}

/** reliableChanges from a progress input: each partner's trust readings due in the first window. */
export function reliableChangesOf(input: ProgressInput, windows: WindowProgress[]): ReliableChange[] {
  const locate = windowLocator(windows);
  const first: Record<string, number[]> = Object.fromEntries(input.partnerIds.map((id) => [id, [] as number[]]));
  for (const occurrence of input.occurrences) {
    const score = occurrence.checkIn?.score;
    if (!score || score.kind !== 'trust_pulse' || typeof score.value !== 'number') continue;
    if (!isSettled(occurrence, input.now) || locate(occurrence.dueAt) !== 0) continue;
    first[occurrence.checkIn!.authorId]?.push(score.value);
  }
  return reliableChanges(input.partnerIds, windows, first);
}
