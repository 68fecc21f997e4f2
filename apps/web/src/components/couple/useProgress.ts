import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export function useProgress(coupleId: string) {
  return useQuery({
    queryKey: ['progress', coupleId],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/progress', { params: { path: { id: coupleId } } })),
  });
}
