import { Alert, Button, CopyButton, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { api, problemOf, unwrap } from '../api/client';
import { FormError } from '../components/FormError';
import { formatDate } from '../format';

/**
 * The partner's sessions in their own calendar app: a secret iCalendar URL, shown once (the API
 * keeps only its hash), which the calendar app polls. Revoking one stops it at once.
 */
export function CalendarFeed() {
  const client = useQueryClient();
  const feeds = useQuery({ queryKey: ['me', 'calendar-feeds'], queryFn: () => unwrap(api.GET('/v1/calendar-feeds')) });
  const [url, setUrl] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/calendar-feeds', { body: {} })),
    onSuccess: (feed) => {
      setUrl(feed.url ?? null);
      void client.invalidateQueries({ queryKey: ['me', 'calendar-feeds'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/calendar-feeds/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['me', 'calendar-feeds'] }),
  });
  const active = feeds.data?.data.filter((f) => f.status === 'active') ?? [];

  return (
    <section aria-labelledby="calendar-heading">
      <Stack gap="sm">
        <Title order={3} id="calendar-heading" size="h4">
          In your calendar
        </Title>
        <Text>
          Add your therapy sessions to your phone’s calendar. They stay up to date when a session moves or is cancelled.
        </Text>
        {url ? (
          <Alert color="green" variant="light" title="Your calendar link" role="status">
            <Stack gap="xs">
              <Text size="sm">
                Copy it now and add it in your calendar app (“Subscribe to calendar” or “From URL”). It is shown only
                once and works like a password.
              </Text>
              <TextInput label="Calendar link" value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
              <Group>
                <CopyButton value={url}>
                  {({ copied, copy }) => (
                    <Button variant="default" onClick={copy}>
                      {copied ? 'Copied' : 'Copy link'}
                    </Button>
                  )}
                </CopyButton>
                <Button component="a" variant="default" href={url.replace(/^https?:/, 'webcal:')}>
                  Open in calendar app
                </Button>
              </Group>
            </Stack>
          </Alert>
        ) : null}
        <FormError message={create.error ? problemOf(create.error).plain : null} />
        <Group>
          <Button
            onClick={() => create.mutate()}
            loading={create.isPending}
            variant={active.length ? 'default' : 'filled'}
          >
            {active.length ? 'Get a new calendar link' : 'Subscribe in my calendar'}
          </Button>
        </Group>
        {active.length > 0 ? (
          <Stack gap={4} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {active.map((feed) => (
              <Group component="li" key={feed.id} gap="sm">
                <Text size="sm">Calendar link made {formatDate(feed.createdAt)}</Text>
                <Button
                  size="xs"
                  variant="outline"
                  color="red.9"
                  onClick={() => revoke.mutate(feed.id)}
                  loading={revoke.isPending}
                >
                  Stop this link
                </Button>
              </Group>
            ))}
          </Stack>
        ) : null}
      </Stack>
    </section>
  );
}
