import { Badge, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';

import { useSession } from '../../auth/AuthProvider';
import { formatDate, formatShortDate, percent } from '../../format';
import { QueryState } from '../QueryState';
import { useProgress } from './useProgress';

const ProgressChart = lazy(() => import('./ProgressChart'));
const COLORS = ['mend.7', 'orange.8'];
const MEASURE: Record<string, string> = { csi4: 'CSI-4', trust_pulse: 'Trust pulse' };

function one(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(1);
}

export function ProgressSection({ coupleId }: { coupleId: string }) {
  const progress = useProgress(coupleId);
  const { user } = useSession();
  const zone = user.timezone;

  return (
    <section aria-labelledby="progress-heading">
      <Title order={2} fz="h3" id="progress-heading" mb="sm">
        Progress
      </Title>
      <QueryState query={progress} label="the progress" lines={4}>
        {(report) => {
          const windows = [...report.windows].sort((a, b) => a.index - b.index);
          if (windows.length === 0) return <Text>No check-ins yet. Progress appears after the first ones.</Text>;
          const nameOf = (id: string) => report.partners.find((p) => p.id === id)?.name ?? 'Partner';
          const data = windows.map((w) => {
            const point: Record<string, string | number | null> = {
              label: w.isCurrent ? 'Now' : formatShortDate(w.end, zone),
            };
            for (const p of w.partners) point[nameOf(p.partnerId)] = p.trustMean;
            return point as { label: string };
          });
          const series = report.partners.map((p, i) => ({ name: p.name, color: COLORS[i % COLORS.length]! }));
          const sessionLabels = windows.filter((w) => w.closedBySessionId).map((w) => formatShortDate(w.end, zone));
          const measures = windows
            .flatMap((w) => w.partners.flatMap((p) => p.measures.map((m) => ({ ...m, partnerId: p.partnerId }))))
            .sort((a, b) => b.dueAt.localeCompare(a.dueAt));
          return (
            <Stack gap="md">
              <Text size="sm" c="dimmed">
                Trust pulse (0–10), mean per period between sessions. Periods that ended with a session are marked.
              </Text>
              <Suspense fallback={<Skeleton h={260} />}>
                <ProgressChart data={data} series={series} sessionLabels={sessionLabels} />
              </Suspense>
              <Table.ScrollContainer
                type="native"
                role="region"
                minWidth={520}
                tabIndex={0}
                aria-label="Progress per period, as a table"
              >
                <Table striped>
                  <caption className="visually-hidden">Trust pulse and completion per period</caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Period</Table.Th>
                      {report.partners.map((p) => (
                        <Table.Th scope="col" key={p.id}>
                          {p.name}: trust, done
                        </Table.Th>
                      ))}
                      <Table.Th scope="col">Ended with</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {windows.map((w) => (
                      <Table.Tr key={w.index}>
                        <Table.Th scope="row" fw={400}>
                          {formatShortDate(w.start, zone)} – {formatShortDate(w.end, zone)}
                          {w.isCurrent ? ' (current)' : ''}
                        </Table.Th>
                        {report.partners.map((p) => {
                          const pw = w.partners.find((x) => x.partnerId === p.id);
                          return (
                            <Table.Td key={p.id}>
                              {one(pw?.trustMean)}, {percent(pw?.completionRate)}
                            </Table.Td>
                          );
                        })}
                        <Table.Td>{w.closedBySessionId ? 'Session' : '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Title order={3} fz="h4">
                Measure scores
              </Title>
              {measures.length === 0 ? (
                <Text>No measure scores yet.</Text>
              ) : (
                <Table.ScrollContainer
                  type="native"
                  role="region"
                  minWidth={480}
                  tabIndex={0}
                  aria-label="Measure scores"
                >
                  <Table>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">Date</Table.Th>
                        <Table.Th scope="col">Partner</Table.Th>
                        <Table.Th scope="col">Measure</Table.Th>
                        <Table.Th scope="col">Score</Table.Th>
                        <Table.Th scope="col">Band</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {measures.map((m) => (
                        <Table.Tr key={`${m.occurrenceId}-${m.partnerId}`}>
                          <Table.Td>{formatDate(m.dueAt, zone)}</Table.Td>
                          <Table.Td>{nameOf(m.partnerId)}</Table.Td>
                          <Table.Td>{MEASURE[m.kind] ?? m.kind}</Table.Td>
                          <Table.Td>{m.value}</Table.Td>
                          <Table.Td>
                            {m.cutoff === null ? (
                              '—'
                            ) : m.isBelowCutoff ? (
                              <Badge color="red" variant="light">
                                Below cut-off ({m.cutoff})
                              </Badge>
                            ) : (
                              <Badge color="green" variant="light">
                                At or above cut-off ({m.cutoff})
                              </Badge>
                            )}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </Stack>
          );
        }}
      </QueryState>
    </section>
  );
}
