import { Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { DataTable } from '../components/DataTable';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { coupleName, formatDate } from '../format';
import { ReauthDialog, withReauth } from './Reauth';

type Couple = Schemas['CoupleResponse'];

/**
 * The clinic's couples for records requests: a couple's full export (downloaded as a file, never
 * shown on screen) and its erasure, behind a typed confirmation.
 */
export default function CouplesPage() {
  useDocumentTitle('Couples');
  const [status, setStatus] = useState<string | null>(null);
  const couples = useQuery({
    queryKey: ['couples', 'all', status],
    queryFn: () =>
      unwrap(
        api.GET('/v1/couples', {
          params: { query: { limit: 200, status: (status ?? undefined) as Couple['status'] | undefined } },
        }),
      ),
  });
  const caseloads = useQuery({
    queryKey: ['clinic-caseloads'],
    queryFn: () => unwrap(api.GET('/v1/clinic/caseloads', { params: { query: { limit: 200 } } })),
  });
  const therapistName = new Map((caseloads.data?.data ?? []).map((t) => [t.therapistId, t.name]));
  const [erasing, setErasing] = useState<Couple | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const exporting = useMutation({
    mutationFn: (couple: Couple) =>
      withReauth(async () => {
        const data = await unwrap(api.GET('/v1/couples/{id}/export', { params: { path: { id: couple.id } } }));
        const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        const link = document.createElement('a');
        link.href = url;
        link.download = `mend-couple-${couple.id}.json`;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        return couple;
      }),
    onSuccess: (couple) => setNotice(`The export of ${coupleName(couple.partners, couple.label)} was downloaded.`),
  });

  return (
    <Stack gap="lg">
      <ReauthDialog />
      <Stack gap={4}>
        <Title order={1}>Couples</Title>
        <Text c="dimmed">Export a couple’s records, or erase them for good.</Text>
      </Stack>
      <Select
        label="Status"
        placeholder="Any"
        clearable
        w={200}
        data={[
          { value: 'active', label: 'Active' },
          { value: 'paused', label: 'Paused' },
          { value: 'closed', label: 'Closed' },
        ]}
        value={status}
        onChange={setStatus}
      />
      {notice ? (
        <Text role="status" c="teal.9" fw={600}>
          {notice}
        </Text>
      ) : null}
      <FormError message={exporting.error ? problemOf(exporting.error).plain : null} />
      <QueryState query={couples} label="the couples">
        {(page) => (
          <DataTable
            label="Couples"
            columns={['Couple', 'Therapist', 'Status', 'Since', 'Records']}
            rows={page.data}
            rowKey={(couple) => couple.id}
            minWidth={720}
            empty="No couples here."
          >
            {(couple) => {
              const name = coupleName(couple.partners, couple.label);
              return (
                <>
                  <Table.Th scope="row">{name}</Table.Th>
                  <Table.Td>{therapistName.get(couple.therapistId) ?? '—'}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={couple.status === 'active' ? 'green' : 'gray'}>
                      {couple.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatDate(couple.createdAt)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => exporting.mutate(couple)}
                        loading={exporting.isPending && exporting.variables?.id === couple.id}
                        aria-label={`Export ${name}`}
                      >
                        Export
                      </Button>
                      <Button
                        size="xs"
                        variant="outline"
                        color="red.9"
                        onClick={() => setErasing(couple)}
                        aria-label={`Erase ${name}`}
                      >
                        Erase
                      </Button>
                    </Group>
                  </Table.Td>
                </>
              );
            }}
          </DataTable>
        )}
      </QueryState>
      {erasing ? (
        <Erase
          couple={erasing}
          onClose={(text) => {
            setErasing(null);
            if (text) setNotice(text);
          }}
        />
      ) : null}
    </Stack>
  );
}

function Erase({ couple, onClose }: { couple: Couple; onClose: (notice?: string) => void }) {
  const client = useQueryClient();
  const name = coupleName(couple.partners, couple.label);
  const [typed, setTyped] = useState('');
  const erase = useMutation({
    mutationFn: () => withReauth(() => unwrap(api.DELETE('/v1/couples/{id}', { params: { path: { id: couple.id } } }))),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['couples'] });
      void client.invalidateQueries({ queryKey: ['clinic-caseloads'] });
      onClose(`${name} was erased.`);
    },
  });
  const matches = typed.trim() === name;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (matches) erase.mutate();
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={() => onClose()} title={`Erase ${name}?`}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text>
            This deletes the couple, both partners’ accounts, their homework, check-ins, sessions, notes and alerts. It
            cannot be undone. Export the records first if they must be kept.
          </Text>
          <TextInput
            label={`Type “${name}” to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-autofocus
          />
          <FormError message={erase.error ? problemOf(erase.error).plain : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button type="submit" color="red.9" disabled={!matches} loading={erase.isPending}>
              Erase for good
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
