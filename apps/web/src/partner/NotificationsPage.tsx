import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';

import { api, unwrap } from '../api/client';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDateTime } from '../format';
import { useZone } from './data';

/** The partner's in-app notifications, newest first; opening one marks it read. */
export default function NotificationsPage() {
  useDocumentTitle('Notifications');
  const zone = useZone();
  const client = useQueryClient();
  const notifications = useQuery({
    queryKey: ['me', 'notifications'],
    queryFn: () => unwrap(api.GET('/v1/me/notifications', { params: { query: { limit: 50 } } })),
  });
  const mark = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.PATCH('/v1/me/notifications/{notificationId}', {
          params: { path: { notificationId: id } },
          body: { read: true },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['me', 'notifications'] }),
  });
  const markAll = useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids)
        await unwrap(
          api.PATCH('/v1/me/notifications/{notificationId}', {
            params: { path: { notificationId: id } },
            body: { read: true },
          }),
        );
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['me', 'notifications'] }),
  });

  return (
    <Stack gap="lg" maw={720}>
      <Title order={1}>Notifications</Title>
      <QueryState query={notifications} label="your notifications">
        {(page) => {
          const unread = page.data.filter((n) => !n.isRead).map((n) => n.id);
          if (page.data.length === 0)
            return <Text>No notifications yet. Reminders about your homework appear here.</Text>;
          return (
            <Stack gap="sm">
              <Group justify="space-between">
                <Text role="status">{unread.length === 0 ? 'All read.' : `${unread.length} unread`}</Text>
                {unread.length > 0 ? (
                  <Button
                    variant="default"
                    size="sm"
                    onClick={() => markAll.mutate(unread)}
                    loading={markAll.isPending}
                  >
                    Mark all as read
                  </Button>
                ) : null}
              </Group>
              <Stack gap="sm" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {page.data.map((n) => (
                  <li key={n.id}>
                    <Card
                      withBorder
                      padding="md"
                      component="article"
                      aria-label={n.title}
                      bg={n.isRead ? undefined : 'blue.0'}
                    >
                      <Stack gap={6}>
                        <Group justify="space-between" align="flex-start" wrap="nowrap">
                          <Text fw={600}>{n.title}</Text>
                          {n.isRead ? null : (
                            <Badge variant="filled" color="blue.8">
                              New
                            </Badge>
                          )}
                        </Group>
                        <Text size="sm">{n.body}</Text>
                        <Text size="sm" c="dimmed">
                          {n.sentAt ? formatDateTime(n.sentAt, zone) : ''}
                        </Text>
                        <Group gap="sm">
                          {n.occurrenceId ? (
                            <Button component={Link} to="/" size="xs" onClick={() => !n.isRead && mark.mutate(n.id)}>
                              Open my homework
                            </Button>
                          ) : null}
                          {n.kind === 'plan_rating_due' ? (
                            <Button
                              component={Link}
                              to="/home/plan/rate"
                              size="xs"
                              onClick={() => !n.isRead && mark.mutate(n.id)}
                            >
                              Rate our plan
                            </Button>
                          ) : null}
                          {n.isRead ? null : (
                            <Button
                              size="xs"
                              variant="default"
                              onClick={() => mark.mutate(n.id)}
                              aria-label={`Mark as read: ${n.title}`}
                            >
                              Mark as read
                            </Button>
                          )}
                        </Group>
                      </Stack>
                    </Card>
                  </li>
                ))}
              </Stack>
            </Stack>
          );
        }}
      </QueryState>
    </Stack>
  );
}
