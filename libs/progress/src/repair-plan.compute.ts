import {
  LOW_KEPT_RATING,
  type AgreementRatingView,
  type AgreementView,
  type PartnerRatingSeries,
  type PlanChangeKind,
  type RatingTrend,
} from './repair-plan.views.js';

/** An agreement as the therapist sends it: an id keeps an existing one, none adds one. */
export interface AgreementDraft {
  id?: string;
  text: string;
  partnerId: string | null;
  frequency: AgreementView['frequency'];
}

/**
 * The next plan from the current agreements and the therapist's full list: kept ids carry their
 * history (changed only when wording, keeper or rhythm differ), new ones get `newId()`, missing
 * ones are removed. Answers the agreements in the order given, what changed, and whether the
 * plan is the same as before (same agreements in the same order: no new version).
 */
export function nextPlan(
  current: AgreementView[],
  drafts: AgreementDraft[],
  version: number,
  newId: () => string,
): {
  agreements: AgreementView[];
  changes: Array<{ agreementId: string; change: PlanChangeKind }>;
  isUnchanged: boolean;
} {
  const byId = new Map(current.map((a) => [a.id, a]));
  const changes: Array<{ agreementId: string; change: PlanChangeKind }> = [];
  const agreements = drafts.map((draft): AgreementView => {
    const text = draft.text.trim();
    const keptBy = draft.partnerId === null ? 'both' : 'partner';
    const before = draft.id === undefined ? undefined : byId.get(draft.id);
    if (!before) {
      const id = newId();
      changes.push({ agreementId: id, change: 'added' });
      return {
        id,
        text,
        keptBy,
        partnerId: draft.partnerId,
        frequency: draft.frequency,
        addedInVersion: version,
        changedInVersion: version,
      };
    }
    const isChanged =
      before.text !== text || before.partnerId !== draft.partnerId || before.frequency !== draft.frequency;
    if (isChanged) changes.push({ agreementId: before.id, change: 'changed' });
    return {
      ...before,
      text,
      keptBy,
      partnerId: draft.partnerId,
      frequency: draft.frequency,
      changedInVersion: isChanged ? version : before.changedInVersion,
    };
  });
  const kept = new Set(agreements.map((a) => a.id));
  for (const a of current) if (!kept.has(a.id)) changes.push({ agreementId: a.id, change: 'removed' });
  // A new order alone is a new version too (with no agreement changed): the order is how the couple reads the plan.
  const isReordered = current.some((a, i) => agreements[i]?.id !== a.id);
  return { agreements, changes, isUnchanged: changes.length === 0 && !isReordered };
}

/** A partner's ratings of one agreement (oldest first) as a series with its latest value and trend. */
export function ratingSeries(partnerId: string, ratings: AgreementRatingView[]): PartnerRatingSeries {
  const latest = ratings.length ? ratings[ratings.length - 1] : null;
  const change = ratings.length >= 2 ? latest!.kept - ratings[0].kept : null;
  const trend: RatingTrend | null =
    change === null ? null : change >= 2 ? 'improving' : change <= -2 ? 'declining' : 'steady';
  return { partnerId, ratings, latest, change, trend };
}

/** Rated low: either partner's latest rating is at or below the threshold. */
export function isRatedLow(series: PartnerRatingSeries[]): boolean {
  return series.some((s) => s.latest !== null && s.latest.kept <= LOW_KEPT_RATING);
}
