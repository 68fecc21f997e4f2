import { Alert, Badge, Button, Card, Group, NumberInput, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { api, problemOf, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/AuthProvider';
import { formatDateTime } from '../../format';
import { describeSchedule } from '../../schedule';
import { QueryState } from '../QueryState';
import { useAssignments } from './useAssignments';

type Assignment = Schemas['AssignmentResponse'];
const STATUS_COLOR: Record<Assignment['status'], string> = {
  active: 'green',
  paused: 'yellow',
  cancelled: 'gray',
  completed: 'mend',
};

type Partner = { id: string; name: string };

export function AssignmentsSection({ coupleId, partners = [] }: { coupleId: string; partners?: Partner[] }) {
  const assignments = useAssignments(coupleId);
  return (
    <section aria-labelledby="assignments-heading">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h3" id="assignments-heading">
          Assignments
        </Title>
        <Button component={Link} to={`/couples/${coupleId}/assign`} variant="default">
          Assign homework
        </Button>
      </Group>
      <QueryState query={assignments} label="the assignments" lines={3}>
        {(page) =>
          page.data.length === 0 ? (
            <Text>No homework assigned yet.</Text>
          ) : (
            <Stack gap="sm">
              {page.data.map((a) => (
                <AssignmentCard key={a.id} assignment={a} coupleId={coupleId} partners={partners} />
              ))}
            </Stack>
          )
        }
      </QueryState>
    </section>
  );
}

function AssignmentCard({
  assignment,
  coupleId,
  partners,
}: {
  assignment: Assignment;
  coupleId: string;
  partners: Partner[];
}) {
  const { user } = useSession();
  const client = useQueryClient();
  const [isEditingReminders, setEditingReminders] = useState(false);
  const [reminders, setReminders] = useState({
    isEnabled: assignment.reminders.isEnabled,
    minutesBefore: assignment.reminders.minutesBefore,
  });
  const update = useMutation({
    mutationFn: (body: Schemas['UpdateAssignmentRequest']) =>
      unwrap(api.PATCH('/v1/assignments/{id}', { params: { path: { id: assignment.id } }, body })),
    onSuccess: async () => {
      setEditingReminders(false);
      await client.invalidateQueries({ queryKey: ['assignments', coupleId] });
    },
  });
  const isOpen = assignment.status === 'active' || assignment.status === 'paused';
  return (
    <Card withBorder padding="sm" component="article" aria-label={assignment.title}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap">
          <Text fw={600}>{assignment.title}</Text>
          <Badge color={STATUS_COLOR[assignment.status]} variant="light">
            {assignment.status}
          </Badge>
        </Group>
        {assignment.partnerId && (
          <Text size="sm" fw={500}>
            For {partners.find((p) => p.id === assignment.partnerId)?.name ?? 'one partner'} only · private: their
            partner does not see it and the answers are never shared
          </Text>
        )}
        <Text size="sm">
          {describeSchedule(assignment.schedule, (iso) => formatDateTime(iso, user.timezone, true))}
        </Text>
        <Text size="sm" c="dimmed">
          Reminders:{' '}
          {assignment.reminders.isEnabled
            ? assignment.reminders.minutesBefore === null
              ? 'the clinic’s lead before the due time'
              : `${assignment.reminders.minutesBefore} minutes before`
            : 'off'}
        </Text>
        {isEditingReminders && (
          <Group gap="md" align="flex-end" wrap="wrap">
            <Switch
              label="Send reminders"
              checked={reminders.isEnabled}
              onChange={(e) => {
                const isEnabled = e.currentTarget.checked;
                setReminders((r) => ({ ...r, isEnabled }));
              }}
            />
            <NumberInput
              label="Minutes before"
              min={0}
              max={1440}
              step={15}
              w={150}
              placeholder="Clinic default"
              value={reminders.minutesBefore ?? ''}
              disabled={!reminders.isEnabled}
              onChange={(v) => setReminders((r) => ({ ...r, minutesBefore: v === '' ? null : Number(v) || 0 }))}
            />
          </Group>
        )}
        {update.isError && (
          <Alert color="red" variant="light" role="alert">
            {problemOf(update.error).plain}
          </Alert>
        )}
        {isOpen && (
          <Group gap="xs">
            {isEditingReminders ? (
              <>
                <Button size="sm" loading={update.isPending} onClick={() => update.mutate({ reminders })}>
                  Save reminders
                </Button>
                <Button size="sm" variant="default" onClick={() => setEditingReminders(false)}>
                  Back
                </Button>
              </>
            ) : (
              <>
                {assignment.status === 'active' ? (
                  <Button size="sm" variant="default" onClick={() => update.mutate({ status: 'paused' })}>
                    Pause
                  </Button>
                ) : (
                  <Button size="sm" variant="default" onClick={() => update.mutate({ status: 'active' })}>
                    Resume
                  </Button>
                )}
                <Button size="sm" variant="default" onClick={() => setEditingReminders(true)}>
                  Reminder settings
                </Button>
                <Button size="sm" variant="default" color="red" onClick={() => update.mutate({ status: 'cancelled' })}>
                  Cancel assignment
                </Button>
              </>
            )}
          </Group>
        )}
      </Stack>
    </Card>
  );
}
