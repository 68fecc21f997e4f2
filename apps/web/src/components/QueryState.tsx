import { Alert, Button, Skeleton, Stack } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { problemOf } from '../api/client';

/** Loading, error (with retry) and ready states for one query, the same on every screen. */
export function QueryState<T>({
  query,
  label,
  children,
  lines = 3,
}: {
  query: UseQueryResult<T>;
  label: string;
  children: (data: T) => ReactNode;
  lines?: number;
}) {
  if (query.isPending) {
    return (
      <Stack gap="sm" role="status" aria-label={`Loading ${label}`}>
        {Array.from({ length: lines }, (_, i) => (
          <Skeleton key={i} h={28} w={i === lines - 1 ? '60%' : '100%'} />
        ))}
      </Stack>
    );
  }
  if (query.isError) {
    const problem = problemOf(query.error);
    return (
      <Alert color="red" variant="light" title={`Could not load ${label}`} role="alert">
        <Stack gap="xs" align="flex-start">
          {problem.status === 404 ? 'It was not found, or it is not in your caseload.' : problem.plain}
          <Button size="xs" variant="default" onClick={() => void query.refetch()}>
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  }
  return <>{children(query.data)}</>;
}
