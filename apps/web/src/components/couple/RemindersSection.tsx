import { Badge, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '../../api/client';
import { formatDateTime } from '../../format';
import { stackOnPhone } from '../DataTable';
import { QueryState } from '../QueryState';

type Reminder = Schemas['CoupleReminderResponse'];
type Partner = Schemas['PartnerResponse'];

const KIND: Record<Reminder['kind'], string> = {
  homework_due: 'Homework due',
  overdue_nudge: 'Still open',
  session_reminder: 'Session',
  alert_notice: 'Alert',
  digest: 'Digest',
  couple_reassigned: 'Reassigned',
  plan_rating_due: 'Plan rating',
};
const CHANNEL: Record<Reminder['channel'], string> = { email: 'Email', in_app: 'In the app', webhook: 'Webhook' };
const STATE: Record<Reminder['state'], { label: string; color: string }> = {
  scheduled: { label: 'Scheduled', color: 'mend' },
  deferred: { label: 'Held (quiet hours)', color: 'yellow' },
  sent: { label: 'Sent', color: 'green' },
  skipped: { label: 'Skipped', color: 'gray' },
  failed: { label: 'Failed', color: 'red' },
};

/**
 * The couple's reminder log: what goes (or went) to whom, when and over which channel, and what
 * became of it. Times are in the recipient's own zone, the one their quiet hours are kept in.
 * Words only, never a reminder's text (the API does not carry it).
 */
export function RemindersSection({
  coupleId,
  partners,
  therapistZone,
}: {
  coupleId: string;
  partners: Partner[];
  therapistZone: string;
}) {
  const reminders = useQuery({
    queryKey: ['reminders', coupleId],
    queryFn: () =>
      unwrap(api.GET('/v1/couples/{id}/reminders', { params: { path: { id: coupleId }, query: { limit: 200 } } })),
  });
  const who = (id: string) => partners.find((p) => p.id === id);
  return (
    <section aria-labelledby="reminders-heading">
      <Title order={2} fz="h3" id="reminders-heading" mb="sm">
        Reminder log
      </Title>
      <QueryState query={reminders} label="the reminder log" lines={3}>
        {(page) =>
          page.data.length === 0 ? (
            <Text>No reminders yet.</Text>
          ) : (
            <Table.ScrollContainer
              type="native"
              minWidth={640}
              tabIndex={0}
              role="region"
              aria-label="Reminder log"
              {...stackOnPhone(['For', 'What', 'Channel', 'Goes out (their time)', 'State'])}
            >
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">For</Table.Th>
                    <Table.Th scope="col">What</Table.Th>
                    <Table.Th scope="col">Channel</Table.Th>
                    <Table.Th scope="col">Goes out (their time)</Table.Th>
                    <Table.Th scope="col">State</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {[...page.data]
                    .sort((a, b) => a.sendAt.localeCompare(b.sendAt))
                    .map((r) => {
                      const partner = who(r.recipientId);
                      const zone = partner?.timezone ?? therapistZone;
                      return (
                        <Table.Tr key={r.id}>
                          <Table.Th scope="row" fw={400}>
                            {partner?.name ?? 'Therapist'}
                          </Table.Th>
                          <Table.Td>{KIND[r.kind] ?? r.kind}</Table.Td>
                          <Table.Td>{CHANNEL[r.channel] ?? r.channel}</Table.Td>
                          <Table.Td>{formatDateTime(r.sentAt ?? r.sendAt, zone, true)}</Table.Td>
                          <Table.Td>
                            <Badge variant="light" color={STATE[r.state].color}>
                              {STATE[r.state].label}
                            </Badge>
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </section>
  );
}
