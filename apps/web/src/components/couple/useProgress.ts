import { useInfiniteQuery, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

/** How many earlier windows one "Show earlier periods" brings (the API answers the latest 12 first). */
const EARLIER_PAGE = 12;

export function useProgress(coupleId: string) {
  return useQuery({
    queryKey: ['progress', coupleId],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/progress', { params: { path: { id: coupleId } } })),
    // Opening a couple always shows its current alerts (a safety concern must not hide behind a cached copy).
    staleTime: 0,
    refetchOnMount: 'always',
  });
}

/**
 * The windows before `before` (the first index the report answered), a page per call of
 * fetchNextPage, newest page first; nothing is fetched until `isShown`.
 */
export function useEarlierWindows(coupleId: string, before: number, isShown: boolean) {
  return useInfiniteQuery({
    queryKey: ['progress', coupleId, 'earlier', before],
    initialPageParam: before,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/couples/{id}/progress', {
          params: { path: { id: coupleId }, query: { before: pageParam, windows: EARLIER_PAGE } },
        }),
      ),
    getNextPageParam: (last) => (last.earlierWindows > 0 ? last.windows[0]?.index : undefined),
    enabled: isShown && before > 0,
  });
}
