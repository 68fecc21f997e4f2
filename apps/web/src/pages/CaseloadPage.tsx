import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';

import { api, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { coupleName, formatDateTime, percent } from '../format';

type Row = Schemas['CaseloadCoupleResponse'];
type Sort = 'alerts' | 'name' | 'next-session' | 'completion' | 'last-check-in';
type StatusFilter = 'open' | 'active' | 'paused' | 'closed' | 'alerts';

const SORTS: { value: Sort; label: string }[] = [
  { value: 'alerts', label: 'Alerts first' },
  { value: 'completion', label: 'Lowest completion first' },
  { value: 'next-session', label: 'Next session soonest' },
  { value: 'last-check-in', label: 'Longest without a check-in' },
  { value: 'name', label: 'Name' },
];

/**
 * A badge keeps its whole word in a narrow table cell: Mantine's label clips (overflow hidden),
 * which lets the table squeeze it to "ACTI…"; a visible overflow keeps its text's width.
 */
const NO_SHRINK = { root: { maxWidth: 'none', overflow: 'visible' }, label: { overflow: 'visible' } } as const;

const STATUS_COLOR: Record<Row['status'], string> = { active: 'green', paused: 'yellow', closed: 'gray' };

function compare(sort: Sort) {
  const byName = (a: Row, b: Row) => coupleName(a.partners, a.label).localeCompare(coupleName(b.partners, b.label));
  return (a: Row, b: Row): number => {
    if (sort === 'name') return byName(a, b);
    if (sort === 'next-session') {
      const x = a.nextSession?.startsAt ?? '9999';
      const y = b.nextSession?.startsAt ?? '9999';
      return x.localeCompare(y) || byName(a, b);
    }
    if (sort === 'completion') {
      return (a.recentCompletion.completionRate ?? 2) - (b.recentCompletion.completionRate ?? 2) || byName(a, b);
    }
    if (sort === 'last-check-in') {
      return (a.lastCheckInAt ?? '').localeCompare(b.lastCheckInAt ?? '') || byName(a, b);
    }
    // Alerts first: safety concerns, then the number of open alerts, then the least homework done.
    return (
      b.openAlertsBySeverity.high - a.openAlertsBySeverity.high ||
      b.openAlerts - a.openAlerts ||
      (a.recentCompletion.completionRate ?? 2) - (b.recentCompletion.completionRate ?? 2) ||
      byName(a, b)
    );
  };
}

export function CaseloadPage() {
  useDocumentTitle('Caseload');
  const { user } = useSession();
  const [sort, setSort] = useState<Sort>('alerts');
  const [status, setStatus] = useState<StatusFilter>('open');
  const [search, setSearch] = useState('');
  const caseload = useQuery({
    queryKey: ['caseload', status === 'closed' ? 'closed' : 'open'],
    queryFn: () =>
      unwrap(
        api.GET('/v1/caseload', { params: { query: { limit: 200, ...(status === 'closed' ? { status } : {}) } } }),
      ),
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1}>Caseload</Title>
          <Text c="dimmed">Couples with open alerts come first.</Text>
        </div>
        <Button component={Link} to="/couples/new">
          New couple
        </Button>
      </Group>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Find a couple"
          placeholder="Name"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={{ base: '100%', xs: 220 }}
        />
        <Select
          label="Sort"
          data={SORTS}
          value={sort}
          onChange={(value) => value && setSort(value as Sort)}
          allowDeselect={false}
          w={{ base: '100%', xs: 240 }}
        />
        <Select
          label="Show"
          data={[
            { value: 'open', label: 'Current couples' },
            { value: 'alerts', label: 'With open alerts' },
            { value: 'active', label: 'Active' },
            { value: 'paused', label: 'Paused' },
            { value: 'closed', label: 'Closed' },
          ]}
          value={status}
          onChange={(value) => value && setStatus(value as StatusFilter)}
          allowDeselect={false}
          w={{ base: '100%', xs: 200 }}
        />
      </Group>
      <QueryState query={caseload} label="your caseload" lines={5}>
        {(page) => {
          const rows = page.data
            .filter((row) =>
              status === 'open' || status === 'closed'
                ? true
                : status === 'alerts'
                  ? row.openAlerts > 0
                  : row.status === status,
            )
            .filter((row) =>
              search.trim()
                ? coupleName(row.partners, row.label).toLowerCase().includes(search.trim().toLowerCase())
                : true,
            );
          return <CaseloadList rows={rows} sort={sort} isEmpty={page.data.length === 0} zone={user.timezone} />;
        }}
      </QueryState>
    </Stack>
  );
}

function CaseloadList({ rows, sort, isEmpty, zone }: { rows: Row[]; sort: Sort; isEmpty: boolean; zone: string }) {
  const sorted = useMemo(() => [...rows].sort(compare(sort)), [rows, sort]);
  if (isEmpty) {
    return (
      <Card withBorder padding="lg">
        <Stack align="flex-start">
          <Text fw={600}>No couples here yet.</Text>
          <Text>Add a couple to invite both partners and start assigning homework.</Text>
          <Button component={Link} to="/couples/new">
            Add the first couple
          </Button>
        </Stack>
      </Card>
    );
  }
  if (sorted.length === 0) return <Text role="status">No couple matches these filters.</Text>;
  return (
    <>
      <Table visibleFrom="md" highlightOnHover verticalSpacing="sm" aria-label="Caseload">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Couple</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">Open alerts</Table.Th>
            <Table.Th scope="col">Homework done, last 14 days</Table.Th>
            <Table.Th scope="col">Last check-in</Table.Th>
            <Table.Th scope="col">Next session</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((row) => (
            <Table.Tr key={row.coupleId}>
              <Table.Th scope="row" fw={500}>
                <Anchor component={Link} to={`/couples/${row.coupleId}`}>
                  {coupleName(row.partners, row.label)}
                </Anchor>
              </Table.Th>
              <Table.Td>
                <Badge color={STATUS_COLOR[row.status]} variant="light" styles={NO_SHRINK}>
                  {row.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                <AlertCount alerts={row.openAlertsBySeverity} />
              </Table.Td>
              <Table.Td>
                <PartnerCompletion row={row} />
              </Table.Td>
              <Table.Td>{row.lastCheckInAt ? formatDateTime(row.lastCheckInAt, zone) : 'None yet'}</Table.Td>
              <Table.Td>{row.nextSession ? formatDateTime(row.nextSession.startsAt, zone) : 'None scheduled'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <SimpleGrid hiddenFrom="md" cols={1} spacing="sm" component="ul" style={{ listStyle: 'none', padding: 0 }}>
        {sorted.map((row) => (
          <Card key={row.coupleId} withBorder component="li" padding="md">
            <Stack gap={6}>
              <Group justify="space-between" wrap="nowrap">
                <Anchor component={Link} to={`/couples/${row.coupleId}`} fw={600}>
                  {coupleName(row.partners, row.label)}
                </Anchor>
                <Badge color={STATUS_COLOR[row.status]} variant="light" styles={NO_SHRINK}>
                  {row.status}
                </Badge>
              </Group>
              <AlertCount alerts={row.openAlertsBySeverity} />
              <PartnerCompletion row={row} />
              <Text size="sm">
                Last check-in: {row.lastCheckInAt ? formatDateTime(row.lastCheckInAt, zone) : 'none yet'}
              </Text>
              <Text size="sm">
                Next session: {row.nextSession ? formatDateTime(row.nextSession.startsAt, zone) : 'none scheduled'}
              </Text>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    </>
  );
}

function AlertCount({ alerts }: { alerts: Row['openAlertsBySeverity'] }) {
  if (alerts.high + alerts.normal === 0) return <Text size="sm">No open alerts</Text>;
  return (
    <Group gap={4} wrap="wrap">
      {alerts.high > 0 && (
        <Badge color="red.8" variant="filled">
          {alerts.high} urgent
        </Badge>
      )}
      {alerts.normal > 0 && (
        <Badge color="red.9" variant="outline">
          {alerts.normal} open {alerts.normal === 1 ? 'alert' : 'alerts'}
        </Badge>
      )}
    </Group>
  );
}

/** Each partner's own share of the last 14 days' homework (joint homework only in the couple's total). */
function PartnerCompletion({ row }: { row: Row }) {
  const withOwn = row.partners.filter((p) => p.recentCompletion.expected > 0);
  if (withOwn.length === 0) return <Completion value={row.recentCompletion} />;
  return (
    <Stack gap={2} component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {row.partners.map((p) => (
        <li key={p.id}>
          <Completion value={p.recentCompletion} who={p.name.split(' ')[0]} />
        </li>
      ))}
    </Stack>
  );
}

function Completion({ value, who }: { value: Row['recentCompletion']; who?: string }) {
  const prefix = who ? `${who}: ` : '';
  if (!value.expected) return <Text size="sm">{prefix}Nothing due yet</Text>;
  return (
    <Group gap="xs" wrap="nowrap">
      <Progress
        value={(value.completionRate ?? 0) * 100}
        w={64}
        color={(value.completionRate ?? 0) < 0.5 ? 'orange' : 'mend'}
        aria-hidden
      />
      <Text size="sm">
        {prefix}
        {percent(value.completionRate)} ({value.completed} of {value.expected})
      </Text>
    </Group>
  );
}
