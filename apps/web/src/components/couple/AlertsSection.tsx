import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, problemOf, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/AuthProvider';
import { formatDateTime } from '../../format';
import { QueryState } from '../QueryState';
import { useProgress } from './useProgress';

const KIND: Record<Schemas['AlertResponse']['kind'], { text: string; severity: 'High' | 'Medium' }> = {
  measure_below_cutoff: { text: 'A measure score is below its cut-off', severity: 'High' },
  trust_drop: { text: 'Trust ratings dropped', severity: 'High' },
  partners_diverging: { text: 'The partners’ ratings are drifting apart', severity: 'Medium' },
  missed_streak: { text: 'Several check-ins in a row were missed', severity: 'Medium' },
  safety_concern: { text: 'A partner said they do not feel safe', severity: 'High' },
};

export function AlertsSection({ coupleId, partners }: { coupleId: string; partners: { id: string; name: string }[] }) {
  const progress = useProgress(coupleId);
  const { user } = useSession();
  const client = useQueryClient();
  const acknowledge = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.PATCH('/v1/alerts/{id}', { params: { path: { id } }, body: { status: 'acknowledged' } })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['progress', coupleId] }),
        client.invalidateQueries({ queryKey: ['caseload'] }),
      ]),
  });
  const nameOf = (id: string | null) => partners.find((p) => p.id === id)?.name;

  return (
    <section aria-labelledby="alerts-heading">
      <Title order={2} fz="h3" id="alerts-heading" mb="sm">
        Alerts
      </Title>
      <QueryState query={progress} label="the alerts" lines={2}>
        {(report) => {
          const open = report.alerts.filter((a) => a.status === 'open');
          const done = report.alerts.filter((a) => a.status !== 'open');
          if (report.alerts.length === 0)
            return <Text>No alerts. Mend raises one when the check-ins call for a look.</Text>;
          return (
            <Stack gap="sm">
              {acknowledge.isError && (
                <Alert color="red" variant="light" role="alert">
                  {problemOf(acknowledge.error).plain}
                </Alert>
              )}
              {open.length === 0 && <Text>No open alerts.</Text>}
              {open.map((alert) => (
                <Card key={alert.id} withBorder padding="sm">
                  <Group justify="space-between" align="flex-start" wrap="wrap">
                    <Stack gap={2}>
                      <Group gap="xs">
                        <Badge color={KIND[alert.kind].severity === 'High' ? 'red.8' : 'orange.9'} variant="filled">
                          {KIND[alert.kind].severity}
                        </Badge>
                        <Text fw={600}>{KIND[alert.kind].text}</Text>
                      </Group>
                      <Text size="sm">
                        {nameOf(alert.partnerId) ? `${nameOf(alert.partnerId)} · ` : ''}Opened{' '}
                        {formatDateTime(alert.openedAt, user.timezone)}
                      </Text>
                    </Stack>
                    <Button
                      variant="default"
                      onClick={() => acknowledge.mutate(alert.id)}
                      loading={acknowledge.isPending && acknowledge.variables === alert.id}
                    >
                      Acknowledge
                    </Button>
                  </Group>
                </Card>
              ))}
              {done.length > 0 && (
                <Text size="sm" c="dimmed">
                  {done.length} acknowledged {done.length === 1 ? 'alert' : 'alerts'}.
                </Text>
              )}
            </Stack>
          );
        }}
      </QueryState>
    </section>
  );
}
