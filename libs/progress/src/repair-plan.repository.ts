import type { EntityManager } from 'typeorm';

import {
  LOW_KEPT_RATING,
  type AgreementRatingView,
  type AgreementView,
  type PlanChangeKind,
  type RatingPeriod,
  type RepairPlanVersionView,
} from './repair-plan.views.js';

interface VersionRow {
  couple_id: string;
  version: number;
  agreements: AgreementView[];
  changes: Array<{ agreementId: string; change: PlanChangeKind }>;
  changed_by: string;
  changed_at: Date;
}

interface RatingRow {
  id: string;
  agreement_id: string;
  partner_id: string;
  plan_version: number;
  week_start: string | null;
  session_id: string | null;
  kept: number;
  still_fits: boolean;
  note: string | null;
  rated_at: Date;
}

const SELECT_RATING = `SELECT id, agreement_id, partner_id, plan_version, to_char(week_start, 'YYYY-MM-DD') AS week_start, session_id,
       kept, still_fits, note, rated_at FROM repair_agreement_rating`;

function toVersionView(row: VersionRow): RepairPlanVersionView {
  return {
    coupleId: row.couple_id,
    version: row.version,
    changedAt: row.changed_at,
    changedBy: row.changed_by,
    agreements: row.agreements,
    changes: row.changes,
  };
}

function toRatingView(row: RatingRow): AgreementRatingView {
  return {
    id: row.id,
    agreementId: row.agreement_id,
    partnerId: row.partner_id,
    planVersion: row.plan_version,
    period: row.session_id
      ? { kind: 'session', sessionId: row.session_id }
      : { kind: 'week', weekStart: row.week_start! },
    kept: row.kept,
    stillFits: row.still_fits,
    note: row.note,
    ratedAt: row.rated_at,
  };
}

export interface NewRating {
  id: string;
  coupleId: string;
  agreementId: string;
  partnerId: string;
  planVersion: number;
  period: RatingPeriod;
  kept: number;
  stillFits: boolean;
  note: string | null;
  ratedAt: Date;
}

/** SQL of the repair plan; every method takes the clinic-pinned transaction and the clinic id. */
export const repairPlanRepository = {
  async latestVersion(tx: EntityManager, clinicId: string, coupleId: string): Promise<RepairPlanVersionView | null> {
    const rows: VersionRow[] = await tx.query(
      `SELECT couple_id, version, agreements, changes, changed_by, changed_at FROM repair_plan_version
        WHERE clinic_id = $1 AND couple_id = $2 ORDER BY version DESC LIMIT 1`,
      [clinicId, coupleId],
    );
    return rows[0] ? toVersionView(rows[0]) : null;
  },

  /** Every version, newest first (at most `limit`). */
  async versions(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    limit: number,
  ): Promise<RepairPlanVersionView[]> {
    const rows: VersionRow[] = await tx.query(
      `SELECT couple_id, version, agreements, changes, changed_by, changed_at FROM repair_plan_version
        WHERE clinic_id = $1 AND couple_id = $2 ORDER BY version DESC LIMIT $3`,
      [clinicId, coupleId, limit],
    );
    return rows.map(toVersionView);
  },

  /**
   * Writes a new version and keeps the agreements' identities in step: added ones are created,
   * removed ones retired. The primary key refuses a second writer of the same version number.
   */
  async insertVersion(
    tx: EntityManager,
    clinicId: string,
    version: RepairPlanVersionView & { changedBy: string; changedAt: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO repair_plan_version (clinic_id, couple_id, version, agreements, changes, changed_by, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        clinicId,
        version.coupleId,
        version.version,
        JSON.stringify(version.agreements),
        JSON.stringify(version.changes),
        version.changedBy,
        version.changedAt,
      ],
    );
    const added = version.changes.filter((c) => c.change === 'added').map((c) => c.agreementId);
    const removed = version.changes.filter((c) => c.change === 'removed').map((c) => c.agreementId);
    if (added.length)
      await tx.query(
        `INSERT INTO repair_agreement (clinic_id, id, couple_id, added_version)
         SELECT $1, unnest($2::uuid[]), $3, $4`,
        [clinicId, added, version.coupleId, version.version],
      );
    if (removed.length)
      await tx.query(
        `UPDATE repair_agreement SET retired_version = $4
          WHERE clinic_id = $1 AND couple_id = $2 AND id = ANY($3::uuid[]) AND retired_version IS NULL`,
        [clinicId, version.coupleId, removed, version.version],
      );
  },

  /** A completed session of the couple, or null. */
  async completedSession(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    sessionId: string,
  ): Promise<{ id: string } | null> {
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT id FROM therapy_session WHERE clinic_id = $1 AND couple_id = $2 AND id = $3 AND status = 'completed'`,
      [clinicId, coupleId, sessionId],
    );
    return rows[0] ?? null;
  },

  async partnerTimezone(tx: EntityManager, clinicId: string, partnerId: string): Promise<string> {
    const rows: Array<{ timezone: string }> = await tx.query(
      `SELECT timezone FROM "user" WHERE clinic_id = $1 AND id = $2`,
      [clinicId, partnerId],
    );
    return rows[0]?.timezone ?? 'UTC';
  },

  /** Stores a rating, replacing the partner's earlier one of the same agreement and period; answers it. */
  async upsertRating(tx: EntityManager, clinicId: string, r: NewRating): Promise<AgreementRatingView> {
    const weekStart = r.period.kind === 'week' ? r.period.weekStart : null;
    const sessionId = r.period.kind === 'session' ? r.period.sessionId : null;
    const conflict =
      r.period.kind === 'week'
        ? '(clinic_id, agreement_id, partner_id, week_start) WHERE week_start IS NOT NULL'
        : '(clinic_id, agreement_id, partner_id, session_id) WHERE session_id IS NOT NULL';
    const rows: RatingRow[] = await tx.query(
      `INSERT INTO repair_agreement_rating
              (clinic_id, id, couple_id, agreement_id, partner_id, plan_version, week_start, session_id, kept, still_fits, note, rated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8, $9, $10, $11, $12)
       ON CONFLICT ${conflict} DO UPDATE
          SET plan_version = EXCLUDED.plan_version, kept = EXCLUDED.kept, still_fits = EXCLUDED.still_fits,
              note = EXCLUDED.note, rated_at = EXCLUDED.rated_at
       RETURNING id, agreement_id, partner_id, plan_version, to_char(week_start, 'YYYY-MM-DD') AS week_start, session_id,
                 kept, still_fits, note, rated_at`,
      [
        clinicId,
        r.id,
        r.coupleId,
        r.agreementId,
        r.partnerId,
        r.planVersion,
        weekStart,
        sessionId,
        r.kept,
        r.stillFits,
        r.note,
        r.ratedAt,
      ],
    );
    return toRatingView(rows[0]);
  },

  /** Ratings of a couple, newest first by id, optionally of one partner or agreement; fetches limit + 1. */
  async listRatings(
    tx: EntityManager,
    clinicId: string,
    coupleId: string,
    filter: { partnerId?: string; agreementId?: string; beforeId?: string; limit: number },
  ): Promise<AgreementRatingView[]> {
    const rows: RatingRow[] = await tx.query(
      `${SELECT_RATING}
        WHERE clinic_id = $1 AND couple_id = $2 AND ($3::uuid IS NULL OR partner_id = $3)
          AND ($4::uuid IS NULL OR agreement_id = $4) AND ($5::uuid IS NULL OR id < $5)
        ORDER BY id DESC LIMIT $6`,
      [
        clinicId,
        coupleId,
        filter.partnerId ?? null,
        filter.agreementId ?? null,
        filter.beforeId ?? null,
        filter.limit + 1,
      ],
    );
    return rows.map(toRatingView);
  },

  /** Every rating of a couple, oldest first: the progress trend. */
  async allRatings(tx: EntityManager, clinicId: string, coupleId: string): Promise<AgreementRatingView[]> {
    const rows: RatingRow[] = await tx.query(
      `${SELECT_RATING} WHERE clinic_id = $1 AND couple_id = $2 ORDER BY rated_at, id`,
      [clinicId, coupleId],
    );
    return rows.map(toRatingView);
  },

  /**
   * For the caseload: per couple, how many agreements still in the plan either partner rated low
   * in their latest rating. A count only — never the agreements' words.
   */
  async lowRatedAgreements(tx: EntityManager, clinicId: string, coupleIds: string[]): Promise<Map<string, number>> {
    if (!coupleIds.length) return new Map();
    const rows: Array<{ couple_id: string; n: number }> = await tx.query(
      `SELECT a.couple_id, count(*)::int AS n
         FROM repair_agreement a
        WHERE a.clinic_id = $1 AND a.couple_id = ANY($2::uuid[]) AND a.retired_version IS NULL
          AND EXISTS (
            SELECT 1 FROM (
              SELECT DISTINCT ON (r.partner_id) r.kept FROM repair_agreement_rating r
               WHERE r.clinic_id = a.clinic_id AND r.couple_id = a.couple_id AND r.agreement_id = a.id
               ORDER BY r.partner_id, r.rated_at DESC, r.id DESC
            ) latest WHERE latest.kept <= $3)
        GROUP BY a.couple_id`,
      [clinicId, coupleIds, LOW_KEPT_RATING],
    );
    return new Map(rows.map((r) => [r.couple_id, r.n]));
  },
};
