import { Badge, Button, Group, Modal, Select, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { stackOnPhone } from '../components/DataTable';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { coupleName } from '../format';

type Caseload = Schemas['TherapistCaseloadResponse'];
type Couple = Schemas['CoupleResponse'];

/**
 * The admin's home: each therapist's load, overdue homework and couples at risk (open alerts),
 * and the couples of one therapist, each of which can be moved to another therapist. Check-in
 * answers and notes stay with the therapists.
 */
export default function CaseloadsPage() {
  useDocumentTitle('Caseloads');
  const caseloads = useQuery({
    queryKey: ['clinic-caseloads'],
    queryFn: () => unwrap(api.GET('/v1/clinic/caseloads', { params: { query: { limit: 200 } } })),
    // A therapist invited a moment ago must be offered as a reassignment target.
    refetchOnMount: 'always',
  });
  const [selected, setSelected] = useState<string | null>(null);

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1}>Caseloads</Title>
        <Text c="dimmed">Each therapist’s load. Check-in answers and notes stay with the therapists.</Text>
      </Stack>
      <QueryState query={caseloads} label="the caseloads">
        {(page) =>
          page.data.length === 0 ? (
            <Text>No therapists yet. Invite one under Users.</Text>
          ) : (
            <>
              <Table.ScrollContainer
                type="native"
                role="region"
                minWidth={640}
                tabIndex={0}
                aria-label="Therapists’ caseloads"
                {...stackOnPhone([
                  'Therapist',
                  'Active couples',
                  'Overdue homework',
                  'Couples at risk (open alerts)',
                  'Couples',
                ])}
              >
                <Table striped verticalSpacing="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Therapist</Table.Th>
                      <Table.Th scope="col">Active couples</Table.Th>
                      <Table.Th scope="col">Overdue homework</Table.Th>
                      <Table.Th scope="col">Couples at risk (open alerts)</Table.Th>
                      <Table.Th scope="col">Couples</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {page.data.map((row) => (
                      <Table.Tr key={row.therapistId}>
                        <Table.Th scope="row">
                          {row.name}
                          {row.isDisabled ? (
                            <Badge ml="xs" variant="light" color="gray">
                              disabled
                            </Badge>
                          ) : null}
                        </Table.Th>
                        <Table.Td>
                          {row.activeCouples}
                          {row.pausedCouples ? ` (+${row.pausedCouples} paused)` : ''}
                        </Table.Td>
                        <Table.Td>{row.overdueOccurrences}</Table.Td>
                        <Table.Td>
                          {row.couplesWithOpenAlerts > 0 ? (
                            <Badge color="red" variant="light">
                              {row.couplesWithOpenAlerts}
                            </Badge>
                          ) : (
                            0
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="xs"
                            variant={selected === row.therapistId ? 'filled' : 'default'}
                            onClick={() => setSelected(selected === row.therapistId ? null : row.therapistId)}
                            aria-expanded={selected === row.therapistId}
                            aria-label={`${selected === row.therapistId ? 'Hide couples' : 'Show couples'} of ${row.name}`}
                          >
                            {selected === row.therapistId ? 'Hide couples' : 'Show couples'}
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {selected ? (
                <TherapistCouples therapist={page.data.find((r) => r.therapistId === selected)!} all={page.data} />
              ) : null}
            </>
          )
        }
      </QueryState>
    </Stack>
  );
}

function TherapistCouples({ therapist, all }: { therapist: Caseload; all: Caseload[] }) {
  const couples = useQuery({
    queryKey: ['couples', 'therapist', therapist.therapistId],
    queryFn: () =>
      unwrap(api.GET('/v1/couples', { params: { query: { therapistId: therapist.therapistId, limit: 200 } } })),
  });
  const [moving, setMoving] = useState<Couple | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <section aria-labelledby="couples-heading">
      <Stack gap="sm">
        <Title order={2} size="h3" id="couples-heading">
          {therapist.name}’s couples
        </Title>
        {notice ? (
          <Text role="status" c="teal.9" fw={600}>
            {notice}
          </Text>
        ) : null}
        <QueryState query={couples} label="the couples">
          {(page) =>
            page.data.filter((c) => c.status !== 'closed').length === 0 ? (
              <Text>No open couples.</Text>
            ) : (
              <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {page.data
                  .filter((c) => c.status !== 'closed')
                  .map((couple) => (
                    <Group component="li" key={couple.id} justify="space-between" wrap="nowrap">
                      <Text>
                        {coupleName(couple.partners, couple.label)}
                        {couple.status === 'paused' ? ' (paused)' : ''}
                      </Text>
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setMoving(couple)}
                        aria-label={`Reassign ${coupleName(couple.partners, couple.label)}`}
                      >
                        Reassign
                      </Button>
                    </Group>
                  ))}
              </Stack>
            )
          }
        </QueryState>
        {moving ? (
          <Reassign
            couple={moving}
            from={therapist}
            therapists={all.filter((t) => !t.isDisabled && t.therapistId !== therapist.therapistId)}
            onClose={(text) => {
              setMoving(null);
              if (text) setNotice(text);
            }}
          />
        ) : null}
      </Stack>
    </section>
  );
}

function Reassign({
  couple,
  from,
  therapists,
  onClose,
}: {
  couple: Couple;
  from: Caseload;
  therapists: Caseload[];
  onClose: (notice?: string) => void;
}) {
  const client = useQueryClient();
  const [to, setTo] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const name = coupleName(couple.partners, couple.label);
  const move = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/v1/couples/{id}', {
          params: { path: { id: couple.id } },
          body: { therapistId: to!, reassignmentReason: reason.trim() },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['clinic-caseloads'] });
      void client.invalidateQueries({ queryKey: ['couples'] });
      onClose(`${name} now belongs to ${therapists.find((t) => t.therapistId === to)?.name ?? 'the new therapist'}.`);
    },
  });
  const problem = move.error ? problemOf(move.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (to) move.mutate();
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={() => onClose()} title={`Reassign ${name}`}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm">
            From {from.name}. The new therapist sees the couple’s history; {from.name} no longer does.
          </Text>
          <Select
            label="New therapist"
            placeholder={therapists.length ? 'Choose a therapist' : 'No other active therapist'}
            data={therapists.map((t) => ({ value: t.therapistId, label: t.name }))}
            value={to}
            onChange={setTo}
            error={problem?.forField('therapistId')}
            required
          />
          <Textarea
            label="Reason"
            description={`Kept in the couple’s history; ${from.name} can read it.`}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={problem?.forField('reassignmentReason')}
            maxLength={500}
            autosize
            minRows={2}
            required
          />
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button type="submit" loading={move.isPending} disabled={!to || !reason.trim()}>
              Reassign
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
