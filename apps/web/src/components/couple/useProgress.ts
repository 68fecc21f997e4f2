import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export function useProgress(coupleId: string) {
  return useQuery({
    queryKey: ['progress', coupleId],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/progress', { params: { path: { id: coupleId } } })),
    // Opening a couple always shows its current alerts (a safety concern must not hide behind a cached copy).
    staleTime: 0,
    refetchOnMount: 'always',
  });
}
