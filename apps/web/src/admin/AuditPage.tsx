import { Badge, Button, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { stackOnPhone } from '../components/DataTable';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDateTime, zonedInstant } from '../format';

type Filters = {
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string;
  outcome: string | null;
  from: string;
  to: string;
};
const EMPTY: Filters = {
  actorId: null,
  action: '',
  resourceType: null,
  resourceId: '',
  outcome: null,
  from: '',
  to: '',
};

const RESOURCE_TYPES = [
  'user',
  'couple',
  'assignment',
  'check_in',
  'session',
  'alert',
  'exercise',
  'api_key',
  'webhook_endpoint',
  'integration',
  'clinic',
];

/** Who did what to which object, and when: the clinic's audit log, filtered, newest first. */
export default function AuditPage() {
  useDocumentTitle('Audit log');
  const { clinic } = useSession();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const staff = useQuery({
    queryKey: ['users', 'all-for-audit'],
    queryFn: async () => {
      const pages = await Promise.all(
        (['admin', 'therapist'] as const).map((role) =>
          unwrap(api.GET('/v1/users', { params: { query: { role, limit: 200 } } })),
        ),
      );
      return pages.flatMap((p) => p.data);
    },
  });
  const names = new Map((staff.data ?? []).map((u) => [u.id, u.name]));
  const instant = (local: string) =>
    local ? zonedInstant(local.slice(0, 10), local.slice(11, 16), clinic.timezone).toISOString() : undefined;
  const events = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/v1/audit-events', {
          params: {
            query: {
              limit: 50,
              cursor: pageParam,
              actorId: filters.actorId ?? undefined,
              action: filters.action.trim() || undefined,
              resourceType: filters.resourceType ?? undefined,
              resourceId: filters.resourceId.trim() || undefined,
              outcome: (filters.outcome ?? undefined) as Schemas['AuditEventResponse']['outcome'] | undefined,
              from: instant(filters.from),
              to: instant(filters.to),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1}>Audit log</Title>
        <Text c="dimmed">Times in the clinic’s zone, {clinic.timezone.replace(/_/g, ' ')}.</Text>
      </Stack>
      <form onSubmit={apply} aria-label="Filter the audit log">
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
            <Select
              label="Actor"
              placeholder="Anyone"
              clearable
              searchable
              data={(staff.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
              value={draft.actorId}
              onChange={(v) => set('actorId', v)}
            />
            <TextInput
              label="Action"
              placeholder="e.g. couple.update"
              value={draft.action}
              onChange={(e) => set('action', e.currentTarget.value)}
            />
            <Select
              label="Object type"
              placeholder="Any"
              clearable
              data={RESOURCE_TYPES}
              value={draft.resourceType}
              onChange={(v) => set('resourceType', v)}
            />
            <TextInput
              label="Object id"
              value={draft.resourceId}
              onChange={(e) => set('resourceId', e.currentTarget.value)}
            />
            <Select
              label="Outcome"
              placeholder="Any"
              clearable
              data={['success', 'failure', 'denied']}
              value={draft.outcome}
              onChange={(v) => set('outcome', v)}
            />
            <TextInput
              type="datetime-local"
              label="From"
              value={draft.from}
              onChange={(e) => set('from', e.currentTarget.value)}
            />
            <TextInput
              type="datetime-local"
              label="To"
              value={draft.to}
              onChange={(e) => set('to', e.currentTarget.value)}
            />
          </SimpleGrid>
          <Group>
            <Button type="submit">Apply filters</Button>
            <Button
              variant="default"
              onClick={() => {
                setDraft(EMPTY);
                setFilters(EMPTY);
              }}
            >
              Clear
            </Button>
          </Group>
        </Stack>
      </form>
      <QueryState query={events} label="the audit log">
        {(data) => {
          const rows = data.pages.flatMap((p) => p.data);
          if (rows.length === 0) return <Text>No audit events match these filters.</Text>;
          return (
            <Stack gap="sm">
              <Table.ScrollContainer
                type="native"
                minWidth={820}
                role="region"
                tabIndex={0}
                aria-label="Audit events"
                {...stackOnPhone(['When', 'Actor', 'Action', 'Object', 'Outcome'])}
              >
                <Table striped verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">When</Table.Th>
                      <Table.Th scope="col">Actor</Table.Th>
                      <Table.Th scope="col">Action</Table.Th>
                      <Table.Th scope="col">Object</Table.Th>
                      <Table.Th scope="col">Outcome</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((e) => (
                      <Table.Tr key={e.id}>
                        <Table.Td>{formatDateTime(e.occurredAt, clinic.timezone)}</Table.Td>
                        <Table.Td>
                          {e.actorId
                            ? (names.get(e.actorId) ?? `${e.actorType} ${e.actorId.slice(0, 8)}`)
                            : e.actorType}
                        </Table.Td>
                        <Table.Th scope="row" ff="monospace" fw={400}>
                          {e.action}
                        </Table.Th>
                        <Table.Td ff="monospace">
                          {e.resourceType ? `${e.resourceType} ${e.resourceId?.slice(0, 8) ?? ''}` : '—'}
                        </Table.Td>
                        <Table.Td>
                          <Badge
                            variant="light"
                            color={e.outcome === 'success' ? 'green' : e.outcome === 'denied' ? 'orange' : 'red'}
                          >
                            {e.outcome}
                          </Badge>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {events.hasNextPage ? (
                <Button
                  variant="default"
                  w="fit-content"
                  onClick={() => void events.fetchNextPage()}
                  loading={events.isFetchingNextPage}
                >
                  Show older events
                </Button>
              ) : null}
            </Stack>
          );
        }}
      </QueryState>
    </Stack>
  );
}
