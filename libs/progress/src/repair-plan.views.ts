/** How often an agreement is kept: the rhythm the couple and therapist settled on. */
export const AGREEMENT_FREQUENCIES = [
  'daily',
  'several_times_a_week',
  'weekly',
  'each_session',
  'when_it_comes_up',
] as const;
export type AgreementFrequency = (typeof AGREEMENT_FREQUENCIES)[number];

/** A latest rating at or below this (0–10) flags the agreement as kept poorly. */
export const LOW_KEPT_RATING = 4;
/** The most agreements a plan holds: a plan is a handful of concrete promises, not a list of everything. */
export const MAX_AGREEMENTS = 30;

/** One agreement as a version of the plan holds it. */
export interface AgreementView {
  id: string;
  /** What was agreed, in the couple's and therapist's words. */
  text: string;
  /** 'both': both partners keep it; 'partner': the partner named by partnerId. */
  keptBy: 'both' | 'partner';
  partnerId: string | null;
  frequency: AgreementFrequency;
  /** The plan version that added it, and the one that last changed its wording, keeper or rhythm. */
  addedInVersion: number;
  changedInVersion: number;
}

export type PlanChangeKind = 'added' | 'changed' | 'removed';

export interface RepairPlanView {
  coupleId: string;
  /** 0 while the plan has no version yet. */
  version: number;
  changedAt: Date | null;
  changedBy: string | null;
  agreements: AgreementView[];
}

/** A version of the plan: the whole plan as it was, and what this version changed. */
export interface RepairPlanVersionView extends RepairPlanView {
  changes: Array<{ agreementId: string; change: PlanChangeKind }>;
}

/** The period a rating is for: the partner's local week (Monday first), or a completed session. */
export type RatingPeriod = { kind: 'week'; weekStart: string } | { kind: 'session'; sessionId: string };

export interface AgreementRatingView {
  id: string;
  agreementId: string;
  partnerId: string;
  /** The plan version current when it was rated. */
  planVersion: number;
  period: RatingPeriod;
  /** How well the agreement was kept, 0 (not at all) to 10 (fully). */
  kept: number;
  stillFits: boolean;
  /** The partner's own words (PHI): the therapist and the partner who wrote it read it. */
  note: string | null;
  ratedAt: Date;
}

export type RatingTrend = 'improving' | 'steady' | 'declining';

export interface PartnerRatingSeries {
  partnerId: string;
  /** Oldest first. */
  ratings: AgreementRatingView[];
  latest: AgreementRatingView | null;
  /** Latest minus first kept rating; null with fewer than two ratings. */
  change: number | null;
  /** From `change`: 2 points or more up or down, else steady; null with fewer than two ratings. */
  trend: RatingTrend | null;
}

export interface AgreementProgressView {
  agreement: AgreementView;
  /** Dropped from the plan (its ratings stay readable here). */
  isRetired: boolean;
  /** Either partner's latest rating is at or below LOW_KEPT_RATING (current agreements only). */
  isLow: boolean;
  /** Either partner's latest rating says it no longer fits (current agreements only). */
  needsReview: boolean;
  partners: PartnerRatingSeries[];
}

export interface RepairPlanProgressView {
  coupleId: string;
  version: number;
  lowThreshold: number;
  agreements: AgreementProgressView[];
}
