import { Anchor, Badge, Button, Checkbox, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate } from '../format';
import { ReauthDialog, withReauth } from './Reauth';
import { OnceSecret } from './Secret';

type EventType = Schemas['CreateWebhookEndpointRequest']['events'][number];

export function useWebhookEvents() {
  return useQuery({
    queryKey: ['webhook-events'],
    queryFn: () => unwrap(api.GET('/v1/webhook-events')),
    staleTime: Infinity,
  });
}

/** The clinic's webhook endpoints: where Mend posts its events (ids only, never answers or notes). */
export default function WebhooksPage() {
  useDocumentTitle('Webhooks');
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: () => unwrap(api.GET('/v1/webhook-endpoints', { params: { query: { limit: 100 } } })),
  });
  const [created, setCreated] = useState<Schemas['CreatedWebhookEndpointResponse'] | null>(null);
  return (
    <Stack gap="lg">
      <ReauthDialog />
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={1}>Webhooks</Title>
          <Text c="dimmed">Mend posts signed events to these URLs. Bodies carry ids only, never answers or notes.</Text>
        </Stack>
        <CreateEndpoint onCreated={setCreated} />
      </Group>
      {created ? (
        <OnceSecret title="Endpoint created" label="Signing secret" value={created.secret}>
          <Text size="sm">
            Check each request’s signature with this secret.{' '}
            <Anchor component={Link} to={`/clinic/webhooks/${created.id}`} underline="always">
              Open the endpoint
            </Anchor>
          </Text>
        </OnceSecret>
      ) : null}
      <QueryState query={endpoints} label="the webhook endpoints">
        {(page) =>
          page.data.length === 0 ? (
            <Text>No endpoints yet.</Text>
          ) : (
            <Table.ScrollContainer
              type="native"
              minWidth={640}
              role="region"
              tabIndex={0}
              aria-label="Webhook endpoints"
            >
              <Table striped verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">URL</Table.Th>
                    <Table.Th scope="col">Events</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Created</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((endpoint) => (
                    <Table.Tr key={endpoint.id}>
                      <Table.Th scope="row" style={{ wordBreak: 'break-all' }}>
                        <Anchor component={Link} to={`/clinic/webhooks/${endpoint.id}`}>
                          {endpoint.description || endpoint.url}
                        </Anchor>
                        {endpoint.description ? (
                          <Text size="xs" c="dimmed">
                            {endpoint.url}
                          </Text>
                        ) : null}
                      </Table.Th>
                      <Table.Td>{endpoint.events.join(', ')}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={endpoint.status === 'active' ? 'green' : 'red'}>
                          {endpoint.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{formatDate(endpoint.createdAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Stack>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (e: Schemas['CreatedWebhookEndpointResponse']) => void }) {
  const client = useQueryClient();
  const types = useWebhookEvents();
  const [isOpen, setOpen] = useState(false);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<EventType[]>([]);
  const create = useMutation({
    mutationFn: () =>
      withReauth(() =>
        unwrap(
          api.POST('/v1/webhook-endpoints', {
            body: { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) },
          }),
        ),
      ),
    onSuccess: (endpoint) => {
      setOpen(false);
      setUrl('');
      setDescription('');
      setEvents([]);
      onCreated(endpoint);
      void client.invalidateQueries({ queryKey: ['webhook-endpoints'] });
    },
  });
  const problem = create.error ? problemOf(create.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>Add an endpoint</Button>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={isOpen}
        onClose={() => setOpen(false)}
        title="Add a webhook endpoint"
        size="lg"
      >
        <form onSubmit={submit}>
          <Stack gap="sm">
            <TextInput
              label="URL"
              description="HTTPS, reachable from the internet."
              type="url"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              error={problem?.forField('url')}
              required
            />
            <TextInput
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={problem?.forField('description')}
            />
            <Checkbox.Group
              label="Events"
              value={events}
              onChange={(v) => setEvents(v as EventType[])}
              error={problem?.forField('events')}
              withAsterisk
            >
              <Stack gap="xs" mt="xs">
                {(types.data?.data ?? []).map((t) => (
                  <Checkbox key={t.type} value={t.type} label={t.type} description={t.description} />
                ))}
              </Stack>
            </Checkbox.Group>
            <FormError message={problem && !problem.errors.length ? problem.plain : null} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Add endpoint
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
