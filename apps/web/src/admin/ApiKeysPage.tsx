import { Badge, Button, Checkbox, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate, formatDateTime } from '../format';
import { ReauthDialog, withReauth } from './Reauth';
import { OnceSecret } from './Secret';

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
        {(page) =>
          page.data.length === 0 ? (
            <Text>No API keys yet.</Text>
          ) : (
            <Table.ScrollContainer type="native" minWidth={760} role="region" tabIndex={0} aria-label="API keys">
              <Table striped verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Name</Table.Th>
                    <Table.Th scope="col">Key</Table.Th>
                    <Table.Th scope="col">Scopes</Table.Th>
                    <Table.Th scope="col">Created</Table.Th>
                    <Table.Th scope="col">Last used</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((key) => (
                    <Table.Tr key={key.id}>
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
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ''}”?`}
      >
        <Stack gap="sm">
          <Text>Anything using this key stops working at once. This cannot be undone.</Text>
          <FormError message={revoke.error ? problemOf(revoke.error).plain : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              Keep it
            </Button>
            <Button color="red.9" loading={revoke.isPending} onClick={() => revoking && revoke.mutate(revoking.id)}>
              Revoke key
            </Button>
          </Group>
        </Stack>
      </Modal>
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
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>Create an API key</Button>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={isOpen}
        onClose={() => setOpen(false)}
        title="Create an API key"
      >
        <form onSubmit={submit}>
          <Stack gap="sm">
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
            <FormError message={problem && !problem.errors.length ? problem.plain : null} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
