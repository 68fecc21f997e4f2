import type { Score } from '@mend/exercises';

/**
 * Progress as pure functions of a couple's sessions, occurrences and check-in scores, so the
 * window cutting and every alert rule can be tested without a database.
 *
 * Windows: completed sessions cut time. Window i runs from the previous completed session's end
 * (exclusive) to this completed session's end (inclusive); the first window starts at the earlier
 * of the couple's creation and its first occurrence (inclusive); the last, current window runs
 * from the last completed session's end to now. Scheduled, cancelled and no-show sessions do not
 * cut. Everything is placed in a window by the occurrence's due time (what period it was about),
 * not by when the check-in arrived, so a late check-in still counts for its own period.
 */

export const TRUST_DROP_THRESHOLD = 2;
export const MISSED_STREAK_THRESHOLD = 3;
export const PARTNER_GAP_THRESHOLD = 3;
/** CSI-4 distress cut-off (Funk & Rogge, 2007), used when a stored score carries none. */
export const CSI4_CUTOFF = 13.5;
/** Means of 0–10 readings are compared with a tolerance, so a drop of exactly 2 is a drop of 2. */
const EPSILON = 1e-9;

export type SessionStatus = 'scheduled' | 'completed' | 'cancelled' | 'no_show';
export type AlertKind =
  'trust_drop' | 'missed_streak' | 'partners_diverging' | 'measure_below_cutoff' | 'safety_concern';
export type AlertSeverity = 'normal' | 'high';

/** The clinic's default safety threshold: a safety answer at or below it (of 10) is a concern. */
export const DEFAULT_SAFETY_THRESHOLD = 2;

export interface SessionFact {
  id: string;
  startsAt: Date;
  endsAt: Date;
  status: SessionStatus;
}

export interface CheckInFact {
  authorId: string;
  submittedAt: Date;
  score: Score | null;
}

export interface OccurrenceFact {
  id: string;
  /** null: a joint occurrence (one check-in for the couple). */
  partnerId: string | null;
  dueAt: Date;
  closesAt: Date;
  checkIn: CheckInFact | null;
}

export interface ProgressInput {
  now: Date;
  coupleCreatedAt: Date;
  /** Partner user ids in position order. */
  partnerIds: string[];
  sessions: SessionFact[];
  occurrences: OccurrenceFact[];
  /** A safety answer at or below this (0–10) is a concern; the clinic's setting. */
  safetyThreshold?: number;
}

export interface ProgressWindow {
  index: number;
  start: Date;
  end: Date;
  /** The window since the last completed session, still running. */
  isCurrent: boolean;
  /** The completed session that closed this window (null for the current one). */
  closedBySessionId: string | null;
}

export interface CompletionStats {
  /**
   * Occurrences of the window that are due by now or already done. A due occurrence still open
   * counts from its due time on, so completion reads from the first day (it used to wait for the
   * occurrence to close, leaving day one's completion null).
   */
  expected: number;
  /** Of those, the ones with a check-in. */
  completed: number;
  /** Closed without a check-in. */
  missed: number;
  /** Due, still open and not checked in yet (expected − completed − missed). */
  pending: number;
  /** completed / expected; null when nothing was expected. */
  completionRate: number | null;
}

export interface MeasureScore {
  occurrenceId: string;
  kind: string;
  value: number;
  cutoff: number | null;
  isBelowCutoff: boolean;
  dueAt: Date;
}

export interface PartnerWindowProgress extends CompletionStats {
  partnerId: string;
  trustReadings: number;
  trustMean: number | null;
  /** This window's mean minus the previous window's (null unless both exist). */
  trustChange: number | null;
  measures: MeasureScore[];
}

export interface WindowProgress extends ProgressWindow {
  partners: PartnerWindowProgress[];
  /** Joint occurrences (one check-in for the couple). */
  joint: CompletionStats;
  /** |difference| between the two partners' trust means; null unless both have one. */
  trustGap: number | null;
}

export interface AlertCandidate {
  kind: AlertKind;
  /** null for couple-level alerts (partners diverging, joint missed streaks). */
  partnerId: string | null;
  /** Start of the window the alert belongs to: with kind and partner, the alert's identity. */
  windowStart: Date;
  detail: Record<string, number | string | null>;
}

export interface TrustPoint {
  at: Date;
  value: number;
}

/**
 * Whether one alert condition (kind + partner) holds now. `holds: null` means there is no
 * evidence either way yet (e.g. no trust reading in a fresh window): a stored alert stays as it is.
 */
export type AlertCondition =
  | (AlertCandidate & { severity: AlertSeverity; holds: true })
  | { kind: AlertKind; partnerId: string | null; holds: false; reason: string }
  | { kind: AlertKind; partnerId: string | null; holds: null };

export interface ProgressComputation {
  windows: WindowProgress[];
  /** Every window's alert rule hits (history); what is stored comes from `conditions`. */
  alerts: AlertCandidate[];
  /** Each condition's state now: opens, keeps or resolves the stored alert. */
  conditions: AlertCondition[];
  /** Each partner's trust readings in due-time order (for the chart). */
  trustSeries: Record<string, TrustPoint[]>;
}

/** Cuts time into windows at completed sessions' ends. */
export function cutWindows(
  input: Pick<ProgressInput, 'now' | 'coupleCreatedAt' | 'sessions' | 'occurrences'>,
): ProgressWindow[] {
  const now = input.now.getTime();
  let start = input.coupleCreatedAt.getTime();
  for (const occurrence of input.occurrences) start = Math.min(start, occurrence.dueAt.getTime());
  start = Math.min(start, now);

  const cuts = input.sessions
    .filter((s) => s.status === 'completed')
    // A session completed while still running cuts at now, never in the future.
    .map((s) => ({ id: s.id, at: Math.min(s.endsAt.getTime(), now) }))
    .filter((cut) => cut.at > start)
    .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));

  const windows: ProgressWindow[] = [];
  let from = start;
  for (const cut of cuts) {
    if (cut.at === from && windows.length > 0) continue; // two sessions ending together cut once
    windows.push({
      index: windows.length,
      start: new Date(from),
      end: new Date(cut.at),
      isCurrent: false,
      closedBySessionId: cut.id,
    });
    from = cut.at;
  }
  windows.push({
    index: windows.length,
    start: new Date(from),
    end: new Date(now),
    isCurrent: true,
    closedBySessionId: null,
  });
  return windows;
}

/**
 * The window an instant belongs to: (start, end], the first window also including its start and
 * the current window open-ended (an early check-in for a later occurrence counts now).
 */
export function windowIndexOf(windows: ProgressWindow[], at: Date): number {
  const t = at.getTime();
  for (const w of windows) {
    const afterStart = w.index === 0 ? t >= w.start.getTime() : t > w.start.getTime();
    const beforeEnd = w.isCurrent || t <= w.end.getTime();
    if (afterStart && beforeEnd) return w.index;
  }
  return -1;
}

/**
 * windowIndexOf as a lookup for many instants. Windows made by cutWindows are ordered and
 * contiguous (each starts where the previous ends), so they partition time from the first start
 * on and a binary search over the starts gives the same answer as the scan; any other list is
 * scanned. With two years of weekly sessions (~100 windows × ~1,500 occurrences) the scan was
 * ~7% of the API's CPU in the progress benchmark.
 */
export function windowLocator(windows: ProgressWindow[]): (at: Date) => number {
  const isContiguous = windows.every(
    (w, i) =>
      w.index === i &&
      (w.isCurrent ? i === windows.length - 1 : w.start.getTime() < w.end.getTime()) &&
      (i === 0 || w.start.getTime() === windows[i - 1].end.getTime()),
  );
  if (!isContiguous || windows.length === 0) return (at) => windowIndexOf(windows, at);
  const starts = windows.map((w) => w.start.getTime());
  return (at) => {
    const t = at.getTime();
    if (t < starts[0]) return -1;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] < t) lo = mid;
      else hi = mid - 1;
    }
    const w = windows[lo];
    return !w.isCurrent && t > w.end.getTime() ? -1 : lo;
  };
}

/** Closed (its window to check in has passed) or done (checked in): the occurrence counts. */
export function isSettled(occurrence: OccurrenceFact, now: Date): boolean {
  return occurrence.checkIn !== null || occurrence.closesAt.getTime() <= now.getTime();
}

/** Due by now, or done ahead of its due time: the occurrence counts for completion. */
export function isExpected(occurrence: OccurrenceFact, now: Date): boolean {
  return occurrence.checkIn !== null || occurrence.dueAt.getTime() <= now.getTime();
}

function completion(expected: number, completed: number, missed: number): CompletionStats {
  return {
    expected,
    completed,
    missed,
    pending: expected - completed - missed,
    completionRate: expected === 0 ? null : completed / expected,
  };
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
}

function measureOf(occurrence: OccurrenceFact): MeasureScore | null {
  const score = occurrence.checkIn?.score;
  // The safety check is no measure: its answers open a safety concern, nothing to chart.
  if (!score || score.kind === 'trust_pulse' || score.kind === 'safety_screen' || typeof score.value !== 'number')
    return null;
  const cutoff = typeof score.cutoff === 'number' ? score.cutoff : score.kind === 'csi4' ? CSI4_CUTOFF : null;
  const isBelowCutoff =
    typeof score.isBelowCutoff === 'boolean' ? score.isBelowCutoff : cutoff !== null && score.value < cutoff;
  return {
    occurrenceId: occurrence.id,
    kind: score.kind,
    value: score.value,
    cutoff,
    isBelowCutoff,
    dueAt: occurrence.dueAt,
  };
}

function trustValueOf(occurrence: OccurrenceFact): number | null {
  const score = occurrence.checkIn?.score;
  return score && score.kind === 'trust_pulse' && typeof score.value === 'number' && Number.isFinite(score.value)
    ? score.value
    : null;
}

/** One partner's raw tallies of one window: what the window's view and alerts are computed from. */
export interface PartnerTotals {
  partnerId: string;
  expected: number;
  completed: number;
  missed: number;
  /** Trust readings in occurrence order (due time, then id). */
  trust: number[];
  /** Measure scores in occurrence order. */
  measures: MeasureScore[];
}

/**
 * A window's tallies. For a closed window whose occurrences are all settled they no longer change
 * with time, so they can be kept (progress_window) and a read adds up windows instead of
 * re-reading every check-in; see windowTotals and the ProgressService.
 */
export interface WindowTotals {
  partners: PartnerTotals[];
  joint: { expected: number; completed: number; missed: number };
  evidence: AlertEvidence;
  /** Occurrences of the window not yet settled (still open, not checked in): 0 for a keepable window. */
  unsettled: number;
  /** The latest closing time (ms) of an unanswered occurrence of the window; null if none. */
  lastUnansweredCloseMs: number | null;
}

/** A run of missed occurrences, per partner or for joint occurrences (partnerId null). */
export interface StreakState {
  partnerId: string | null;
  /** Settled occurrences seen. */
  settled: number;
  /** Due time of the last checked-in one (ms), null if none. */
  lastDoneDueMs: number | null;
  /** Missed since then (or since the start). */
  runCount: number;
  runFirstDueMs: number | null;
  runLastDueMs: number | null;
}

export interface PartnerEvidence {
  partnerId: string;
  /** The latest score of each measure kind, kinds in the order first seen. */
  measures: MeasureScore[];
  /** The latest safety answer by submission time. */
  safety: { value: number; atMs: number } | null;
  /** The latest safety check by submission time (absent in windows kept before there was one). */
  screen?: { signs: number; isConcern: boolean; atMs: number } | null;
}

/**
 * What the alert conditions read beyond the windows' means: each partner's latest measure scores
 * and safety answer, and each run of missed occurrences. Evidence of consecutive stretches of
 * time combines exactly (combineEvidence), so it can be kept per window.
 */
export interface AlertEvidence {
  partners: PartnerEvidence[];
  /** The partners' runs in partner order, then the joint run if any joint occurrence settled. */
  streaks: StreakState[];
}

/** The evidence of a list of occurrences, read in the order the alert rules read them. */
export function evidenceOf(occurrences: OccurrenceFact[], partnerIds: string[], now: Date): AlertEvidence {
  const partners = new Map<
    string,
    { measures: Map<string, MeasureScore>; safety: PartnerEvidence['safety']; screen: PartnerEvidence['screen'] }
  >(partnerIds.map((id) => [id, { measures: new Map(), safety: null, screen: null }]));
  // Latest score of each measure and latest safety answer, per partner (by due time, then submission).
  const byDue = [...occurrences].sort(
    (a, b) =>
      a.dueAt.getTime() - b.dueAt.getTime() ||
      (a.checkIn?.submittedAt.getTime() ?? 0) - (b.checkIn?.submittedAt.getTime() ?? 0),
  );
  for (const occurrence of byDue) {
    const own = occurrence.checkIn ? partners.get(occurrence.checkIn.authorId) : undefined;
    if (!own) continue;
    const measure = measureOf(occurrence);
    if (measure) own.measures.set(measure.kind, measure);
    // The latest answer on safety is the one most recently given, whatever occurrence it was for.
    const score = occurrence.checkIn!.score;
    const safety = score?.safety;
    const at = occurrence.checkIn!.submittedAt.getTime();
    if (typeof safety === 'number' && (own.safety === null || at >= own.safety.atMs))
      own.safety = { value: safety, atMs: at };
    if (score?.kind === 'safety_screen' && (!own.screen || at >= own.screen.atMs))
      own.screen = { signs: score.value, isConcern: score.isSafetyConcern === true, atMs: at };
  }

  // Runs of missed occurrences, by due time then id, per partner and for joint occurrences.
  const groups = new Map<string | null, OccurrenceFact[]>(partnerIds.map((id) => [id, []]));
  for (const occurrence of occurrences) {
    if (occurrence.partnerId !== null && !partnerIds.includes(occurrence.partnerId)) continue;
    if (!isSettled(occurrence, now)) continue;
    const list = groups.get(occurrence.partnerId) ?? [];
    list.push(occurrence);
    groups.set(occurrence.partnerId, list);
  }
  const streaks: StreakState[] = [];
  for (const [partnerId, list] of groups) {
    list.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id.localeCompare(b.id));
    const state: StreakState = {
      partnerId,
      settled: list.length,
      lastDoneDueMs: null,
      runCount: 0,
      runFirstDueMs: null,
      runLastDueMs: null,
    };
    for (const occurrence of list) {
      const due = occurrence.dueAt.getTime();
      if (occurrence.checkIn)
        Object.assign(state, { lastDoneDueMs: due, runCount: 0, runFirstDueMs: null, runLastDueMs: null });
      else {
        state.runCount += 1;
        state.runFirstDueMs ??= due;
        state.runLastDueMs = due;
      }
    }
    streaks.push(state);
  }
  return {
    partners: partnerIds.map((partnerId) => ({
      partnerId,
      measures: [...partners.get(partnerId)!.measures.values()],
      safety: partners.get(partnerId)!.safety,
      screen: partners.get(partnerId)!.screen,
    })),
    streaks,
  };
}

/**
 * The evidence of a stretch of time followed by the next one (every due time of `later` after
 * every due time of `earlier`), equal to evidenceOf over both stretches' occurrences: a later
 * score of a kind replaces an earlier one, the later safety answer wins (ties to the later
 * stretch, as the rules read in order), and a run continues across unless the later stretch has
 * a check-in.
 */
export function combineEvidence(earlier: AlertEvidence, later: AlertEvidence): AlertEvidence {
  const partners = earlier.partners.map((a): PartnerEvidence => {
    const b = later.partners.find((p) => p.partnerId === a.partnerId);
    if (!b) return a;
    const measures = [...a.measures];
    for (const m of b.measures) {
      const i = measures.findIndex((x) => x.kind === m.kind);
      if (i >= 0) measures[i] = m;
      else measures.push(m);
    }
    const safety = b.safety !== null && (a.safety === null || b.safety.atMs >= a.safety.atMs) ? b.safety : a.safety;
    const [sa, sb] = [a.screen ?? null, b.screen ?? null];
    const screen = sb !== null && (sa === null || sb.atMs >= sa.atMs) ? sb : sa;
    return { partnerId: a.partnerId, measures, safety, screen };
  });
  const keys = [...earlier.streaks, ...later.streaks].map((s) => s.partnerId);
  const streaks = keys
    .filter((key, i) => keys.indexOf(key) === i)
    .sort((x, y) => (x === null ? 1 : 0) - (y === null ? 1 : 0))
    .map((key): StreakState => {
      const a = earlier.streaks.find((s) => s.partnerId === key);
      const b = later.streaks.find((s) => s.partnerId === key);
      if (!a || !b) return (a ?? b)!;
      return combineStreak(a, b);
    });
  return { partners, streaks };
}

/** A run of missed occurrences followed by the next stretch's run (see combineEvidence). */
function combineStreak(a: StreakState, b: StreakState): StreakState {
  if (b.lastDoneDueMs !== null) return { ...b, settled: a.settled + b.settled };
  return {
    partnerId: a.partnerId,
    settled: a.settled + b.settled,
    lastDoneDueMs: a.lastDoneDueMs,
    runCount: a.runCount + b.runCount,
    runFirstDueMs: a.runFirstDueMs ?? b.runFirstDueMs,
    runLastDueMs: b.runLastDueMs ?? a.runLastDueMs,
  };
}

/**
 * The evidence of consecutive stretches in time order, in one pass: equal to folding them with
 * combineEvidence (progress.totals.spec), without its intermediate evidence per window (a
 * two-year couple has ~100 windows; the fold was ~14% of what a progress read allocated).
 */
export function combineAllEvidence(list: AlertEvidence[]): AlertEvidence {
  const [first, ...rest] = list;
  const partners = first.partners.map((a): PartnerEvidence => {
    const measures = new Map(a.measures.map((m) => [m.kind, m]));
    let { safety } = a;
    let screen = a.screen ?? null;
    let isChanged = false;
    for (const evidence of rest) {
      const b = evidence.partners.find((p) => p.partnerId === a.partnerId);
      if (!b) continue;
      isChanged = true;
      for (const m of b.measures) measures.set(m.kind, m);
      if (b.safety !== null && (safety === null || b.safety.atMs >= safety.atMs)) safety = b.safety;
      const sb = b.screen ?? null;
      if (sb !== null && (screen === null || sb.atMs >= screen.atMs)) screen = sb;
    }
    return isChanged ? { partnerId: a.partnerId, measures: [...measures.values()], safety, screen } : a;
  });
  const streaks = new Map<string | null, StreakState>();
  for (const evidence of list)
    for (const b of evidence.streaks) {
      const a = streaks.get(b.partnerId);
      streaks.set(b.partnerId, a ? combineStreak(a, b) : b);
    }
  // First-seen order, the joint run (null) last, as combineEvidence orders them.
  const ordered = [...streaks.values()].sort((x, y) => (x.partnerId === null ? 1 : 0) - (y.partnerId === null ? 1 : 0));
  return { partners, streaks: ordered };
}

/**
 * Each window's tallies from the occurrences located in it, for windows[from…] (the earlier ones
 * come from kept totals). Readings belong to whoever answered (for joint occurrences, the
 * partner who checked in).
 */
export function windowTotals(input: ProgressInput, windows: ProgressWindow[], from = 0): WindowTotals[] {
  const { now, partnerIds } = input;
  const blank = (partnerId: string): PartnerTotals => ({
    partnerId,
    expected: 0,
    completed: 0,
    missed: 0,
    trust: [],
    measures: [],
  });
  const perWindow = windows.slice(from).map(() => ({
    partners: new Map(partnerIds.map((id) => [id, blank(id)])),
    joint: { expected: 0, completed: 0, missed: 0 },
    occurrences: [] as OccurrenceFact[],
    unsettled: 0,
    lastUnansweredCloseMs: null as number | null,
  }));
  const locate = windowLocator(windows);

  for (const occurrence of input.occurrences) {
    const index = locate(occurrence.dueAt) - from;
    if (index < 0) continue;
    const bucket = perWindow[index];
    bucket.occurrences.push(occurrence);
    if (!isSettled(occurrence, now)) bucket.unsettled += 1;
    if (!occurrence.checkIn)
      bucket.lastUnansweredCloseMs = Math.max(bucket.lastUnansweredCloseMs ?? -Infinity, occurrence.closesAt.getTime());
    if (!isExpected(occurrence, now)) continue;
    const owner = occurrence.partnerId === null ? bucket.joint : bucket.partners.get(occurrence.partnerId);
    if (owner) {
      owner.expected += 1;
      if (occurrence.checkIn) owner.completed += 1;
      else if (isSettled(occurrence, now)) owner.missed += 1;
    }
    const author = occurrence.checkIn ? bucket.partners.get(occurrence.checkIn.authorId) : undefined;
    if (!author) continue;
    const trust = trustValueOf(occurrence);
    if (trust !== null) author.trust.push(trust);
    const measure = measureOf(occurrence);
    if (measure) author.measures.push(measure);
  }
  return perWindow.map((bucket) => ({
    partners: partnerIds.map((id) => bucket.partners.get(id)!),
    joint: bucket.joint,
    evidence: evidenceOf(bucket.occurrences, partnerIds, now),
    unsettled: bucket.unsettled,
    lastUnansweredCloseMs: bucket.lastUnansweredCloseMs,
  }));
}

/** Per window and per partner, from the windows' tallies: completion, trust mean and change, measures, the partners' gap. */
export function windowsFromTotals(windows: ProgressWindow[], totals: WindowTotals[]): WindowProgress[] {
  const result: WindowProgress[] = [];
  windows.forEach((window, i) => {
    const bucket = totals[i];
    const partners = bucket.partners.map((acc, j): PartnerWindowProgress => {
      const trustMean = mean(acc.trust);
      const before = i > 0 ? result[i - 1].partners : [];
      const previous =
        (before[j]?.partnerId === acc.partnerId ? before[j] : before.find((p) => p.partnerId === acc.partnerId))
          ?.trustMean ?? null;
      // Tallies list measures in occurrence order, so they are nearly always in due order already.
      const isInOrder = acc.measures.every((m, k, all) => k === 0 || all[k - 1].dueAt.getTime() <= m.dueAt.getTime());
      return {
        partnerId: acc.partnerId,
        expected: acc.expected,
        completed: acc.completed,
        missed: acc.missed,
        pending: acc.expected - acc.completed - acc.missed,
        completionRate: acc.expected === 0 ? null : acc.completed / acc.expected,
        trustReadings: acc.trust.length,
        trustMean,
        trustChange: trustMean !== null && previous !== null ? trustMean - previous : null,
        measures: isInOrder ? acc.measures : [...acc.measures].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()),
      };
    });
    const means = partners.map((p) => p.trustMean);
    const trustGap =
      means.length === 2 && means[0] !== null && means[1] !== null ? Math.abs(means[0] - means[1]) : null;
    result.push({
      ...window,
      partners,
      joint: completion(bucket.joint.expected, bucket.joint.completed, bucket.joint.missed),
      trustGap,
    });
  });
  return result;
}

/** Per window and per partner: completion, trust mean and change, measures, and the partners' gap. */
export function computeWindows(input: ProgressInput, windows: ProgressWindow[] = cutWindows(input)): WindowProgress[] {
  return windowsFromTotals(windows, windowTotals(input, windows));
}

/**
 * The four alert rules. Each alert's identity is (kind, partner, window start), so recomputing
 * the same history yields the same alerts and storing them is idempotent.
 */
export function detectAlerts(input: ProgressInput, windows: WindowProgress[]): AlertCandidate[] {
  const alerts: AlertCandidate[] = [];

  // Trust dropped by 2 points or more from the previous window (per partner).
  for (let i = 1; i < windows.length; i++) {
    for (const partner of windows[i].partners) {
      const previous = windows[i - 1].partners.find((p) => p.partnerId === partner.partnerId)?.trustMean ?? null;
      if (previous === null || partner.trustMean === null) continue;
      const drop = previous - partner.trustMean;
      if (drop >= TRUST_DROP_THRESHOLD - EPSILON) {
        alerts.push({
          kind: 'trust_drop',
          partnerId: partner.partnerId,
          windowStart: windows[i].start,
          detail: { previousMean: round2(previous), mean: round2(partner.trustMean), drop: round2(drop) },
        });
      }
    }
  }

  // Partners' trust means 3 points apart or more in a window (couple-level).
  for (const window of windows) {
    if (window.trustGap === null || window.trustGap < PARTNER_GAP_THRESHOLD - EPSILON) continue;
    const [a, b] = window.partners;
    alerts.push({
      kind: 'partners_diverging',
      partnerId: null,
      windowStart: window.start,
      detail: {
        gap: round2(window.trustGap),
        lowerPartnerId: (a.trustMean ?? 0) <= (b.trustMean ?? 0) ? a.partnerId : b.partnerId,
      },
    });
  }

  // A measure below its cut-off (per partner, one per window: the lowest score is kept).
  for (const window of windows) {
    for (const partner of window.partners) {
      const below = partner.measures.filter((m) => m.isBelowCutoff);
      if (below.length === 0) continue;
      const lowest = below.reduce((min, m) => (m.value < min.value ? m : min));
      alerts.push({
        kind: 'measure_below_cutoff',
        partnerId: partner.partnerId,
        windowStart: window.start,
        detail: { measure: lowest.kind, value: lowest.value, cutoff: lowest.cutoff },
      });
    }
  }

  alerts.push(...detectMissedStreaks(input, windows));
  return alerts;
}

/**
 * Three or more missed occurrences in a row, by due time, per partner (and for the couple's
 * joint occurrences). A check-in breaks the streak; occurrences still open neither count nor
 * break it. The alert belongs to the window where the streak reached the threshold, so a streak
 * running on across windows stays one alert.
 */
export function detectMissedStreaks(input: ProgressInput, windows: ProgressWindow[]): AlertCandidate[] {
  const groups = new Map<string | null, OccurrenceFact[]>();
  for (const occurrence of input.occurrences) {
    if (occurrence.partnerId !== null && !input.partnerIds.includes(occurrence.partnerId)) continue;
    if (!isSettled(occurrence, input.now)) continue;
    const list = groups.get(occurrence.partnerId) ?? [];
    list.push(occurrence);
    groups.set(occurrence.partnerId, list);
  }

  const alerts: AlertCandidate[] = [];
  const locate = windowLocator(windows);
  for (const [partnerId, occurrences] of groups) {
    occurrences.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id.localeCompare(b.id));
    let run: OccurrenceFact[] = [];
    const seenWindows = new Set<number>();
    for (const occurrence of occurrences) {
      if (occurrence.checkIn) {
        run = [];
        continue;
      }
      run.push(occurrence);
      if (run.length !== MISSED_STREAK_THRESHOLD) continue;
      const index = locate(occurrence.dueAt);
      if (index < 0 || seenWindows.has(index)) continue;
      seenWindows.add(index);
      alerts.push({
        kind: 'missed_streak',
        partnerId,
        windowStart: windows[index].start,
        detail: {
          missedInARow: run.length,
          firstMissedDueAt: run[0].dueAt.toISOString(),
          lastMissedDueAt: occurrence.dueAt.toISOString(),
        },
      });
    }
  }
  return alerts;
}

/** Each partner's trust readings in due-time order. */
export function trustSeriesOf(input: ProgressInput): Record<string, TrustPoint[]> {
  const series: Record<string, TrustPoint[]> = Object.fromEntries(
    input.partnerIds.map((id) => [id, [] as TrustPoint[]]),
  );
  for (const occurrence of input.occurrences) {
    const value = trustValueOf(occurrence);
    const author = occurrence.checkIn?.authorId;
    if (value === null || !author || !series[author]) continue;
    series[author].push({ at: occurrence.dueAt, value });
  }
  for (const points of Object.values(series)) points.sort((a, b) => a.at.getTime() - b.at.getTime());
  return series;
}

/**
 * The state of every alert condition now, judged on the current window (trust drop, partners
 * diverging), on the latest evidence (a measure's latest score, the latest safety answer) or on
 * the run of settled occurrences up to now (missed streak). This is what the stored alerts
 * follow: one alert per condition, opened when it holds, resolved with the reason when it no
 * longer does, so re-cut windows never open the same condition twice.
 */
export function alertConditions(input: ProgressInput, windows: WindowProgress[]): AlertCondition[] {
  return conditionsFrom(input, windows, evidenceOf(input.occurrences, input.partnerIds, input.now));
}

/** alertConditions judged on evidence gathered elsewhere (kept per window, see combineEvidence). */
export function conditionsFrom(
  input: Pick<ProgressInput, 'safetyThreshold'>,
  windows: WindowProgress[],
  evidence: AlertEvidence,
): AlertCondition[] {
  const conditions: AlertCondition[] = [];
  const current = windows[windows.length - 1];
  const windowStart = current.start;

  for (const partner of current.partners) {
    const base = { kind: 'trust_drop' as const, partnerId: partner.partnerId };
    let previous: number | null = null;
    for (let i = windows.length - 2; i >= 0 && previous === null; i--)
      previous = windows[i].partners.find((p) => p.partnerId === partner.partnerId)?.trustMean ?? null;
    if (partner.trustMean === null || previous === null) conditions.push({ ...base, holds: null });
    else if (previous - partner.trustMean >= TRUST_DROP_THRESHOLD - EPSILON)
      conditions.push({
        ...base,
        holds: true,
        severity: 'normal',
        windowStart,
        detail: {
          previousMean: round2(previous),
          mean: round2(partner.trustMean),
          drop: round2(previous - partner.trustMean),
        },
      });
    else
      conditions.push({
        ...base,
        holds: false,
        reason: `Trust in the current window averages ${round2(partner.trustMean)}, within ${TRUST_DROP_THRESHOLD} of the previous window (${round2(previous)})`,
      });
  }

  const diverging = { kind: 'partners_diverging' as const, partnerId: null };
  if (current.trustGap === null) conditions.push({ ...diverging, holds: null });
  else if (current.trustGap >= PARTNER_GAP_THRESHOLD - EPSILON) {
    const [a, b] = current.partners;
    conditions.push({
      ...diverging,
      holds: true,
      severity: 'normal',
      windowStart,
      detail: {
        gap: round2(current.trustGap),
        lowerPartnerId: (a.trustMean ?? 0) <= (b.trustMean ?? 0) ? a.partnerId : b.partnerId,
      },
    });
  } else
    conditions.push({
      ...diverging,
      holds: false,
      reason: `In the current window the partners' trust means are ${round2(current.trustGap)} apart (below ${PARTNER_GAP_THRESHOLD})`,
    });

  const threshold = input.safetyThreshold ?? DEFAULT_SAFETY_THRESHOLD;
  for (const own of evidence.partners) {
    const { partnerId, measures } = own;
    const below = measures.filter((m) => m.isBelowCutoff);
    const measureBase = { kind: 'measure_below_cutoff' as const, partnerId };
    if (measures.length === 0) conditions.push({ ...measureBase, holds: null });
    else if (below.length > 0) {
      const lowest = below.reduce((min, m) => (m.value < min.value ? m : min));
      conditions.push({
        ...measureBase,
        holds: true,
        severity: 'normal',
        windowStart,
        detail: { measure: lowest.kind, value: lowest.value, cutoff: lowest.cutoff },
      });
    } else
      conditions.push({
        ...measureBase,
        holds: false,
        reason: `The latest scores are at or above their cut-offs (${measures.map((m) => `${m.kind} ${m.value}`).join(', ')})`,
      });

    conditions.push(
      safetyCondition(partnerId, { pulse: own.safety, screen: own.screen ?? null }, threshold, windowStart),
    );
  }

  conditions.push(...missedStreakConditions(evidence.streaks, windowStart));
  return conditions;
}

/** A partner's latest evidence on safety: their latest trust-pulse safety answer and latest safety check. */
export interface SafetyEvidence {
  pulse: { value: number; atMs: number } | null;
  screen: { signs: number; isConcern: boolean; atMs: number } | null;
}

/**
 * One safety concern per partner, from both kinds of evidence: it holds while the latest safety
 * answer is at or below the threshold OR the latest safety check indicated danger. A better
 * trust pulse does not resolve what a safety check disclosed: only a later safety check that
 * indicates no danger does (with the pulse above the threshold too).
 */
export function safetyCondition(
  partnerId: string,
  evidence: SafetyEvidence,
  threshold: number,
  windowStart: Date,
): AlertCondition {
  const base = { kind: 'safety_concern' as const, partnerId };
  const { pulse, screen } = evidence;
  if (pulse === null && screen === null) return { ...base, holds: null };
  const isPulseConcern = pulse !== null && pulse.value <= threshold;
  if (screen?.isConcern)
    return {
      ...base,
      holds: true,
      severity: 'high',
      windowStart,
      detail: {
        source: 'safety_check',
        signs: screen.signs,
        answeredAt: new Date(screen.atMs).toISOString(),
        ...(isPulseConcern ? { safety: pulse.value, threshold } : {}),
      },
    };
  if (isPulseConcern)
    return {
      ...base,
      holds: true,
      severity: 'high',
      windowStart,
      detail: { safety: pulse.value, threshold, answeredAt: new Date(pulse.atMs).toISOString() },
    };
  const calmCheck = 'the latest safety check indicated no danger';
  const reason = pulse
    ? `The latest safety answer (${pulse.value} of 10) is above the clinic's threshold (${threshold})${screen ? `, and ${calmCheck}` : ''}`
    : `T${calmCheck.slice(1)}`;
  return { ...base, holds: false, reason };
}

/** The run of missed occurrences up to now, per partner and for joint occurrences. */
function missedStreakConditions(streaks: StreakState[], windowStart: Date): AlertCondition[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return streaks.map((streak): AlertCondition => {
    const base = { kind: 'missed_streak' as const, partnerId: streak.partnerId };
    if (streak.settled === 0) return { ...base, holds: null };
    if (streak.runCount >= MISSED_STREAK_THRESHOLD)
      return {
        ...base,
        holds: true,
        severity: 'normal',
        windowStart,
        detail: {
          missedInARow: streak.runCount,
          firstMissedDueAt: iso(streak.runFirstDueMs!),
          lastMissedDueAt: iso(streak.runLastDueMs!),
        },
      };
    return {
      ...base,
      holds: false,
      reason:
        streak.lastDoneDueMs !== null
          ? `A check-in for ${iso(streak.lastDoneDueMs)} ended the run of missed check-ins`
          : `Fewer than ${MISSED_STREAK_THRESHOLD} check-ins missed in a row`,
    };
  });
}

export function computeProgress(input: ProgressInput): ProgressComputation {
  const windows = computeWindows(input);
  return {
    windows,
    alerts: detectAlerts(input, windows),
    conditions: alertConditions(input, windows),
    trustSeries: trustSeriesOf(input),
  };
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A stored alert as alertsFollow compares it: its condition (kind, partner), state and detail. */
export interface StoredAlertState {
  kind: string;
  partner_id: string | null;
  status: string;
  detail: unknown;
}

/** Equal as JSON values (jsonb's key order and absent vs undefined keys aside). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
  const [x, y] = [defined(a), defined(b)];
  if (x.length !== y.length) return false;
  const other = new Map(y);
  return x.every(([k, v]) => other.has(k) && sameJson(v, other.get(k)));
}

/**
 * Whether the stored alerts already follow the conditions, so bringing them in line
 * (progressRepository.syncAlerts) would change nothing: every holding condition has its alert
 * not resolved with the same detail, and no condition that no longer holds has one. Most reads
 * find it so; they skip the two writing statements.
 */
export function alertsFollow(conditions: AlertCondition[], alerts: StoredAlertState[]): boolean {
  const openOf = (kind: string, partnerId: string | null) =>
    alerts.find((a) => a.status !== 'resolved' && a.kind === kind && a.partner_id === partnerId);
  return conditions.every((c) => {
    if (c.holds === null) return true;
    const open = openOf(c.kind, c.partnerId);
    return c.holds ? open !== undefined && sameJson(open.detail, c.detail) : open === undefined;
  });
}
