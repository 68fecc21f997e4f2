import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/AuthProvider';
import { formatDate, formatDateTime, todayIn } from '../../format';
import { QueryState } from '../QueryState';
import { useAssignments } from './useAssignments';

type CheckIn = Schemas['CheckInResponse'];

function answerText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.join(', ') || '—';
  if (value === null || value === undefined || value === '') return '—';
  return String(value);
}

function humanize(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Answers({ checkIn, zone }: { checkIn: CheckIn; zone: string }) {
  return (
    <Stack gap={4}>
      <Group gap="xs">
        {checkIn.visibility === 'private' ? (
          <Badge color="gray" variant="light">
            Private: not shared with the partner
          </Badge>
        ) : (
          <Badge color="mend" variant="light">
            Shared with the partner
          </Badge>
        )}
        {checkIn.isLate && (
          <Badge color="orange" variant="light">
            Late
          </Badge>
        )}
      </Group>
      {checkIn.score && (
        <Text size="sm">
          Score: {checkIn.score.value}
          {checkIn.score.isBelowCutoff ? ` (below the cut-off of ${checkIn.score.cutoff})` : ''}
        </Text>
      )}
      <dl style={{ margin: 0 }}>
        {Object.entries(checkIn.answers).map(([key, value]) => (
          <div key={key}>
            <Text component="dt" size="sm" fw={600}>
              {humanize(key)}
            </Text>
            <Text component="dd" size="sm" ml={0} mb={4} style={{ whiteSpace: 'pre-wrap' }}>
              {answerText(value)}
            </Text>
          </div>
        ))}
      </dl>
      <Text size="xs" c="dimmed">
        Sent {formatDateTime(checkIn.submittedAt, zone)}
      </Text>
    </Stack>
  );
}

export function CheckInsSection({
  coupleId,
  partners,
}: {
  coupleId: string;
  partners: { id: string; name: string; timezone: string }[];
}) {
  const { user } = useSession();
  const assignments = useAssignments(coupleId);
  const checkIns = useQuery({
    queryKey: ['check-ins', coupleId],
    queryFn: () =>
      unwrap(api.GET('/v1/couples/{id}/check-ins', { params: { path: { id: coupleId }, query: { limit: 100 } } })),
  });
  const titleOf = (id: string) => assignments.data?.data.find((a) => a.id === id)?.title ?? 'Homework';

  return (
    <section aria-labelledby="check-ins-heading">
      <Title order={2} fz="h3" id="check-ins-heading" mb="sm">
        Check-ins
      </Title>
      <QueryState query={checkIns} label="the check-ins" lines={4}>
        {(page) => {
          if (page.data.length === 0) return <Text>No check-ins yet.</Text>;
          // One card per homework and local day: each partner's occurrence is due at the same
          // wall-clock time in their own zone, so the two instants differ when the zones do.
          const zoneOf = (c: CheckIn) =>
            partners.find((p) => p.id === (c.partnerId ?? c.authorId))?.timezone ?? user.timezone;
          const dayOf = (c: CheckIn) => todayIn(zoneOf(c), new Date(c.occurrenceAt));
          const groups = new Map<string, CheckIn[]>();
          for (const c of page.data) {
            const key = `${c.assignmentId}|${dayOf(c)}`;
            groups.set(key, [...(groups.get(key) ?? []), c]);
          }
          const sorted = [...groups.entries()].sort(
            (a, b) =>
              dayOf(b[1][0]!).localeCompare(dayOf(a[1][0]!)) ||
              b[1][0]!.occurrenceAt.localeCompare(a[1][0]!.occurrenceAt),
          );
          return (
            <Stack gap="sm">
              {sorted.map(([key, items]) => {
                const first = items[0]!;
                const isJoint = items.every((c) => !c.partnerId);
                // The local day, named as a date (noon UTC of that day reads the same in every zone).
                const day = formatDate(`${dayOf(first)}T12:00:00Z`, 'UTC');
                return (
                  <Card
                    key={key}
                    withBorder
                    padding="sm"
                    component="article"
                    aria-label={`${titleOf(first.assignmentId)}, ${day}`}
                  >
                    <Text fw={600}>{titleOf(first.assignmentId)}</Text>
                    <Text size="sm" c="dimmed" mb="xs">
                      {isJoint
                        ? `Due ${formatDateTime(first.occurrenceAt, zoneOf(first), true)}`
                        : `Due ${day}, at each partner’s local time`}
                    </Text>
                    {isJoint ? (
                      <Answers checkIn={first} zone={user.timezone} />
                    ) : (
                      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                        {partners.map((p) => {
                          const mine = items.find((c) => c.partnerId === p.id || c.authorId === p.id);
                          return (
                            <Stack key={p.id} gap={4}>
                              <Text fw={600} size="sm">
                                {p.name}
                              </Text>
                              {mine && (
                                <Text size="xs" c="dimmed">
                                  Due {formatDateTime(mine.occurrenceAt, p.timezone, true)}
                                </Text>
                              )}
                              {mine ? (
                                <Answers checkIn={mine} zone={user.timezone} />
                              ) : (
                                <Text size="sm">No check-in.</Text>
                              )}
                            </Stack>
                          );
                        })}
                      </SimpleGrid>
                    )}
                  </Card>
                );
              })}
            </Stack>
          );
        }}
      </QueryState>
    </section>
  );
}
