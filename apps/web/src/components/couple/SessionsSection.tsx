import { Alert, Badge, Button, Card, Group, NumberInput, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/AuthProvider';
import { addDays, formatDateTime, todayIn, zonedInstant } from '../../format';
import { QueryState } from '../QueryState';

type Session = Schemas['SessionResponse'];
const STATUS: Record<Session['status'], { label: string; color: string }> = {
  scheduled: { label: 'Scheduled', color: 'mend' },
  completed: { label: 'Completed', color: 'green' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  no_show: { label: 'No-show', color: 'orange' },
};

export function SessionsSection({ coupleId }: { coupleId: string }) {
  const { user } = useSession();
  const client = useQueryClient();
  const sessions = useQuery({
    queryKey: ['sessions', coupleId],
    queryFn: () =>
      unwrap(api.GET('/v1/couples/{id}/sessions', { params: { path: { id: coupleId }, query: { limit: 200 } } })),
  });
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['sessions', coupleId] }),
      client.invalidateQueries({ queryKey: ['progress', coupleId] }),
      client.invalidateQueries({ queryKey: ['caseload'] }),
    ]);

  return (
    <section aria-labelledby="sessions-heading">
      <Title order={2} fz="h3" id="sessions-heading" mb="sm">
        Sessions
      </Title>
      <Stack gap="md">
        <ScheduleSession coupleId={coupleId} zone={user.timezone} onDone={refresh} />
        <QueryState query={sessions} label="the sessions" lines={3}>
          {(page) =>
            page.data.length === 0 ? (
              <Text>No sessions yet.</Text>
            ) : (
              <Stack gap="sm">
                {[...page.data]
                  .sort((a, b) => b.startsAt.localeCompare(a.startsAt))
                  .map((s) => (
                    <SessionCard key={s.id} session={s} zone={user.timezone} onDone={refresh} />
                  ))}
              </Stack>
            )
          }
        </QueryState>
      </Stack>
    </section>
  );
}

function ScheduleSession({
  coupleId,
  zone,
  onDone,
}: {
  coupleId: string;
  zone: string;
  onDone: () => Promise<unknown>;
}) {
  const [date, setDate] = useState(addDays(todayIn(zone), 7));
  const [time, setTime] = useState('17:00');
  const [minutes, setMinutes] = useState<number>(50);
  const create = useMutation({
    mutationFn: () => {
      const startsAt = zonedInstant(date, time, zone);
      const endsAt = new Date(startsAt.getTime() + minutes * 60_000);
      return unwrap(
        api.POST('/v1/couples/{id}/sessions', {
          params: { path: { id: coupleId } },
          body: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
        }),
      );
    },
    onSuccess: onDone,
  });
  const problem = create.isError ? problemOf(create.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Card withBorder padding="sm">
      <form onSubmit={submit} aria-label="Schedule a session">
        <Stack gap="sm">
          <Text fw={600}>Schedule a session</Text>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <TextInput
              type="date"
              label="Date"
              value={date}
              onChange={(e) => setDate(e.currentTarget.value)}
              required
            />
            <TextInput
              type="time"
              label={`Time (${zone.replace(/_/g, ' ')})`}
              value={time}
              onChange={(e) => setTime(e.currentTarget.value)}
              required
            />
            <NumberInput
              label="Minutes"
              value={minutes}
              onChange={(v) => setMinutes(Number(v) || 50)}
              min={10}
              max={240}
              step={5}
              w={110}
            />
            <Button type="submit" loading={create.isPending}>
              Schedule
            </Button>
          </Group>
          {problem && (
            <Alert color="red" variant="light" role="alert">
              {problem.forField('startsAt') ?? problem.forField('endsAt') ?? problem.plain}
            </Alert>
          )}
          {create.isSuccess && (
            <Text size="sm" role="status">
              Scheduled for {formatDateTime(create.data.startsAt, zone)}.
            </Text>
          )}
        </Stack>
      </form>
    </Card>
  );
}

function SessionCard({ session, zone, onDone }: { session: Session; zone: string; onDone: () => Promise<unknown> }) {
  const [notes, setNotes] = useState(session.notes ?? '');
  const [isEditing, setEditing] = useState(false);
  const update = useMutation({
    mutationFn: (body: Schemas['UpdateSessionRequest']) =>
      unwrap(api.PATCH('/v1/sessions/{id}', { params: { path: { id: session.id } }, body })),
    onSuccess: async () => {
      setEditing(false);
      await onDone();
    },
  });
  const status = STATUS[session.status];
  const notesId = `notes-${session.id}`;
  return (
    <Card withBorder padding="sm" component="article" aria-label={`Session ${formatDateTime(session.startsAt, zone)}`}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Text fw={600}>{formatDateTime(session.startsAt, zone)}</Text>
          <Badge color={status.color} variant="light">
            {status.label}
          </Badge>
        </Group>
        {session.notes && !isEditing && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {session.notes}
          </Text>
        )}
        {isEditing && (
          <Textarea
            id={notesId}
            label="Session notes"
            description="Only you and other clinicians see these; partners never do."
            autosize
            minRows={3}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
          />
        )}
        {update.isError && (
          <Alert color="red" variant="light" role="alert">
            {problemOf(update.error).forField('notes') ?? problemOf(update.error).plain}
          </Alert>
        )}
        <Group gap="xs">
          {session.status === 'scheduled' && !isEditing && (
            <>
              <Button size="sm" onClick={() => setEditing(true)}>
                Complete with notes
              </Button>
              <Button
                size="sm"
                variant="default"
                onClick={() => update.mutate({ status: 'cancelled' })}
                loading={update.isPending}
              >
                Cancel session
              </Button>
            </>
          )}
          {session.status !== 'scheduled' && !isEditing && (
            <Button size="sm" variant="default" onClick={() => setEditing(true)}>
              {session.notes ? 'Edit notes' : 'Add notes'}
            </Button>
          )}
          {isEditing && (
            <>
              <Button
                size="sm"
                loading={update.isPending}
                onClick={() =>
                  update.mutate(
                    session.status === 'scheduled'
                      ? { status: 'completed', notes: notes || null }
                      : { notes: notes || null },
                  )
                }
              >
                {session.status === 'scheduled' ? 'Save and mark completed' : 'Save notes'}
              </Button>
              <Button size="sm" variant="default" onClick={() => setEditing(false)}>
                Back
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
