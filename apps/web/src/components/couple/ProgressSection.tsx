import { Badge, Button, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';

import { useSession } from '../../auth/AuthProvider';
import { formatDate, formatShortDate, percent, todayIn } from '../../format';
import { stackOnPhone } from '../DataTable';
import { QueryState } from '../QueryState';
import { useEarlierWindows, useProgress } from './useProgress';

const ProgressChart = lazy(() => import('./ProgressChart'));
const COLORS = ['mend.7', 'orange.8'];
const MEASURE: Record<string, string> = { csi4: 'CSI-4', trust_pulse: 'Trust pulse' };

function one(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(1);
}

/** "Dec 6" for a local date (YYYY-MM-DD): one label per day, so the axis never repeats one. */
function dayLabel(day: string): string {
  return new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${day}T12:00:00Z`),
  );
}

// Filled, in shades white text reads on: teal on its light tint, and white on green.9, fail WCAG AA contrast (axe).
const CLASS_LABEL: Record<string, { text: string; color: string }> = {
  recovered: { text: 'Recovered', color: 'teal.9' },
  improved: { text: 'Improved', color: 'cyan.9' },
  unchanged: { text: 'No reliable change', color: 'gray.7' },
  deteriorated: { text: 'Deteriorated', color: 'red.8' },
};

export function ProgressSection({ coupleId }: { coupleId: string }) {
  const progress = useProgress(coupleId);
  const { user } = useSession();
  const zone = user.timezone;
  // The report answers the latest periods; earlier ones come a page at a time on request.
  const [isEarlierShown, setEarlierShown] = useState(false);
  const firstIndex = progress.data?.windows[0]?.index ?? 0;
  const earlier = useEarlierWindows(coupleId, firstIndex, isEarlierShown);
  const earlierWindows = (earlier.data?.pages ?? []).flatMap((p) => p.windows);
  const stillEarlier = isEarlierShown
    ? earlier.data
      ? (earlier.data.pages.at(-1)?.earlierWindows ?? 0)
      : firstIndex
    : (progress.data?.earlierWindows ?? 0);

  return (
    <section aria-labelledby="progress-heading">
      <Title order={2} fz="h3" id="progress-heading" mb="sm">
        Progress
      </Title>
      <QueryState query={progress} label="the progress" lines={4}>
        {(report) => {
          // By index, the report's own windows over an earlier page's (a refetch may have re-cut them).
          const windows = [...new Map([...earlierWindows, ...report.windows].map((w) => [w.index, w])).values()].sort(
            (a, b) => a.index - b.index,
          );
          if (windows.length === 0) return <Text>No check-ins yet. Progress appears after the first ones.</Text>;
          const nameOf = (id: string) => report.partners.find((p) => p.id === id)?.name ?? 'Partner';
          const series = report.partners.map((p, i) => ({ name: p.name, color: COLORS[i % COLORS.length]! }));
          // The chart's days are in the reader's zone (the API's), as are the days sessions and alerts fall on.
          const { chart } = report;
          const chartZone = chart.timezone;
          const rowsOf = (lines: typeof chart.trust) =>
            chart.days.map((day, i) => {
              const row: Record<string, string | number | null> = { label: dayLabel(day) };
              for (const line of lines) row[nameOf(line.partnerId)] = line.values[i] ?? null;
              return row as { label: string };
            });
          const inChart = (iso: string) => {
            const day = todayIn(chartZone, new Date(iso));
            return chart.days.includes(day) ? day : null;
          };
          const sessionDays = new Set(
            windows.flatMap((w) => (w.closedBySessionId ? [inChart(w.end)] : [])).filter((d) => d !== null),
          );
          const alertDays = new Set(report.alerts.map((a) => inChart(a.openedAt)).filter((d) => d !== null));
          const valueOn = (lines: typeof chart.trust, partnerId: string, i: number) =>
            lines.find((l) => l.partnerId === partnerId)?.values[i] ?? null;
          const measures = windows
            .flatMap((w) => w.partners.flatMap((p) => p.measures.map((m) => ({ ...m, partnerId: p.partnerId }))))
            .sort((a, b) => b.dueAt.localeCompare(a.dueAt));
          return (
            <Stack gap="md">
              <Text size="sm" c="dimmed">
                Per day in {chartZone} ({chart.days.length === 1 ? '1 day' : `${chart.days.length} days`} shown): trust
                pulse and CSI-4 per partner. A gap is a day without a reading; sessions and alerts are marked on their
                day.
              </Text>
              <Suspense fallback={<Skeleton h={420} />}>
                <ProgressChart
                  trust={rowsOf(chart.trust)}
                  csi4={rowsOf(chart.csi4)}
                  series={series}
                  sessionLabels={[...sessionDays].map(dayLabel)}
                  alertLabels={[...alertDays].map(dayLabel)}
                />
              </Suspense>
              <Table.ScrollContainer
                type="native"
                role="region"
                minWidth={520}
                tabIndex={0}
                aria-label="The chart's readings per day, as a table"
                {...stackOnPhone(['Day', ...report.partners.map((p) => `${p.name}: trust, CSI-4`), 'Marked'])}
              >
                <Table striped data-testid="progress-chart-table">
                  <caption className="visually-hidden">Trust pulse and CSI-4 per day, as drawn in the chart</caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Day</Table.Th>
                      {report.partners.map((p) => (
                        <Table.Th scope="col" key={p.id}>
                          {p.name}: trust, CSI-4
                        </Table.Th>
                      ))}
                      <Table.Th scope="col">Marked</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {chart.days.map((day, i) => (
                      <Table.Tr key={day}>
                        <Table.Th scope="row" fw={400}>
                          {dayLabel(day)}
                        </Table.Th>
                        {report.partners.map((p) => (
                          <Table.Td key={p.id}>
                            {one(valueOn(chart.trust, p.id, i))}, {valueOn(chart.csi4, p.id, i) ?? '—'}
                          </Table.Td>
                        ))}
                        <Table.Td>
                          {[sessionDays.has(day) ? 'Session' : null, alertDays.has(day) ? 'Alert' : null]
                            .filter(Boolean)
                            .join(', ') || '—'}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {report.reliableChange.length > 0 && (
                <Table.ScrollContainer
                  type="native"
                  role="region"
                  minWidth={520}
                  tabIndex={0}
                  aria-label="Reliable change"
                  {...stackOnPhone(['Partner', 'Measure', 'From → to', 'Change', 'Compared with'])}
                >
                  <Table>
                    <caption className="visually-hidden">Reliable change per partner and measure</caption>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">Partner</Table.Th>
                        <Table.Th scope="col">Measure</Table.Th>
                        <Table.Th scope="col">From → to</Table.Th>
                        <Table.Th scope="col">Change</Table.Th>
                        <Table.Th scope="col">Compared with</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {report.reliableChange.map((r) => {
                        const cls = r.classification ? CLASS_LABEL[r.classification] : undefined;
                        return (
                          <Table.Tr key={`${r.partnerId}-${r.measure}`}>
                            <Table.Td>{nameOf(r.partnerId)}</Table.Td>
                            <Table.Td>{MEASURE[r.measure] ?? r.measure}</Table.Td>
                            <Table.Td>
                              {r.baseline} → {r.latest ?? '—'}
                            </Table.Td>
                            <Table.Td>
                              {cls ? (
                                <Badge color={cls.color} variant="filled">
                                  {cls.text}
                                  {r.rci === null ? '' : ` (RCI ${r.rci.toFixed(2)})`}
                                </Badge>
                              ) : (
                                'Not yet: one score'
                              )}
                            </Table.Td>
                            <Table.Td>
                              {r.reference === 'self_referenced'
                                ? 'Self-referenced: own first period'
                                : 'Published reliability and cut-off; SD assumed'}
                            </Table.Td>
                          </Table.Tr>
                        );
                      })}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
              {stillEarlier > 0 && (
                <Button
                  variant="default"
                  w="fit-content"
                  onClick={() => (isEarlierShown ? void earlier.fetchNextPage() : setEarlierShown(true))}
                  loading={earlier.isFetching}
                >
                  {stillEarlier === 1 ? 'Show the earlier period' : `Show earlier periods (${stillEarlier} more)`}
                </Button>
              )}
              {earlier.isError && (
                <Text c="red.8" role="alert">
                  The earlier periods could not be loaded. Try again.
                </Text>
              )}
              <Table.ScrollContainer
                type="native"
                role="region"
                minWidth={520}
                tabIndex={0}
                aria-label="Progress per period, as a table"
                {...stackOnPhone(['Period', ...report.partners.map((p) => `${p.name}: trust, done`), 'Ended with'])}
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
                  {...stackOnPhone(['Date', 'Partner', 'Measure', 'Score', 'Band'])}
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
