import type { EntityManager } from 'typeorm';

import { newId } from '@mend/core';
import { queryRows } from '@mend/database';
import type { Score } from '@mend/exercises';
import { DAY_MS, HORIZON_REFRESH_DAYS } from '@mend/homework';
import { announceEvent } from '@mend/queue';

import type {
  AlertCondition,
  AlertKind,
  AlertSeverity,
  MeasureScore,
  OccurrenceFact,
  ProgressWindow,
  SessionFact,
  SessionStatus,
  WindowTotals,
} from './progress.compute.js';

/** Open: needs a look. Acknowledged: a therapist saw it, the condition may still hold. Resolved: it no longer holds. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

const NO_PARTNER = `'00000000-0000-0000-0000-000000000000'::uuid`;

export interface AlertRow {
  id: string;
  couple_id: string;
  partner_id: string | null;
  kind: AlertKind;
  window_start: Date;
  detail: Record<string, unknown>;
  severity: AlertSeverity;
  status: AlertStatus;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_reason: string | null;
}

export interface ProgressFacts {
  createdAt: Date;
  partners: Array<{ id: string; name: string }>;
  sessions: SessionFact[];
  occurrences: OccurrenceFact[];
  /** The clinic's settings (jsonb): the safety threshold is read from them. */
  clinicSettings: unknown;
  /** The reader's zone (null without a reader), then the clinic's: the chart's days. */
  readerTimezone: string | null;
  clinicTimezone: string;
}

/** A timestamp as whole epoch milliseconds (truncated, as the driver's Date parsing does). */
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)`;
/** Epoch milliseconds back to a timestamp, exactly (to_timestamp goes through a double). */
const fromEpochMs = (column: string) => `(timestamptz 'epoch' + ${column} * interval '1 millisecond')`;

/**
 * Occurrences already due, plus any later one already checked in, each with its check-in's score.
 * Times come as whole epoch milliseconds (int8 text) instead of timestamptz: the driver's
 * timestamp parsing was ~8% of the API's CPU in the progress benchmark. The join names the couple
 * on both sides so the check-ins are read through the couple's index (one range) instead of one
 * probe per occurrence — or a scan of the clinic's check-ins (bench: 10–24 ms → 2 ms).
 */
async function occurrencesOf(
  tx: EntityManager,
  clinicId: string,
  coupleId: string,
  now: Date,
  /** Only occurrences due after this instant (the windows not kept, and the chart's days). */
  after: Date | null = null,
): Promise<OccurrenceFact[]> {
  const rows: Array<{
    id: string;
    partner_id: string | null;
    due_ms: string;
    closes_ms: string;
    author_id: string | null;
    submitted_ms: string | null;
    score: Score | null;
  }> = await tx.query(
    `SELECT o.id, o.partner_id, ${epochMs('o.due_at')}::int8 AS due_ms, ${epochMs('o.closes_at')}::int8 AS closes_ms,
              c.author_id, ${epochMs('c.submitted_at')}::int8 AS submitted_ms, c.score
         FROM occurrence o
         LEFT JOIN check_in c ON ${
           after === null
             ? 'c.clinic_id = o.clinic_id AND c.couple_id = o.couple_id AND c.occurrence_id = o.id'
             : // A few weeks of occurrences: one probe of check_in_occurrence_key each, instead of
               // the couple's whole check-in range (bench: 1,065 index rows for 88 occurrences).
               'c.clinic_id = o.clinic_id AND c.occurrence_id = o.id'
         }
        WHERE o.clinic_id = $1 AND o.couple_id = $2 AND (o.due_at <= $3 OR c.id IS NOT NULL)
          ${after === null ? '' : 'AND o.due_at > $4'}
        ORDER BY o.due_at, o.id`,
    after === null ? [clinicId, coupleId, now] : [clinicId, coupleId, now, after],
  );
  return rows.map((r) =>
    occurrenceFact(r.id, r.partner_id, r.due_ms, r.closes_ms, r.author_id, r.submitted_ms, r.score),
  );
}

function occurrenceFact(
  id: string,
  partnerId: string | null,
  dueMs: string | number,
  closesMs: string | number,
  authorId: string | null,
  submittedMs: string | number | null,
  score: Score | null,
): OccurrenceFact {
  return {
    id,
    partnerId,
    dueAt: new Date(Number(dueMs)),
    closesAt: new Date(Number(closesMs)),
    checkIn: authorId && submittedMs !== null ? { authorId, submittedAt: new Date(Number(submittedMs)), score } : null,
  };
}

/** A kept window (progress_window): what it was cut as, and its tallies. */
export interface KeptWindow {
  index: number;
  startMs: number;
  endMs: number;
  closedBySessionId: string;
  partnerIds: string[];
  /** Null: no unanswered occurrence; else the tallies hold from this instant on. */
  settledAtMs: number | null;
  totals: WindowTotals;
}

/** The head of a bounded progress read: everything but the occurrences, and the kept windows. */
export interface ProgressHead extends Omit<ProgressFacts, 'occurrences'> {
  /** The earliest due time among the occurrences progress counts (null: none). */
  firstDueAt: Date | null;
  kept: KeptWindow[];
  /** The couple's progress_generation when read (0 without a row). */
  generation: number;
  /**
   * An active assignment of the couple has less than HORIZON_REFRESH_DAYS of occurrences laid
   * out: ensureHorizon would write, and the head must be read again after it.
   */
  isHorizonDue: boolean;
  /**
   * The occurrences due after `recentAfter`, as occurrencesAfter reads them: the read's second
   * statement in one, whenever the occurrences it needs start after that (the chart's days and
   * the windows not kept, for a couple whose closed windows are kept).
   */
  recentAfter: Date;
  recent: OccurrenceFact[];
}

/** Measure scores' due times are kept as epoch milliseconds in progress_window.totals. */
type StoredTotals = Omit<WindowTotals, 'partners' | 'evidence'> & {
  partners: Array<Omit<WindowTotals['partners'][number], 'measures'> & { measures: StoredMeasure[] }>;
  evidence: Omit<WindowTotals['evidence'], 'partners'> & {
    partners: Array<Omit<WindowTotals['evidence']['partners'][number], 'measures'> & { measures: StoredMeasure[] }>;
  };
};
type StoredMeasure = Omit<MeasureScore, 'dueAt'> & { dueMs: number };

const storeMeasure = ({ dueAt, ...m }: MeasureScore): StoredMeasure => ({ ...m, dueMs: dueAt.getTime() });
const loadMeasure = ({ dueMs, ...m }: StoredMeasure): MeasureScore => ({ ...m, dueAt: new Date(dueMs) });

function storeTotals(t: WindowTotals): StoredTotals {
  return {
    ...t,
    partners: t.partners.map((p) => ({ ...p, measures: p.measures.map(storeMeasure) })),
    evidence: {
      ...t.evidence,
      partners: t.evidence.partners.map((p) => ({ ...p, measures: p.measures.map(storeMeasure) })),
    },
  };
}

/**
 * In place: the parsed JSON belongs to this read alone, and copying every kept window's tallies
 * (~100 for a two-year couple) was a tenth of what a progress read allocated.
 */
function loadTotals(t: StoredTotals): WindowTotals {
  const loaded = t as unknown as WindowTotals;
  t.partners.forEach((p, i) => (loaded.partners[i].measures = p.measures.map(loadMeasure)));
  t.evidence.partners.forEach((p, i) => (loaded.evidence.partners[i].measures = p.measures.map(loadMeasure)));
  return loaded;
}

const ALERT_COLUMNS =
  'id, couple_id, partner_id, kind, window_start, detail, severity, status, opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_reason';

/**
 * SQL for progress. Every statement filters by clinic_id first (the leading column of every
 * index) and runs in the caller's clinic-pinned transaction. Check-in answers are never read
 * here: progress needs only scores.
 */
export const progressRepository = {
  /**
   * Everything a progress computation reads, in two statements instead of five: the couple's
   * creation time, partners, sessions (small JSON arrays) and the clinic's settings in one; the occurrences with their check-ins' scores as rows in the other (for ~1,500 rows,
   * rows with epoch-millisecond times cost less in PostgreSQL and in the API than one big JSON
   * array: measured 7–8 ms vs 9–11 ms per read including the driver's parsing).
   */
  async facts(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    now: Date,
    readerId: string | null = null,
  ): Promise<ProgressFacts> {
    const rows: Array<{
      created_at: Date;
      partners: Array<{ id: string; name: string }> | null;
      sessions: Array<[string, number, number, SessionStatus]>;
      settings: unknown;
      clinic_timezone: string;
      reader_timezone: string | null;
    }> = await tx.query(
      `SELECT c.created_at,
              (SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY p.position)
                 FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
                WHERE p.clinic_id = $1 AND p.couple_id = $2) AS partners,
              (SELECT coalesce(json_agg(json_build_array(s.id, ${epochMs('s.starts_at')}, ${epochMs('s.ends_at')}, s.status) ORDER BY s.starts_at, s.id), '[]')
                 FROM therapy_session s WHERE s.clinic_id = $1 AND s.couple_id = $2) AS sessions,
              (SELECT k.settings FROM clinic k WHERE k.id = $1) AS settings,
              (SELECT k.timezone FROM clinic k WHERE k.id = $1) AS clinic_timezone,
              (SELECT r.timezone FROM "user" r WHERE r.clinic_id = $1 AND r.id = $3) AS reader_timezone
         FROM couple c WHERE c.clinic_id = $1 AND c.id = $2`,
      [clinicId, coupleId, readerId],
    );
    const row = rows[0];
    return {
      createdAt: row.created_at,
      partners: row.partners ?? [],
      sessions: row.sessions.map(([id, startsAt, endsAt, status]) => ({
        id,
        startsAt: new Date(startsAt),
        endsAt: new Date(endsAt),
        status,
      })),
      occurrences: await occurrencesOf(tx, clinicId, coupleId, now),
      clinicSettings: row.settings,
      readerTimezone: row.reader_timezone,
      clinicTimezone: row.clinic_timezone,
    };
  },

  /**
   * The bounded read's first statement: what facts() reads except the occurrences, plus the
   * earliest counted due time (one index probe), the couple's kept windows and its generation.
   */
  async head(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    now: Date,
    readerId: string | null = null,
    /** Occurrences due after this come with the head (see ProgressHead.recent). */
    recentAfter: Date = now,
  ): Promise<ProgressHead> {
    const rows: Array<{
      created_at: Date;
      recent: Array<[string, string | null, number, number, string | null, number | null, Score | null]>;
      first_due_ms: string | null;
      partners: Array<{ id: string; name: string }> | null;
      sessions: Array<[string, number, number, SessionStatus]>;
      kept: Array<[number, number, number, string, string[], number | null, StoredTotals]>;
      generation: string | null;
      is_horizon_due: boolean;
      settings: unknown;
      clinic_timezone: string;
      reader_timezone: string | null;
    }> = await tx.query(
      `SELECT c.created_at,
              EXISTS (SELECT 1 FROM assignment a
                       WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.status = 'active'
                         AND (a.materialized_until IS NULL OR a.materialized_until < $5)) AS is_horizon_due,
              (SELECT ${epochMs('o.due_at')}::int8 FROM occurrence o
                WHERE o.clinic_id = $1 AND o.couple_id = $2 AND (o.due_at <= $4 OR o.has_check_in)
                ORDER BY o.due_at LIMIT 1) AS first_due_ms,
              (SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY p.position)
                 FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
                WHERE p.clinic_id = $1 AND p.couple_id = $2) AS partners,
              (SELECT coalesce(json_agg(json_build_array(s.id, ${epochMs('s.starts_at')}, ${epochMs('s.ends_at')}, s.status) ORDER BY s.starts_at, s.id), '[]')
                 FROM therapy_session s WHERE s.clinic_id = $1 AND s.couple_id = $2) AS sessions,
              (SELECT coalesce(json_agg(json_build_array(w.window_index, ${epochMs('w.window_start')}, ${epochMs('w.window_end')},
                                        w.closed_by_session_id, w.partner_ids, ${epochMs('w.settled_at')}, w.totals) ORDER BY w.window_end), '[]')
                 FROM progress_window w WHERE w.clinic_id = $1 AND w.couple_id = $2) AS kept,
              (SELECT g.generation FROM progress_generation g WHERE g.clinic_id = $1 AND g.couple_id = $2) AS generation,
              (SELECT k.settings FROM clinic k WHERE k.id = $1) AS settings,
              (SELECT k.timezone FROM clinic k WHERE k.id = $1) AS clinic_timezone,
              (SELECT r.timezone FROM "user" r WHERE r.clinic_id = $1 AND r.id = $3) AS reader_timezone,
              (SELECT coalesce(json_agg(json_build_array(o.id, o.partner_id, ${epochMs('o.due_at')}::int8, ${epochMs('o.closes_at')}::int8,
                                        ci.author_id, ${epochMs('ci.submitted_at')}::int8, ci.score) ORDER BY o.due_at, o.id), '[]')
                 FROM occurrence o LEFT JOIN check_in ci ON ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id
                WHERE o.clinic_id = $1 AND o.couple_id = $2 AND (o.due_at <= $4 OR ci.id IS NOT NULL) AND o.due_at > $6) AS recent
         FROM couple c WHERE c.clinic_id = $1 AND c.id = $2`,
      [clinicId, coupleId, readerId, now, new Date(now.getTime() + HORIZON_REFRESH_DAYS * DAY_MS), recentAfter],
    );
    const row = rows[0];
    return {
      createdAt: row.created_at,
      recentAfter,
      recent: row.recent.map(([id, partnerId, dueMs, closesMs, authorId, submittedMs, score]) =>
        occurrenceFact(id, partnerId, dueMs, closesMs, authorId, submittedMs, score),
      ),
      isHorizonDue: row.is_horizon_due,
      firstDueAt: row.first_due_ms === null ? null : new Date(Number(row.first_due_ms)),
      partners: row.partners ?? [],
      sessions: row.sessions.map(([id, startsAt, endsAt, status]) => ({
        id,
        startsAt: new Date(startsAt),
        endsAt: new Date(endsAt),
        status,
      })),
      kept: row.kept.map(([index, startMs, endMs, closedBySessionId, partnerIds, settledAtMs, totals]) => ({
        index,
        startMs,
        endMs,
        closedBySessionId,
        partnerIds,
        settledAtMs,
        totals: loadTotals(totals),
      })),
      generation: Number(row.generation ?? 0),
      clinicSettings: row.settings,
      readerTimezone: row.reader_timezone,
      clinicTimezone: row.clinic_timezone,
    };
  },

  /** The occurrences (with check-in scores) due after `after`, as facts() reads them. */
  occurrencesAfter(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    now: Date,
    after: Date | null,
  ): Promise<OccurrenceFact[]> {
    return occurrencesOf(tx, clinicId, coupleId, now, after);
  },

  /**
   * Keeps the tallies of windows that just became closed and settled, if nothing changed the
   * couple's progress since `generation` was read. The counter row is locked FOR SHARE first: a
   * check-in or occurrence write in flight (which bumps it) is waited for and then seen as a
   * change, and one that starts later waits for this transaction and deletes what it kept (see
   * migration AddProgressWindowTotals). Answers whether the windows were kept.
   */
  async keepWindows(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    generation: number,
    windows: Array<{ window: ProgressWindow; partnerIds: string[]; settledAtMs: number | null; totals: WindowTotals }>,
    /** The ends of every closed window as now cut: kept windows of an older cut are dropped. */
    closedEnds: Date[],
  ): Promise<boolean> {
    await tx.query(
      `INSERT INTO progress_generation (clinic_id, couple_id, generation) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`,
      [clinicId, coupleId],
    );
    const [current]: Array<{ generation: string }> = await tx.query(
      `SELECT generation FROM progress_generation WHERE clinic_id = $1 AND couple_id = $2 FOR SHARE`,
      [clinicId, coupleId],
    );
    if (!current || Number(current.generation) !== generation) return false;
    await tx.query(
      `DELETE FROM progress_window WHERE clinic_id = $1 AND couple_id = $2 AND window_end <> ALL ($3::timestamptz[])`,
      [clinicId, coupleId, closedEnds],
    );
    await tx.query(
      `INSERT INTO progress_window (clinic_id, couple_id, window_end, window_start, window_index, closed_by_session_id, partner_ids, settled_at, totals)
       SELECT $1, $2, ${fromEpochMs('r.end_ms')}, ${fromEpochMs('r.start_ms')}, r.index, r.session_id, r.partner_ids,
              ${fromEpochMs('r.settled_ms')}, r.totals
         FROM jsonb_to_recordset($3::jsonb) AS r(end_ms int8, start_ms int8, index int, session_id uuid, partner_ids uuid[], settled_ms int8, totals jsonb)
       ON CONFLICT (clinic_id, couple_id, window_end) DO UPDATE
         SET window_start = EXCLUDED.window_start, window_index = EXCLUDED.window_index,
             closed_by_session_id = EXCLUDED.closed_by_session_id, partner_ids = EXCLUDED.partner_ids,
             settled_at = EXCLUDED.settled_at, totals = EXCLUDED.totals`,
      [
        clinicId,
        coupleId,
        JSON.stringify(
          windows.map((w) => ({
            end_ms: w.window.end.getTime(),
            start_ms: w.window.start.getTime(),
            index: w.window.index,
            session_id: w.window.closedBySessionId,
            partner_ids: w.partnerIds,
            settled_ms: w.settledAtMs,
            totals: storeTotals(w.totals),
          })),
        ),
      ],
    );
    return true;
  },

  /**
   * Makes the stored alerts follow the conditions, in two statements: a condition that holds
   * opens its alert or refreshes the detail of the one not yet resolved (the partial unique index
   * alert_condition_key allows one per couple, kind and partner); a condition that no longer
   * holds resolves its alert with the reason. Unknown conditions leave their alert alone. Each
   * alert that opens is announced (alert.opened). Answers the ids of the alerts that opened.
   */
  async syncAlerts(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    conditions: AlertCondition[],
    now: Date,
  ): Promise<string[]> {
    const holding = conditions.flatMap((c) =>
      c.holds === true
        ? [
            {
              id: newId(),
              partner_id: c.partnerId,
              kind: c.kind,
              window_start: c.windowStart.toISOString(),
              detail: c.detail,
              severity: c.severity,
            },
          ]
        : [],
    );
    const gone = conditions.flatMap((c) =>
      c.holds === false ? [{ partner_id: c.partnerId, kind: c.kind, reason: c.reason }] : [],
    );
    let opened: Array<{ id: string; partner_id: string | null }> = [];
    if (holding.length > 0) {
      const rows = await queryRows<{ id: string; partner_id: string | null; is_new: boolean }>(
        tx,
        `INSERT INTO alert (clinic_id, id, couple_id, partner_id, kind, window_start, detail, severity, opened_at)
         SELECT $1, r.id, $2, r.partner_id, r.kind, r.window_start, r.detail, r.severity, $4
           FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, partner_id uuid, kind text, window_start timestamptz, detail jsonb, severity text)
         ON CONFLICT (clinic_id, couple_id, kind, coalesce(partner_id, ${NO_PARTNER})) WHERE status <> 'resolved'
         DO UPDATE SET detail = EXCLUDED.detail WHERE alert.detail IS DISTINCT FROM EXCLUDED.detail
         RETURNING id, partner_id, (xmax = 0) AS is_new`,
        [clinicId, coupleId, JSON.stringify(holding), now],
      );
      opened = rows.filter((r) => r.is_new);
    }
    if (gone.length > 0) {
      await tx.query(
        `UPDATE alert a SET status = 'resolved', resolved_at = $4, resolved_reason = r.reason
           FROM jsonb_to_recordset($3::jsonb) AS r(partner_id uuid, kind text, reason text)
          WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.kind = r.kind
            AND a.partner_id IS NOT DISTINCT FROM r.partner_id AND a.status <> 'resolved'`,
        [clinicId, coupleId, JSON.stringify(gone), now],
      );
    }
    for (const row of opened)
      await announceEvent(tx, clinicId, 'alert.opened', { alertId: row.id, coupleId, partnerId: row.partner_id });
    return opened.map((r) => r.id);
  },

  /** Active couples with an occurrence that closed unanswered in (since, now], or a missed streak not resolved. */
  async couplesToSweep(tx: EntityManager, clinicId: string, since: Date, now: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT c.id FROM couple c
        WHERE c.clinic_id = $1 AND c.status = 'active'
          AND (EXISTS (SELECT 1 FROM occurrence o
                        WHERE o.clinic_id = c.clinic_id AND o.couple_id = c.id AND o.closes_at > $2 AND o.closes_at <= $3
                          AND NOT EXISTS (SELECT 1 FROM check_in ci WHERE ci.clinic_id = o.clinic_id AND ci.occurrence_id = o.id))
               OR EXISTS (SELECT 1 FROM alert a
                           WHERE a.clinic_id = c.clinic_id AND a.couple_id = c.id AND a.kind = 'missed_streak' AND a.status <> 'resolved'))`,
      [clinicId, since, now],
    );
    return rows.map((r) => r.id);
  },

  async alertsOfCouple(tx: EntityManager, clinicId: string, coupleId: string): Promise<AlertRow[]> {
    return tx.query(
      `SELECT ${ALERT_COLUMNS} FROM alert WHERE clinic_id = $1 AND couple_id = $2
        ORDER BY status = 'resolved', opened_at DESC, kind, partner_id NULLS FIRST, id`,
      [clinicId, coupleId],
    );
  },

  async findAlert(tx: EntityManager, clinicId: string, alertId: string): Promise<AlertRow | null> {
    const rows: AlertRow[] = await tx.query(
      `SELECT ${ALERT_COLUMNS} FROM alert WHERE clinic_id = $1 AND id = $2 FOR UPDATE`,
      [clinicId, alertId],
    );
    return rows[0] ?? null;
  },

  async acknowledgeAlert(
    tx: EntityManager,
    clinicId: string,
    alertId: string,
    userId: string,
    now: Date,
  ): Promise<AlertRow> {
    const rows = await queryRows<AlertRow>(
      tx,
      `UPDATE alert SET status = CASE WHEN status = 'open' THEN 'acknowledged' ELSE status END,
                        acknowledged_at = $4, acknowledged_by = $3
        WHERE clinic_id = $1 AND id = $2 RETURNING ${ALERT_COLUMNS}`,
      [clinicId, alertId, userId, now],
    );
    return rows[0];
  },
};
