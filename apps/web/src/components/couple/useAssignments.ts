import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export function useAssignments(coupleId: string) {
  return useQuery({
    queryKey: ['assignments', coupleId],
    queryFn: () =>
      unwrap(api.GET('/v1/couples/{id}/assignments', { params: { path: { id: coupleId }, query: { limit: 200 } } })),
  });
}
