import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  List,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataTable } from '../components/DataTable';
import { FormDialog } from '../components/FormDialog';
import { OnceSecret } from '../components/OnceSecret';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate } from '../format';
import { InboundEvents } from './InboundEvents';

type Provider = Schemas['CreateIntegrationRequest']['provider'];
const PROVIDER: Record<Provider, string> = { calcom: 'Cal.com', calendly: 'Calendly' };

/** A signing secret made in the browser (the tool and Mend must share it; neither needs to invent it). */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * Scheduling tools that book the clinic's sessions: Cal.com or Calendly post their bookings to a
 * secret Mend URL, signed with a secret both sides share; Mend turns them into sessions.
 */
export default function IntegrationsPage() {
  useDocumentTitle('Scheduling');
  const client = useQueryClient();
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: () => unwrap(api.GET('/v1/integrations', { params: { query: { limit: 100 } } })),
  });
  const [setup, setSetup] = useState<{ created: Schemas['CreatedIntegrationResponse']; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<Schemas['IntegrationResponse'] | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/integrations/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      setRevoking(null);
      void client.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={1}>Scheduling</Title>
          <Text c="dimmed">
            Bookings made in Cal.com or Calendly become sessions in Mend. Only times, booking references and attendee
            emails are kept.
          </Text>
        </Stack>
        <Connect onCreated={(created, secret) => setSetup({ created, secret })} />
      </Group>
      {setup ? <SetupSteps created={setup.created} secret={setup.secret} onDone={() => setSetup(null)} /> : null}
      <QueryState query={integrations} label="the scheduling tools">
        {(page) => (
          <DataTable
            label="Scheduling tools"
            minWidth={560}
            columns={['Name', 'Tool', 'Connected', 'Status']}
            rows={page.data}
            rowKey={(i) => i.id}
            empty="No scheduling tool connected yet."
          >
            {(i) => (
              <>
                <Table.Th scope="row">{i.name || PROVIDER[i.provider]}</Table.Th>
                <Table.Td>{PROVIDER[i.provider]}</Table.Td>
                <Table.Td>{formatDate(i.createdAt)}</Table.Td>
                <Table.Td>
                  {i.status === 'active' ? (
                    <Button
                      size="xs"
                      variant="outline"
                      color="red.9"
                      onClick={() => setRevoking(i)}
                      aria-label={`Disconnect ${i.name || PROVIDER[i.provider]}`}
                    >
                      Disconnect
                    </Button>
                  ) : (
                    <Badge variant="light" color="gray">
                      disconnected
                    </Badge>
                  )}
                </Table.Td>
              </>
            )}
          </DataTable>
        )}
      </QueryState>
      <InboundEvents />
      <ConfirmDialog
        opened={revoking !== null}
        title="Disconnect this tool?"
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        confirmLabel="Disconnect"
        isPending={revoke.isPending}
        error={revoke.error}
      >
        <Text>Its URL stops accepting bookings at once. Sessions already made stay.</Text>
      </ConfirmDialog>
    </Stack>
  );
}

function Connect({ onCreated }: { onCreated: (c: Schemas['CreatedIntegrationResponse'], secret: string) => void }) {
  const client = useQueryClient();
  const [isOpen, setOpen] = useState(false);
  const [provider, setProvider] = useState<Provider>('calcom');
  const [name, setName] = useState('');
  const [secret] = useState(newSecret);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/integrations', {
          body: { provider, signingSecret: secret, ...(name.trim() ? { name: name.trim() } : {}) },
        }),
      ),
    onSuccess: (created) => {
      setOpen(false);
      onCreated(created, secret);
      void client.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
  const problem = create.error ? problemOf(create.error) : null;
  return (
    <>
      <Button onClick={() => setOpen(true)}>Connect a scheduling tool</Button>
      <FormDialog
        opened={isOpen}
        onClose={() => setOpen(false)}
        title="Connect a scheduling tool"
        onSubmit={() => create.mutate()}
        submitLabel="Connect"
        isPending={create.isPending}
        error={create.error}
      >
        <Text id="provider-label" size="sm" fw={500}>
          Tool
        </Text>
        <SegmentedControl
          aria-labelledby="provider-label"
          value={provider}
          onChange={(v) => setProvider(v as Provider)}
          data={[
            { value: 'calcom', label: 'Cal.com' },
            { value: 'calendly', label: 'Calendly' },
          ]}
        />
        <TextInput
          label="Name"
          description="To tell several apart, e.g. “Dr. Rivera’s Cal.com”."
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={problem?.forField('name')}
        />
      </FormDialog>
    </>
  );
}

/** The exact steps in the tool, with the URL and secret to paste (both shown only now). */
function SetupSteps({
  created,
  secret,
  onDone,
}: {
  created: Schemas['CreatedIntegrationResponse'];
  secret: string;
  onDone: () => void;
}) {
  const tool = PROVIDER[created.provider];
  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        Finish in {tool}
      </Title>
      <OnceSecret title="Webhook URL" label="Webhook URL" value={created.webhookUrl} />
      <OnceSecret title="Signing secret" label="Signing secret" value={secret} />
      <Alert variant="light" color="blue" title={`Steps in ${tool}`}>
        {created.provider === 'calcom' ? (
          <List type="ordered" spacing="xs">
            <List.Item>In Cal.com, open Settings → Developer → Webhooks and choose New.</List.Item>
            <List.Item>Paste the webhook URL above as the Subscriber URL.</List.Item>
            <List.Item>
              Under Event triggers keep Booking created, Booking rescheduled, Booking cancelled and Meeting ended.
            </List.Item>
            <List.Item>Paste the signing secret above as the Secret. Leave the payload template empty.</List.Item>
            <List.Item>Make sure the webhook is enabled, then Create webhook.</List.Item>
          </List>
        ) : (
          <List type="ordered" spacing="xs">
            <List.Item>
              In Calendly, open Integrations → API &amp; webhooks and generate a personal access token (webhooks need a
              paid Calendly plan).
            </List.Item>
            <List.Item>
              Find your organization:{' '}
              <Code>curl -H "Authorization: Bearer TOKEN" https://api.calendly.com/users/me</Code> and copy{' '}
              <Code>current_organization</Code>.
            </List.Item>
            <List.Item>
              Create the subscription, with the URL and secret above:
              <Code block mt="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {`curl -X POST https://api.calendly.com/webhook_subscriptions \\
  -H "Authorization: Bearer TOKEN" -H "Content-Type: application/json" \\
  -d '{"url": "${created.webhookUrl ?? 'WEBHOOK_URL'}", "events": ["invitee.created", "invitee.canceled"], "organization": "ORGANIZATION_URI", "scope": "organization", "signing_key": "${secret}"}'`}
              </Code>
            </List.Item>
          </List>
        )}
      </Alert>
      <Text size="sm">New bookings appear under Inbound events below, with what Mend did with each.</Text>
      <Button variant="default" w="fit-content" onClick={onDone}>
        Done
      </Button>
    </Stack>
  );
}
