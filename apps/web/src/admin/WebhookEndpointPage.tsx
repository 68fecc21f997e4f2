import { Anchor, Badge, Button, Group, NumberInput, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { FormDialog } from '../components/FormDialog';
import { FormError } from '../components/FormError';
import { OnceSecret } from '../components/OnceSecret';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDateTime } from '../format';
import { ReauthDialog, withReauth } from './Reauth';
import { EndpointFields } from './WebhooksPage';

type Delivery = Schemas['WebhookDeliveryResponse'];
type Endpoint = Schemas['WebhookEndpointResponse'];
type EventFilter = Schemas['WebhookEventTypeResponse']['type'];

const STATE_COLOR: Record<Delivery['state'], string> = {
  pending: 'blue',
  sending: 'blue',
  delivered: 'green',
  failed: 'red',
};

/** One endpoint: its events and status, and the log of what was delivered to it. */
export default function WebhookEndpointPage() {
  const { endpointId = '' } = useParams();
  useDocumentTitle('Webhook endpoint');
  const endpoint = useQuery({
    queryKey: ['webhook-endpoints', endpointId],
    queryFn: () => unwrap(api.GET('/v1/webhook-endpoints/{id}', { params: { path: { id: endpointId } } })),
  });
  return (
    <Stack gap="lg">
      <ReauthDialog />
      <Anchor component={Link} to="/clinic/webhooks">
        ← Webhooks
      </Anchor>
      <QueryState query={endpoint} label="the endpoint">
        {(data) => <EndpointView endpoint={data} />}
      </QueryState>
    </Stack>
  );
}

function EndpointView({ endpoint }: { endpoint: Endpoint }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [isDeleting, setDeleting] = useState(false);
  const remove = useMutation({
    mutationFn: () =>
      withReauth(() => unwrap(api.DELETE('/v1/webhook-endpoints/{id}', { params: { path: { id: endpoint.id } } }))),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['webhook-endpoints'] });
      navigate('/clinic/webhooks');
    },
  });
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1} style={{ overflowWrap: 'anywhere' }}>
          {endpoint.description || endpoint.url}
        </Title>
        <Text style={{ overflowWrap: 'anywhere' }}>{endpoint.url}</Text>
        <Group gap="xs">
          <Badge variant="light" color={endpoint.status === 'active' ? 'green' : 'red'}>
            {endpoint.status}
          </Badge>
          {endpoint.disabledAt ? (
            <Text size="sm">
              Disabled {formatDateTime(endpoint.disabledAt)}
              {endpoint.disabledReason === 'gone'
                ? ' (the receiver answered 410 Gone)'
                : endpoint.disabledReason === 'failing'
                  ? ' (deliveries failed for 24 hours)'
                  : ''}
            </Text>
          ) : null}
        </Group>
        <Text size="sm">Events: {endpoint.events.join(', ')}</Text>
      </Stack>
      <Actions endpoint={endpoint} onDelete={() => setDeleting(true)} />
      <Deliveries endpoint={endpoint} />
      <ConfirmDialog
        opened={isDeleting}
        title="Delete this endpoint?"
        onCancel={() => setDeleting(false)}
        onConfirm={() => remove.mutate()}
        confirmLabel="Delete endpoint"
        isPending={remove.isPending}
        error={remove.error}
      >
        <Text>Mend stops posting to it at once. Its delivery log goes with it.</Text>
      </ConfirmDialog>
    </Stack>
  );
}

function Actions({ endpoint, onDelete }: { endpoint: Endpoint; onDelete: () => void }) {
  const client = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [isRotating, setRotating] = useState(false);
  const [isEditing, setEditing] = useState(false);
  const [overlap, setOverlap] = useState<number | string>(24);
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['webhook-endpoints'] });
  };
  const test = useMutation({
    mutationFn: () =>
      withReauth(() => unwrap(api.POST('/v1/webhook-endpoints/{id}/test', { params: { path: { id: endpoint.id } } }))),
    onSuccess: () => {
      setNotice('A webhook.test event was sent. Its outcome is in the log below.');
      refresh();
    },
  });
  const enable = useMutation({
    mutationFn: () =>
      withReauth(() =>
        unwrap(api.POST('/v1/webhook-endpoints/{id}/enable', { params: { path: { id: endpoint.id } } })),
      ),
    onSuccess: () => {
      setNotice('The endpoint is active again.');
      refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: () =>
      withReauth(() =>
        unwrap(
          api.POST('/v1/webhook-endpoints/{id}/rotate-secret', {
            params: { path: { id: endpoint.id } },
            body: { overlapHours: Number(overlap) },
          }),
        ),
      ),
    onSuccess: (rotated) => {
      setRotating(false);
      setSecret(rotated.secret);
      refresh();
    },
  });
  const error = test.error ?? enable.error ?? rotate.error;
  return (
    <Stack gap="sm">
      <Group gap="sm">
        <Button onClick={() => test.mutate()} loading={test.isPending} disabled={endpoint.status !== 'active'}>
          Send a test event
        </Button>
        {endpoint.status === 'disabled' ? (
          <Button variant="default" onClick={() => enable.mutate()} loading={enable.isPending}>
            Re-enable
          </Button>
        ) : null}
        <Button variant="default" onClick={() => setEditing(true)}>
          Edit
        </Button>
        <Button variant="default" onClick={() => setRotating(true)}>
          Rotate secret
        </Button>
        <Button variant="outline" color="red.9" onClick={onDelete}>
          Delete endpoint
        </Button>
      </Group>
      {notice ? (
        <Text role="status" c="teal.9" fw={600}>
          {notice}
        </Text>
      ) : null}
      <FormError message={error ? problemOf(error).plain : null} />
      {secret ? (
        <OnceSecret title="New signing secret" label="Signing secret" value={secret}>
          {endpoint.previousSecretExpiresAt ? (
            <Text size="sm">
              The old secret keeps signing too until {formatDateTime(endpoint.previousSecretExpiresAt)}.
            </Text>
          ) : null}
        </OnceSecret>
      ) : null}
      <ConfirmDialog
        opened={isRotating}
        title="Rotate the signing secret?"
        onCancel={() => setRotating(false)}
        onConfirm={() => rotate.mutate()}
        confirmLabel="Rotate secret"
        cancelLabel="Cancel"
        isPending={rotate.isPending}
        isDestructive={false}
      >
        <Text>
          Mend makes a new secret. During the overlap every request carries both signatures, so the receiver can switch
          without missing events.
        </Text>
        <NumberInput label="Overlap (hours)" min={0} max={168} value={overlap} onChange={setOverlap} />
      </ConfirmDialog>
      {isEditing ? (
        <EditEndpoint
          endpoint={endpoint}
          onClose={(saved) => {
            setEditing(false);
            if (saved) {
              setNotice('Saved.');
              refresh();
            }
          }}
        />
      ) : null}
    </Stack>
  );
}

function EditEndpoint({ endpoint, onClose }: { endpoint: Endpoint; onClose: (saved?: boolean) => void }) {
  const [url, setUrl] = useState(endpoint.url);
  const [description, setDescription] = useState(endpoint.description ?? '');
  const [events, setEvents] = useState<string[]>(endpoint.events);
  const save = useMutation({
    mutationFn: () =>
      withReauth(() =>
        unwrap(
          api.PATCH('/v1/webhook-endpoints/{id}', {
            params: { path: { id: endpoint.id } },
            body: {
              url: url.trim(),
              events: events as Endpoint['events'],
              description: description.trim() || null,
            } as Schemas['UpdateWebhookEndpointRequest'],
          }),
        ),
      ),
    onSuccess: () => onClose(true),
  });
  return (
    <FormDialog
      opened
      onClose={() => onClose()}
      title="Edit the endpoint"
      size="lg"
      onSubmit={() => save.mutate()}
      submitLabel="Save"
      isPending={save.isPending}
      error={save.error}
    >
      <EndpointFields
        url={url}
        onUrl={setUrl}
        description={description}
        onDescription={setDescription}
        events={events}
        onEvents={setEvents}
        problem={save.error ? problemOf(save.error) : null}
      />
    </FormDialog>
  );
}

function Deliveries({ endpoint }: { endpoint: Endpoint }) {
  const client = useQueryClient();
  const [state, setState] = useState<string | null>(null);
  const [eventType, setEventType] = useState<string | null>(null);
  const deliveries = useQuery({
    queryKey: ['webhook-endpoints', endpoint.id, 'deliveries', state, eventType],
    queryFn: () =>
      unwrap(
        api.GET('/v1/webhook-endpoints/{id}/deliveries', {
          params: {
            path: { id: endpoint.id },
            query: {
              limit: 100,
              state: (state ?? undefined) as Delivery['state'] | undefined,
              eventType: (eventType ?? undefined) as EventFilter | undefined,
            },
          },
        }),
      ),
    // A delivery in flight settles within seconds; keep the log current while it is open.
    refetchInterval: (query) =>
      query.state.data?.data.some((d) => d.state === 'pending' || d.state === 'sending') ? 2000 : false,
  });
  const redeliver = useMutation({
    mutationFn: (deliveryId: string) =>
      withReauth(() =>
        unwrap(
          api.POST('/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver', {
            params: { path: { id: endpoint.id, deliveryId } },
          }),
        ),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['webhook-endpoints', endpoint.id, 'deliveries'] }),
  });
  return (
    <section aria-labelledby="deliveries-heading">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end">
          <Title order={2} size="h3" id="deliveries-heading">
            Deliveries
          </Title>
          <Button variant="default" size="xs" onClick={() => void deliveries.refetch()} loading={deliveries.isFetching}>
            Refresh
          </Button>
        </Group>
        <Group>
          <Select
            label="Outcome"
            placeholder="Any"
            clearable
            w={180}
            data={['pending', 'sending', 'delivered', 'failed']}
            value={state}
            onChange={setState}
          />
          <Select
            label="Event"
            placeholder="Any"
            clearable
            w={220}
            data={[...endpoint.events, 'webhook.test']}
            value={eventType}
            onChange={setEventType}
          />
        </Group>
        <FormError message={redeliver.error ? problemOf(redeliver.error).plain : null} />
        <QueryState query={deliveries} label="the deliveries">
          {(page) => (
            <DataTable
              label="Deliveries"
              minWidth={720}
              columns={['Event', 'Happened', 'Outcome', 'Attempts', 'Last answer', 'Actions']}
              rows={page.data}
              rowKey={(d) => d.id}
              empty={state || eventType ? 'No delivery matches these filters.' : 'Nothing delivered yet.'}
            >
              {(d) => (
                <>
                  <Table.Th scope="row">{d.eventType}</Table.Th>
                  <Table.Td>{formatDateTime(d.occurredAt)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={STATE_COLOR[d.state]}>
                      {d.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{d.attemptCount}</Table.Td>
                  <Table.Td>{lastAnswer(d)}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      disabled={d.state === 'pending' || d.state === 'sending'}
                      onClick={() => redeliver.mutate(d.id)}
                      aria-label={`Redeliver ${d.eventType} of ${formatDateTime(d.occurredAt)}`}
                    >
                      Redeliver
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

function lastAnswer(d: Delivery): string {
  const last = d.attempts[d.attempts.length - 1];
  if (last) return `${last.statusCode ?? last.error ?? '—'} in ${Math.round(last.durationMs)} ms`;
  return d.nextAttemptAt ? `next try ${formatDateTime(d.nextAttemptAt)}` : '—';
}
