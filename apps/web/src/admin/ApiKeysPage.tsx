import { Badge, Button, Checkbox, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { FormDialog } from '../components/FormDialog';
import { OnceSecret } from '../components/OnceSecret';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate, formatDateTime } from '../format';
import { ReauthDialog, withReauth } from './Reauth';

type Scope = Schemas['CreateApiKeyRequest']['scopes'][number];

const SCOPES: Array<{ value: Scope; label: string }> = [
  { value: 'sessions:read', label: 'Read sessions' },
  { value: 'sessions:write', label: 'Create and change sessions' },
  { value: 'couples:read', label: 'Read couples (names and status, never answers)' },
  { value: 'webhooks:manage', label: 'Manage webhook endpoints' },
  { value: 'calendar:read', label: 'Read calendar feeds' },
];

/** Keys for the clinic's integrations: created with scopes, the key shown once, revoked at once. */
export default function ApiKeysPage() {
  useDocumentTitle('API keys');
  const client = useQueryClient();
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: () => unwrap(api.GET('/v1/api-keys', { params: { query: { limit: 100 } } })),
  });
  const [created, setCreated] = useState<Schemas['CreatedApiKeyResponse'] | null>(null);
  const [revoking, setRevoking] = useState<Schemas['ApiKeyResponse'] | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => withReauth(() => unwrap(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }))),
    onSuccess: () => {
      setRevoking(null);
      void client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  return (
    <Stack gap="lg">
      <ReauthDialog />
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={1}>API keys</Title>
          <Text c="dimmed">For the clinic’s own integrations. Give each the fewest scopes it needs.</Text>
        </Stack>
        <CreateKey onCreated={setCreated} />
      </Group>
      {created ? (
        <OnceSecret title={`Key “${created.name}” created`} label="API key" value={created.key}>
          <Button variant="subtle" onClick={() => setCreated(null)} w="fit-content">
            I have copied it
          </Button>
        </OnceSecret>
      ) : null}
      <QueryState query={keys} label="the API keys">
        {(page) => (
          <DataTable
            label="API keys"
            minWidth={760}
            columns={['Name', 'Key', 'Scopes', 'Created', 'Last used', 'Status']}
            rows={page.data}
            rowKey={(key) => key.id}
            empty="No API keys yet."
          >
            {(key) => (
              <>
                <Table.Th scope="row">{key.name}</Table.Th>
                <Table.Td ff="monospace">{key.keyHint}</Table.Td>
                <Table.Td>{key.scopes.join(', ')}</Table.Td>
                <Table.Td>{formatDate(key.createdAt)}</Table.Td>
                <Table.Td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'Never'}</Table.Td>
                <Table.Td>
                  {key.revokedAt ? (
                    <Badge variant="light" color="gray">
                      revoked
                    </Badge>
                  ) : (
                    <Button
                      size="xs"
                      variant="outline"
                      color="red.9"
                      onClick={() => setRevoking(key)}
                      aria-label={`Revoke ${key.name}`}
                    >
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </>
            )}
          </DataTable>
        )}
      </QueryState>
      <ConfirmDialog
        opened={revoking !== null}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        confirmLabel="Revoke key"
        isPending={revoke.isPending}
        error={revoke.error}
      >
        <Text>Anything using this key stops working at once. This cannot be undone.</Text>
      </ConfirmDialog>
    </Stack>
  );
}

function CreateKey({ onCreated }: { onCreated: (key: Schemas['CreatedApiKeyResponse']) => void }) {
  const client = useQueryClient();
  const [isOpen, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const create = useMutation({
    mutationFn: () => withReauth(() => unwrap(api.POST('/v1/api-keys', { body: { name: name.trim(), scopes } }))),
    onSuccess: (key) => {
      setOpen(false);
      setName('');
      setScopes([]);
      onCreated(key);
      void client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const problem = create.error ? problemOf(create.error) : null;
  return (
    <>
      <Button onClick={() => setOpen(true)}>Create an API key</Button>
      <FormDialog
        opened={isOpen}
        onClose={() => setOpen(false)}
        title="Create an API key"
        onSubmit={() => create.mutate()}
        submitLabel="Create key"
        isPending={create.isPending}
        error={create.error}
      >
        <TextInput
          label="Name"
          description="What uses it, e.g. “Front desk scheduling”."
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={problem?.forField('name')}
          required
        />
        <Checkbox.Group
          label="Scopes"
          value={scopes}
          onChange={(v) => setScopes(v as Scope[])}
          error={problem?.forField('scopes')}
          withAsterisk
        >
          <Stack gap="xs" mt="xs">
            {SCOPES.map((s) => (
              <Checkbox key={s.value} value={s.value} label={`${s.value} — ${s.label}`} />
            ))}
          </Stack>
        </Checkbox.Group>
      </FormDialog>
    </>
  );
}
