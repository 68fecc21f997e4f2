import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, problemOf, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/AuthProvider';
import { formatDateTime } from '../../format';
import { QueryState } from '../QueryState';
import { useProgress } from './useProgress';

const KIND: Record<string, string> = {
  safety_concern: 'A safety answer needs your attention',
  measure_below_cutoff: 'A measure score is below its cut-off',
  trust_drop: 'Trust ratings dropped',
  partners_diverging: 'The partners’ ratings are drifting apart',
  missed_streak: 'Several check-ins in a row were missed',
};

/** The API's severity when it gives one (high: a safety concern); the kind's weight otherwise. */
function severityOf(alert: Schemas['AlertResponse']): 'High' | 'Normal' {
  const given = (alert as { severity?: string }).severity;
  if (given) return given === 'high' ? 'High' : 'Normal';
  return alert.kind === 'measure_below_cutoff' || alert.kind === 'trust_drop' ? 'High' : 'Normal';
}

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
          // The most serious first (a safety concern), then the newest.
          const open = report.alerts
            .filter((a) => a.status === 'open')
            .sort(
              (a, b) =>
                Number(severityOf(b) === 'High') - Number(severityOf(a) === 'High') ||
                b.openedAt.localeCompare(a.openedAt),
            );
          const done = report.alerts.filter((a) => a.status === 'acknowledged');
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
                        <Badge color={severityOf(alert) === 'High' ? 'red.8' : 'gray.7'} variant="filled">
                          {severityOf(alert)}
                        </Badge>
                        <Text fw={600}>{KIND[alert.kind] ?? 'A pattern in the check-ins needs a look'}</Text>
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
