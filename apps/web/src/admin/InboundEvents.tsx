import { Badge, Button, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { DataTable } from '../components/DataTable';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { formatDateTime } from '../format';
import { withReauth } from './Reauth';

type InboundEvent = Schemas['InboundEventResponse'];
type Outcome = InboundEvent['outcome'];

const OUTCOME_COLOR: Record<string, string> = {
  applied: 'green',
  duplicate: 'gray',
  ignored: 'gray',
  unmatched: 'orange',
  pending: 'blue',
};

/** What the scheduling tools sent, what Mend did with each, and reprocessing (after adding a couple). */
export function InboundEvents() {
  const client = useQueryClient();
  const [outcome, setOutcome] = useState<string | null>(null);
  const events = useQuery({
    queryKey: ['inbound-events', outcome],
    queryFn: () =>
      unwrap(
        api.GET('/v1/inbound-events', {
          params: { query: { limit: 50, outcome: (outcome ?? undefined) as Outcome | undefined } },
        }),
      ),
  });
  const reprocess = useMutation({
    mutationFn: (id: string) =>
      withReauth(() => unwrap(api.POST('/v1/inbound-events/{id}/reprocess', { params: { path: { id } } }))),
    onSuccess: () => client.invalidateQueries({ queryKey: ['inbound-events'] }),
  });
  return (
    <section aria-labelledby="inbound-heading">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end">
          <Title order={2} size="h3" id="inbound-heading">
            Inbound events
          </Title>
          <Select
            label="Outcome"
            placeholder="Any"
            clearable
            w={180}
            data={['applied', 'unmatched', 'ignored', 'duplicate', 'pending']}
            value={outcome}
            onChange={setOutcome}
          />
        </Group>
        <FormError message={reprocess.error ? problemOf(reprocess.error).plain : null} />
        <QueryState query={events} label="the inbound events">
          {(page) => (
            <DataTable
              label="Inbound events"
              minWidth={760}
              columns={['Received', 'Event', 'Attendees', 'Outcome', 'Actions']}
              rows={page.data}
              rowKey={(e) => e.id}
              empty={outcome ? 'No event has this outcome.' : 'No bookings received yet.'}
            >
              {(e) => (
                <>
                  <Table.Td>{formatDateTime(e.receivedAt)}</Table.Td>
                  <Table.Th scope="row" ff="monospace" fw={400}>
                    {e.eventType}
                  </Table.Th>
                  <Table.Td>{e.attendees.join(', ')}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={OUTCOME_COLOR[e.outcome] ?? 'gray'}>
                      {e.outcome}
                    </Badge>
                    <Text size="sm">{e.reason}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => reprocess.mutate(e.id)}
                      loading={reprocess.isPending && reprocess.variables === e.id}
                      aria-label={`Reprocess ${e.eventType} of ${formatDateTime(e.receivedAt)}`}
                    >
                      Reprocess
                    </Button>
                  </Table.Td>
                </>
              )}
            </DataTable>
          )}
        </QueryState>
      </Stack>
    </section>
  );
}
