import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../api/client';
import { weekOf, type AgreementRating } from '../repairPlan';
import { useMe } from './data';

/** The partner's couple, from their own record (null until it loads, or for a partner without one). */
export function useCoupleId(): string | null | undefined {
  const me = useMe();
  return me.data ? (me.data.coupleId ?? null) : undefined;
}

export function useRepairPlan(coupleId: string | null | undefined) {
  return useQuery({
    queryKey: ['me', 'repair-plan', coupleId],
    enabled: typeof coupleId === 'string',
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/repair-plan', { params: { path: { id: coupleId! } } })),
  });
}

/** The partner's own ratings, newest first (the API never answers the other partner's). */
export function useMyPlanRatings(coupleId: string | null | undefined) {
  return useQuery({
    queryKey: ['me', 'repair-plan', coupleId, 'ratings'],
    enabled: typeof coupleId === 'string',
    queryFn: () =>
      unwrap(
        api.GET('/v1/couples/{id}/repair-plan/ratings', {
          params: { path: { id: coupleId! }, query: { limit: 100 } },
        }),
      ),
  });
}

/** This week's review for the partner: their week, and their ratings of it (empty: not rated yet). */
export function thisWeek(zone: string, ratings: AgreementRating[]) {
  const week = weekOf(zone);
  const rated = ratings.filter((r) => r.period.kind === 'week' && r.period.weekStart === week.weekStart);
  return { ...week, rated };
}
