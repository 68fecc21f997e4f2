import type { EntityManager } from 'typeorm';

/**
 * Set-based caseload aggregates over a page of couples (one statement per aggregate) or of
 * therapists (all aggregates in one statement), never one per couple, each led by clinic_id so it
 * runs on the clinic-first indexes (couple_therapist_idx, therapy_session_couple_idx,
 * assignment_couple_idx, occurrence_couple_due_idx, occurrence_unanswered_late_idx,
 * check_in_occurrence_key, alert_open_idx).
 */
export const RECENT_DAYS = 14;

export interface CaseloadCoupleRow {
  id: string;
  label: string | null;
  status: 'active' | 'paused' | 'closed';
}

export interface TherapistRow {
  id: string;
  name: string;
  disabled_at: Date | null;
}

export interface TherapistCaseloadRow extends TherapistRow {
  active: number;
  paused: number;
  overdue: number;
  missed: number;
  alerts: number;
  alertCouples: number;
}

const countMap = (rows: Array<{ key: string; count: string | number }>) =>
  new Map(rows.map((r) => [r.key, Number(r.count)]));

export const caseloadsRepository = {
  async couplesOfTherapist(
    tx: EntityManager,
    clinicId: string,
    therapistId: string,
    filter: { statuses: string[]; afterId?: string; limit: number },
  ): Promise<CaseloadCoupleRow[]> {
    return tx.query(
      `SELECT id, label, status FROM couple
        WHERE clinic_id = $1 AND therapist_id = $2 AND status = ANY($3::text[]) AND ($4::uuid IS NULL OR id > $4)
        ORDER BY id LIMIT $5`,
      [clinicId, therapistId, filter.statuses, filter.afterId ?? null, filter.limit + 1],
    );
  },

  async partners(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
  ): Promise<Map<string, Array<{ id: string; name: string }>>> {
    const rows: Array<{ couple_id: string; id: string; name: string }> = await tx.query(
      `SELECT p.couple_id, u.id, u.name
         FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
        WHERE p.clinic_id = $1 AND p.couple_id = ANY($2::uuid[])
        ORDER BY p.couple_id, p.position`,
      [clinicId, coupleIds],
    );
    const map = new Map<string, Array<{ id: string; name: string }>>();
    for (const r of rows) map.set(r.couple_id, [...(map.get(r.couple_id) ?? []), { id: r.id, name: r.name }]);
    return map;
  },

  async nextSessions(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
    now: Date,
  ): Promise<Map<string, { id: string; startsAt: Date; endsAt: Date }>> {
    const rows: Array<{ couple_id: string; id: string; starts_at: Date; ends_at: Date }> = await tx.query(
      `SELECT DISTINCT ON (couple_id) couple_id, id, starts_at, ends_at
         FROM therapy_session
        WHERE clinic_id = $1 AND couple_id = ANY($2::uuid[]) AND starts_at > $3 AND status = 'scheduled'
        ORDER BY couple_id, starts_at, id`,
      [clinicId, coupleIds, now],
    );
    return new Map(rows.map((r) => [r.couple_id, { id: r.id, startsAt: r.starts_at, endsAt: r.ends_at }]));
  },

  async activeAssignments(tx: EntityManager, clinicId: string, coupleIds: string[]): Promise<Map<string, number>> {
    return countMap(
      await tx.query(
        `SELECT couple_id AS key, count(*) AS count FROM assignment
          WHERE clinic_id = $1 AND couple_id = ANY($2::uuid[]) AND status = 'active'
          GROUP BY couple_id`,
        [clinicId, coupleIds],
      ),
    );
  },

  /**
   * Expected = due in the last 14 days and closed or done, or checked in ahead of its due time
   * (done, as the progress windows count it); completed = of those, checked in.
   */
  async recentCompletion(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
    now: Date,
  ): Promise<Map<string, { expected: number; completed: number }>> {
    const rows: Array<{ couple_id: string; expected: string; completed: string }> = await tx.query(
      `SELECT o.couple_id, count(*) AS expected, count(c.id) AS completed
         FROM occurrence o
         LEFT JOIN check_in c ON c.clinic_id = o.clinic_id AND c.occurrence_id = o.id
        WHERE o.clinic_id = $1 AND o.couple_id = ANY($2::uuid[])
          AND o.due_at > $3::timestamptz - make_interval(days => $4) AND (o.due_at <= $3 OR c.id IS NOT NULL)
          AND (o.closes_at <= $3 OR c.id IS NOT NULL)
        GROUP BY o.couple_id`,
      [clinicId, coupleIds, now, RECENT_DAYS],
    );
    return new Map(rows.map((r) => [r.couple_id, { expected: Number(r.expected), completed: Number(r.completed) }]));
  },

  /**
   * Each partner's first and latest CSI-4 score (by the occurrence's due time, as progress orders
   * them), read through the partial index check_in_csi4_idx: a few entries per couple.
   */
  async csi4FirstAndLatest(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
  ): Promise<Array<{ couple_id: string; author_id: string; first: number; latest: number; scores: number }>> {
    const rows: Array<{ couple_id: string; author_id: string; first: string; latest: string; scores: string }> =
      await tx.query(
        `SELECT c.couple_id, c.author_id,
                (array_agg((c.score->>'value')::float8 ORDER BY o.due_at, c.submitted_at))[1] AS first,
                (array_agg((c.score->>'value')::float8 ORDER BY o.due_at DESC, c.submitted_at DESC))[1] AS latest,
                count(*) AS scores
           FROM check_in c JOIN occurrence o ON o.clinic_id = c.clinic_id AND o.id = c.occurrence_id
          WHERE c.clinic_id = $1 AND c.couple_id = ANY($2::uuid[]) AND c.score->>'kind' = 'csi4'
            AND jsonb_typeof(c.score->'value') = 'number'
          GROUP BY c.couple_id, c.author_id`,
        [clinicId, coupleIds],
      );
    return rows.map((r) => ({ ...r, first: Number(r.first), latest: Number(r.latest), scores: Number(r.scores) }));
  },

  /**
   * The same 14-day completion per partner, from the partner's own (individual-mode) occurrences;
   * joint-mode homework (one occurrence for the couple) counts in the couple's figure only.
   */
  async recentCompletionByPartner(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
    now: Date,
  ): Promise<Map<string, { expected: number; completed: number }>> {
    const rows: Array<{ partner_id: string; expected: string; completed: string }> = await tx.query(
      `SELECT o.partner_id, count(*) AS expected, count(c.id) AS completed
         FROM occurrence o
         LEFT JOIN check_in c ON c.clinic_id = o.clinic_id AND c.occurrence_id = o.id
        WHERE o.clinic_id = $1 AND o.couple_id = ANY($2::uuid[]) AND o.partner_id IS NOT NULL
          AND o.due_at > $3::timestamptz - make_interval(days => $4) AND (o.due_at <= $3 OR c.id IS NOT NULL)
          AND (o.closes_at <= $3 OR c.id IS NOT NULL)
        GROUP BY o.partner_id`,
      [clinicId, coupleIds, now, RECENT_DAYS],
    );
    return new Map(rows.map((r) => [r.partner_id, { expected: Number(r.expected), completed: Number(r.completed) }]));
  },

  /** The newest check-in of each couple (either partner), from check_in_couple_time_idx. */
  async lastCheckIns(tx: EntityManager, clinicId: string, coupleIds: string[]): Promise<Map<string, Date>> {
    const rows: Array<{ couple_id: string; submitted_at: Date }> = await tx.query(
      `SELECT couple_id, max(submitted_at) AS submitted_at FROM check_in
        WHERE clinic_id = $1 AND couple_id = ANY($2::uuid[])
        GROUP BY couple_id`,
      [clinicId, coupleIds],
    );
    return new Map(rows.map((r) => [r.couple_id, r.submitted_at]));
  },

  /** Open alerts per couple and severity ('high' is a safety concern). */
  async openAlertsBySeverity(
    tx: EntityManager,
    clinicId: string,
    coupleIds: string[],
  ): Promise<Map<string, { high: number; normal: number }>> {
    const rows: Array<{ couple_id: string; high: string; normal: string }> = await tx.query(
      `SELECT couple_id, count(*) FILTER (WHERE severity = 'high') AS high, count(*) FILTER (WHERE severity <> 'high') AS normal
         FROM alert
        WHERE clinic_id = $1 AND status = 'open' AND couple_id = ANY($2::uuid[])
        GROUP BY couple_id`,
      [clinicId, coupleIds],
    );
    return new Map(rows.map((r) => [r.couple_id, { high: Number(r.high), normal: Number(r.normal) }]));
  },

  /**
   * A page of therapists with every per-therapist aggregate, in one statement (one round trip
   * instead of four). Overdue means unanswered once the grace is over (`late_after`, the end of the
   * partner's local day of the due time: what the partner's own view and a check-in's isLate use),
   * not from the due time: an evening pulse answered the next morning was overdue overnight, one
   * answered a minute after its reminder never was. Overdue occurrences are read from the partial
   * index of unanswered occurrences (`occurrence_unanswered_late_idx`, kept by the check-in
   * trigger): one index-only range over those whose grace ended in the last 14 days, counted per
   * couple and only then joined to
   * the page's couples — the planner cannot misjudge the size of the page this way (measured at
   * 5,000 couples / 1.1M check-ins: 60–120 ms → ~20 ms, whatever the page size).
   * Answers limit + 1 rows for paging; aggregates of the extra row are dropped with it.
   */
  async clinicCaseloadPage(
    tx: EntityManager,
    clinicId: string,
    filter: { afterId?: string; limit: number },
    now: Date,
  ): Promise<TherapistCaseloadRow[]> {
    const rows: Array<
      TherapistRow & {
        active: string;
        paused: string;
        overdue: string;
        missed: string;
        alerts: string;
        alert_couples: string;
      }
    > = await tx.query(
      `WITH therapist AS (
         SELECT id, name, disabled_at FROM "user"
          WHERE clinic_id = $1 AND role = 'therapist' AND ($2::uuid IS NULL OR id > $2)
          ORDER BY id LIMIT $3
       ), caseload AS (
         SELECT c.id, c.therapist_id, c.status FROM couple c
          WHERE c.clinic_id = $1 AND c.therapist_id IN (SELECT id FROM therapist) AND c.status IN ('active', 'paused')
       ), couples AS (
         SELECT therapist_id, count(*) FILTER (WHERE status = 'active') AS active, count(*) FILTER (WHERE status = 'paused') AS paused
           FROM caseload GROUP BY therapist_id
       ), overdue AS (
         SELECT c.therapist_id, sum(u.overdue) AS overdue, sum(u.missed) AS missed
           FROM (SELECT o.couple_id, count(*) AS overdue, count(*) FILTER (WHERE o.closes_at <= $4) AS missed
                   FROM occurrence o
                  WHERE o.clinic_id = $1 AND NOT o.has_check_in
                    AND o.late_after > $4::timestamptz - make_interval(days => $5) AND o.late_after <= $4
                  GROUP BY o.couple_id) u
           JOIN caseload c ON c.id = u.couple_id
          WHERE c.status = 'active'
          GROUP BY c.therapist_id
       ), alerts AS (
         SELECT c.therapist_id, count(*) AS alerts, count(DISTINCT a.couple_id) AS couples
           FROM caseload c JOIN alert a ON a.clinic_id = $1 AND a.status = 'open' AND a.couple_id = c.id
          GROUP BY c.therapist_id
       )
       SELECT t.id, t.name, t.disabled_at, coalesce(n.active, 0) AS active, coalesce(n.paused, 0) AS paused,
              coalesce(d.overdue, 0) AS overdue, coalesce(d.missed, 0) AS missed,
              coalesce(a.alerts, 0) AS alerts, coalesce(a.couples, 0) AS alert_couples
         FROM therapist t
         LEFT JOIN couples n ON n.therapist_id = t.id
         LEFT JOIN overdue d ON d.therapist_id = t.id
         LEFT JOIN alerts a ON a.therapist_id = t.id
        ORDER BY t.id`,
      [clinicId, filter.afterId ?? null, filter.limit + 1, now, RECENT_DAYS],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      disabled_at: r.disabled_at,
      active: Number(r.active),
      paused: Number(r.paused),
      overdue: Number(r.overdue),
      missed: Number(r.missed),
      alerts: Number(r.alerts),
      alertCouples: Number(r.alert_couples),
    }));
  },
};
