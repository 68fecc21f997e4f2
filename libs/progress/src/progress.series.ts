import { DateTime } from 'luxon';

import { isoDate, isValidZone, localDayNumber, localDaysBetween } from './local-days.js';
import type { ProgressInput } from './progress.compute.js';

/**
 * Readings per local day in the reader's zone, the one shape both charts draw (the SVG and the
 * web app's): every day of the range once (so axis labels cannot repeat), a partner's value on
 * the day its occurrence was due, null on a day without one (a gap, never a line bridging it).
 * A day is the reader's: a New York partner's 20:00 pulse is drawn on that evening's date for a
 * New York therapist, not on the next UTC day.
 */
export interface DailyValues {
  partnerId: string;
  /** Aligned with `days`; null: no reading that day. */
  values: Array<number | null>;
}

export interface DailySeries {
  timezone: string;
  /** Consecutive local dates (YYYY-MM-DD), oldest first, each once. */
  days: string[];
  /** Trust pulse (0–10): the mean of the day's readings. */
  trust: DailyValues[];
  /** CSI-4 (0–21): the day's latest score. */
  csi4: DailyValues[];
}

/** A safe zone: an unknown name falls back to UTC rather than failing the read. */
export function readerZone(...candidates: Array<string | null | undefined>): string {
  for (const zone of candidates) if (zone && isValidZone(zone)) return zone;
  return 'UTC';
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDay(at: Date, zone: string): string {
  return isoDate(localDayNumber(zone, at.getTime()));
}

/** Every local date from `from`'s to `to`'s, inclusive. */
export function daysBetween(from: Date, to: Date, zone: string): string[] {
  return localDaysBetween(zone, from.getTime(), to.getTime()).days.map(isoDate);
}

export function dailySeries(input: ProgressInput, zone: string, from: Date, to: Date): DailySeries {
  // Each day's first instant in the zone, once per day (and the next day's, where the last one
  // ends): placing a reading is then a binary search instead of a zone conversion per occurrence.
  const local = localDaysBetween(zone, from.getTime(), to.getTime());
  const days = local.days.map(isoDate);
  const { starts } = local;
  const dayIndexOf = (at: Date): number | undefined => {
    const t = at.getTime();
    if (days.length === 0 || t < starts[0] || t >= starts[days.length]) return undefined;
    let lo = 0;
    let hi = days.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const sums = new Map(input.partnerIds.map((id) => [id, days.map(() => ({ sum: 0, n: 0 }))]));
  const csi = new Map(input.partnerIds.map((id) => [id, days.map((): { value: number; at: number } | null => null)]));
  for (const occurrence of input.occurrences) {
    const checkIn = occurrence.checkIn;
    const score = checkIn?.score;
    if (!checkIn || !score || typeof score.value !== 'number' || !Number.isFinite(score.value)) continue;
    const i = dayIndexOf(occurrence.dueAt);
    if (i === undefined) continue;
    if (score.kind === 'trust_pulse') {
      const slot = sums.get(checkIn.authorId)?.[i];
      if (slot) {
        slot.sum += score.value;
        slot.n += 1;
      }
    } else if (score.kind === 'csi4') {
      const row = csi.get(checkIn.authorId);
      const at = checkIn.submittedAt.getTime();
      if (row && (row[i] === null || row[i]!.at <= at)) row[i] = { value: score.value, at };
    }
  }
  return {
    timezone: zone,
    days,
    trust: input.partnerIds.map((partnerId) => ({
      partnerId,
      values: sums.get(partnerId)!.map((s) => (s.n === 0 ? null : Math.round((s.sum / s.n) * 100) / 100)),
    })),
    csi4: input.partnerIds.map((partnerId) => ({
      partnerId,
      values: csi.get(partnerId)!.map((s) => (s === null ? null : s.value)),
    })),
  };
}

/** Runs of consecutive non-null values: the pieces a line is drawn through (nulls are gaps). */
export function segments(values: Array<number | null>): Array<Array<{ index: number; value: number }>> {
  const out: Array<Array<{ index: number; value: number }>> = [];
  let run: Array<{ index: number; value: number }> = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (run.length > 0) out.push(run);
      run = [];
    } else run.push({ index, value });
  });
  if (run.length > 0) out.push(run);
  return out;
}

/**
 * Which days get an axis label: evenly spaced whole days, at most `max`, each day at most once,
 * so a new couple's single day is one label (not the same date five times).
 */
export function tickDays(dayCount: number, max = 7): number[] {
  if (dayCount <= 0) return [];
  const step = Math.max(1, Math.ceil(dayCount / max));
  const ticks: number[] = [];
  for (let i = 0; i < dayCount; i += step) ticks.push(i);
  return ticks;
}

/** "Dec 6" — with the year when the range spans more than one year, so labels stay distinct. */
export function dayLabel(day: string, days: string[]): string {
  const spansYears = days.length > 0 && days[0].slice(0, 4) !== days[days.length - 1].slice(0, 4);
  return DateTime.fromISO(day, { zone: 'UTC' }).toFormat(spansYears ? 'LLL d, yyyy' : 'LLL d', { locale: 'en-US' });
}
