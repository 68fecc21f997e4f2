import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';

import { api, unwrap, type Schemas } from '../api/client';
import { QueryState } from '../components/QueryState';
import { deviceNow } from '../deviceClock';
import { formatDateTime } from '../format';

type PartnerSession = Schemas['PartnerSessionResponse'];

/** How many sessions the home shows: the next few; the calendar feed carries them all. */
const SHOWN = 3;

const STATUS_LABEL: Record<string, string> = {
  scheduled: 'Scheduled',
  cancelled: 'Cancelled',
  completed: 'Done',
  no_show: 'Missed',
};

/**
 * The couple's next sessions, in the partner's own zone (the API writes them in it), with the
 * calendar link beside them. A session under way still counts as upcoming until it ends.
 */
export function UpcomingSessions({ zone, children }: { zone: string; children?: ReactNode }) {
  // Fixed at first render, so the query key (and the list) does not change on every render.
  const [from] = useState(() => new Date(deviceNow().getTime() - 2 * 3600_000).toISOString());
  const sessions = useQuery({
    queryKey: ['me', 'sessions', 'upcoming', from],
    queryFn: () => unwrap(api.GET('/v1/me/sessions', { params: { query: { from, limit: SHOWN + 5 } } })),
  });
  return (
    <section aria-labelledby="upcoming-sessions-heading">
      <Stack gap="sm">
        <Title order={2} id="upcoming-sessions-heading" size="h3">
          Upcoming sessions
        </Title>
        <QueryState query={sessions} label="your sessions" lines={2}>
          {(page) => <SessionList items={upcoming(page.data)} zone={zone} />}
        </QueryState>
        {children}
      </Stack>
    </section>
  );
}

function upcoming(items: PartnerSession[]): PartnerSession[] {
  const now = deviceNow().getTime();
  return items.filter((s) => Date.parse(s.endsAt) > now).slice(0, SHOWN);
}

function SessionList({ items, zone }: { items: PartnerSession[]; zone: string }) {
  if (items.length === 0) return <Text>No sessions booked yet. Your therapist will add the next one.</Text>;
  return (
    <Stack gap={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {items.map((s) => {
        const isCancelled = s.status === 'cancelled';
        return (
          <Group component="li" key={s.id} gap="sm" wrap="nowrap" align="flex-start">
            <Text td={isCancelled ? 'line-through' : undefined} style={{ minWidth: 0 }}>
              {formatDateTime(s.startsAt, zone)} – {endTime(s.endsAt, zone)}
            </Text>
            {s.status !== 'scheduled' ? (
              <Badge color={isCancelled ? 'gray' : 'blue'} variant="light" style={{ flexShrink: 0 }}>
                {STATUS_LABEL[s.status] ?? s.status}
              </Badge>
            ) : null}
          </Group>
        );
      })}
    </Stack>
  );
}

function endTime(iso: string, zone: string): string {
  return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: zone }).format(new Date(iso));
}
