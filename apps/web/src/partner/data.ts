import { useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/AuthProvider';

export type MyAssignment = Schemas['ClientAssignmentResponse'];
export type Occurrence = Schemas['OccurrenceResponse'];
export type CheckIn = Schemas['CheckInResponse'];

/** The partner's own record, read fresh (the zone and quiet hours change in settings). */
export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/v1/me')) });
}

/** The partner's zone: the fresh record's when loaded, the sign-in's until then. */
export function useZone(): string {
  const { user } = useSession();
  const me = useMe();
  return me.data?.user.timezone ?? user.timezone;
}

export function useMyAssignments() {
  return useQuery({ queryKey: ['me', 'assignments'], queryFn: () => unwrap(api.GET('/v1/me/assignments')) });
}

export function useMyCheckIns() {
  return useQuery({
    queryKey: ['me', 'check-ins'],
    queryFn: () => unwrap(api.GET('/v1/me/check-ins', { params: { query: { limit: 100 } } })),
  });
}

/** Occurrences that are this partner's to answer: their own, and the couple's joint ones. */
export function mine(occurrence: Occurrence, userId: string): boolean {
  return occurrence.partnerId === null || occurrence.partnerId === undefined || occurrence.partnerId === userId;
}

export interface Due {
  assignment: MyAssignment;
  occurrence: Occurrence;
}

/** Every occurrence of the partner's active assignments, flattened and in due order. */
export function occurrencesOf(assignments: MyAssignment[], userId: string): Due[] {
  return assignments
    .flatMap((assignment) =>
      assignment.occurrences.filter((o) => mine(o, userId)).map((occurrence) => ({ assignment, occurrence })),
    )
    .sort((a, b) => a.occurrence.dueAt.localeCompare(b.occurrence.dueAt));
}

export function checkInPath(assignmentId: string, dueAt: string): string {
  return `/home/check-in/${assignmentId}?at=${encodeURIComponent(dueAt)}`;
}
