import { Anchor, Badge, Button, Checkbox, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { api, problemOf, unwrap, type ApiProblem, type Schemas } from '../api/client';
import { DataTable } from '../components/DataTable';
import { FormDialog } from '../components/FormDialog';
import { OnceSecret } from '../components/OnceSecret';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate } from '../format';
import { ReauthDialog, withReauth } from './Reauth';

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
        {(page) => (
          <DataTable
            label="Webhook endpoints"
            minWidth={640}
            columns={['URL', 'Events', 'Status', 'Created']}
            rows={page.data}
            rowKey={(endpoint) => endpoint.id}
            empty="No endpoints yet."
          >
            {(endpoint) => (
              <>
                <Table.Th scope="row" style={{ overflowWrap: 'anywhere' }}>
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
              </>
            )}
          </DataTable>
        )}
      </QueryState>
    </Stack>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (e: Schemas['CreatedWebhookEndpointResponse']) => void }) {
  const client = useQueryClient();
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
  return (
    <>
      <Button onClick={() => setOpen(true)}>Add an endpoint</Button>
      <FormDialog
        opened={isOpen}
        onClose={() => setOpen(false)}
        title="Add a webhook endpoint"
        size="lg"
        onSubmit={() => create.mutate()}
        submitLabel="Add endpoint"
        isPending={create.isPending}
        error={create.error}
      >
        <EndpointFields
          url={url}
          onUrl={setUrl}
          urlDescription="HTTPS, reachable from the internet."
          description={description}
          onDescription={setDescription}
          events={events}
          onEvents={(v) => setEvents(v as EventType[])}
          problem={problem}
        />
      </FormDialog>
    </>
  );
}

/** The fields an endpoint is made of, the same when adding one and when editing it. */
export function EndpointFields({
  url,
  onUrl,
  urlDescription,
  description,
  onDescription,
  events,
  onEvents,
  problem,
}: {
  url: string;
  onUrl: (value: string) => void;
  urlDescription?: string;
  description: string;
  onDescription: (value: string) => void;
  events: string[];
  onEvents: (value: string[]) => void;
  problem: ApiProblem | null;
}) {
  const types = useWebhookEvents();
  return (
    <>
      <TextInput
        label="URL"
        description={urlDescription}
        type="url"
        value={url}
        onChange={(e) => onUrl(e.currentTarget.value)}
        error={problem?.forField('url')}
        required
      />
      <TextInput
        label="Description"
        value={description}
        onChange={(e) => onDescription(e.currentTarget.value)}
        error={problem?.forField('description')}
      />
      <Checkbox.Group
        label="Events"
        value={events}
        onChange={onEvents}
        error={problem?.forField('events')}
        withAsterisk
      >
        <Stack gap="xs" mt="xs">
          {(types.data?.data ?? []).map((t) => (
            <Checkbox key={t.type} value={t.type} label={t.type} description={t.description} />
          ))}
        </Stack>
      </Checkbox.Group>
    </>
  );
}
