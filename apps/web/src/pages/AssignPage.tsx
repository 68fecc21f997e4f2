import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Checkbox,
  Grid,
  Group,
  NumberInput,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { FormPreview } from '../components/FormPreview';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { deviceNow } from '../deviceClock';
import { coupleName, formatDateTime, todayIn, zonedInstant } from '../format';
import { dailyRule, WEEKDAY_NAMES, weeklyRule, type Schedule } from '../schedule';
import { firstOccurrences } from '../schedulePreview';

type Exercise = Schemas['ExerciseResponse'];
type Kind = 'once' | 'daily' | 'weekly';

const CATEGORY: Record<Exercise['category'], string> = {
  communication: 'Communication',
  repair_plan: 'Repair plan',
  honesty: 'Honesty',
  time_together: 'Time together',
  caring: 'Caring',
  support: 'Support',
  measure: 'Measures',
};

export default function AssignPage() {
  useDocumentTitle('Assign homework');
  const { coupleId = '' } = useParams();
  const couple = useQuery({
    queryKey: ['couple', coupleId],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}', { params: { path: { id: coupleId } } })),
  });
  const exercises = useQuery({
    queryKey: ['exercises'],
    queryFn: () => unwrap(api.GET('/v1/exercises', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack gap="md">
      <Breadcrumbs aria-label="Breadcrumb">
        <Anchor component={Link} to="/">
          Caseload
        </Anchor>
        <Anchor component={Link} to={`/couples/${coupleId}`}>
          {couple.data ? coupleName(couple.data.partners, couple.data.label) : 'Couple'}
        </Anchor>
        <Text span aria-current="page">
          Assign homework
        </Text>
      </Breadcrumbs>
      <Title order={1}>Assign homework</Title>
      <QueryState query={couple} label="the couple">
        {(c) => (
          <QueryState query={exercises} label="the exercise library" lines={5}>
            {(page) => <AssignForm couple={c} exercises={page.data.filter((e) => !e.archivedAt)} />}
          </QueryState>
        )}
      </QueryState>
    </Stack>
  );
}

function AssignForm({ couple, exercises }: { couple: Schemas['CoupleResponse']; exercises: Exercise[] }) {
  const { user } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [category, setCategory] = useState<string>('all');
  const [exerciseId, setExerciseId] = useState<string>('');
  const [kind, setKind] = useState<Kind>('daily');
  const earliestToday = useMemo(
    () => couple.partners.map((p) => todayIn(p.timezone)).sort()[0] ?? todayIn(user.timezone),
    [couple.partners, user.timezone],
  );
  const [startsOn, setStartsOn] = useState(earliestToday);
  const [time, setTime] = useState('20:00');
  const [days, setDays] = useState<number[]>([0]);
  const [onceDate, setOnceDate] = useState(todayIn(user.timezone));
  const [note, setNote] = useState('');
  const [reminders, setReminders] = useState({ isEnabled: true, minutesBefore: 60 });

  const exercise = exercises.find((e) => e.id === exerciseId);
  // The safety check goes to one partner, privately: the other partner never learns it exists.
  const isOnePartner = exercise?.scoring?.kind === 'safety_screen';
  const [partnerId, setPartnerId] = useState('');
  const shown = exercises.filter((e) => category === 'all' || e.category === category);

  const schedule: Schedule | null = useMemo(() => {
    if (!/^\d{2}:\d{2}$/.test(time)) return null;
    if (kind === 'once') return { type: 'once', dueAt: zonedInstant(onceDate, time, user.timezone).toISOString() };
    if (kind === 'daily') return { type: 'recurring', rrule: dailyRule(time), startsOn };
    if (days.length === 0) return null;
    return { type: 'recurring', rrule: weeklyRule(days, time), startsOn };
  }, [kind, time, onceDate, startsOn, days, user.timezone]);

  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/couples/{id}/assignments', {
          params: { path: { id: couple.id } },
          body: {
            exerciseId,
            schedule: schedule as unknown as Schemas['CreateAssignmentRequest']['schedule'],
            ...(note.trim() ? { instructions: note.trim() } : {}),
            ...(isOnePartner ? { partnerId } : {}),
            reminders,
          },
        }),
      ),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['assignments', couple.id] });
      await client.invalidateQueries({ queryKey: ['caseload'] });
      navigate(`/couples/${couple.id}?tab=assignments`);
    },
  });
  const problem = create.isError ? problemOf(create.error) : null;
  const [missing, setMissing] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!exercise) return setMissing('Choose an exercise from the library.');
    if (isOnePartner && !partnerId) return setMissing('Choose which partner the safety check is for.');
    if (!schedule) return setMissing(kind === 'weekly' ? 'Choose at least one day of the week.' : 'Enter a time.');
    setMissing(null);
    create.mutate();
  };

  const now = deviceNow();
  return (
    <form onSubmit={submit} noValidate aria-label="Assign homework">
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack gap="md">
            <Card withBorder padding="md">
              <Stack gap="sm">
                <Title order={2} fz="h3">
                  1. Exercise
                </Title>
                <Select
                  label="Category"
                  data={[
                    { value: 'all', label: 'All categories' },
                    ...Object.entries(CATEGORY).map(([value, label]) => ({ value, label })),
                  ]}
                  value={category}
                  onChange={(v) => setCategory(v ?? 'all')}
                  allowDeselect={false}
                />
                <Radio.Group label="Exercise" value={exerciseId} onChange={setExerciseId} name="exercise">
                  <Stack gap={8} mt={6}>
                    {shown.map((e) => (
                      <Radio
                        key={e.id}
                        value={e.id}
                        label={e.title}
                        description={`${CATEGORY[e.category]} · ${e.mode === 'joint' ? 'one check-in for both' : 'each partner checks in'}${e.isBuiltin ? '' : ' · your clinic'}`}
                      />
                    ))}
                  </Stack>
                </Radio.Group>
                {isOnePartner && (
                  <Radio.Group
                    label="Which partner is this for?"
                    description="The safety check is private to that partner: only they are asked and reminded, their answers are never shared, and the other partner is not told it exists."
                    value={partnerId}
                    onChange={setPartnerId}
                    name="partner"
                    withAsterisk
                  >
                    <Stack gap={8} mt={6}>
                      {couple.partners.map((p) => (
                        <Radio key={p.id} value={p.id} label={p.name} />
                      ))}
                    </Stack>
                  </Radio.Group>
                )}
              </Stack>
            </Card>
            <Card withBorder padding="md">
              <Stack gap="sm">
                <Title order={2} fz="h3">
                  2. Schedule
                </Title>
                <Stack gap={4}>
                  <Text size="sm" fw={500} id="kind-label">
                    How often
                  </Text>
                  <SegmentedControl
                    aria-labelledby="kind-label"
                    value={kind}
                    onChange={(v) => setKind(v as Kind)}
                    data={[
                      { value: 'once', label: 'Once' },
                      { value: 'daily', label: 'Daily' },
                      { value: 'weekly', label: 'Weekly' },
                    ]}
                  />
                </Stack>
                {kind === 'weekly' && (
                  <Checkbox.Group
                    label="On these days"
                    value={days.map(String)}
                    onChange={(v) => setDays(v.map(Number))}
                  >
                    <Group gap="sm" mt={6}>
                      {WEEKDAY_NAMES.map((name, i) => (
                        <Checkbox key={name} value={String(i)} label={name.slice(0, 3)} aria-label={name} />
                      ))}
                    </Group>
                  </Checkbox.Group>
                )}
                <Group gap="sm" align="flex-end" wrap="wrap">
                  {kind === 'once' ? (
                    <TextInput
                      type="date"
                      label="Due date"
                      value={onceDate}
                      onChange={(e) => setOnceDate(e.currentTarget.value)}
                    />
                  ) : (
                    <TextInput
                      type="date"
                      label="Starting"
                      value={startsOn}
                      onChange={(e) => setStartsOn(e.currentTarget.value)}
                    />
                  )}
                  <TextInput
                    type="time"
                    label={kind === 'once' ? `Time (${user.timezone.replace(/_/g, ' ')})` : 'Time (each partner’s own)'}
                    value={time}
                    onChange={(e) => setTime(e.currentTarget.value)}
                  />
                </Group>
                <OccurrencePreview
                  schedule={schedule}
                  partners={isOnePartner ? couple.partners.filter((p) => p.id === partnerId) : couple.partners}
                  now={now}
                />
              </Stack>
            </Card>
            <Card withBorder padding="md">
              <Stack gap="sm">
                <Title order={2} fz="h3">
                  3. Reminders and note
                </Title>
                <Switch
                  label="Email a reminder before each check-in is due"
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
                  w={160}
                  disabled={!reminders.isEnabled}
                  value={reminders.minutesBefore}
                  onChange={(v) => setReminders((r) => ({ ...r, minutesBefore: Number(v) || 0 }))}
                />
                <Textarea
                  label="Note to the couple (optional)"
                  description="Shown above the questions."
                  autosize
                  minRows={2}
                  maxLength={2000}
                  value={note}
                  onChange={(e) => setNote(e.currentTarget.value)}
                />
              </Stack>
            </Card>
            {(missing || problem) && (
              <Alert color="red" variant="light" role="alert" title="The homework was not assigned">
                {missing ?? problem?.errors.map((e) => problem.forField(e.field)).join(' ') ?? problem?.plain}
                {problem && !problem.errors.length ? problem.plain : null}
              </Alert>
            )}
            <Group>
              <Button type="submit" loading={create.isPending}>
                Assign
              </Button>
              <Button component={Link} to={`/couples/${couple.id}`} variant="default">
                Cancel
              </Button>
            </Group>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          {exercise ? (
            <FormPreview
              title={exercise.title}
              instructions={exercise.instructions}
              note={note.trim() || undefined}
              fields={exercise.form.fields}
              partnerName={couple.partners[1]?.name.split(' ')[0] ?? 'your partner'}
              idPrefix="preview"
              isPrivate={isOnePartner}
            />
          ) : (
            <Card withBorder padding="md">
              <Text>Choose an exercise to see its form exactly as the partners will.</Text>
            </Card>
          )}
        </Grid.Col>
      </Grid>
    </form>
  );
}

function OccurrencePreview({
  schedule,
  partners,
  now,
}: {
  schedule: Schedule | null;
  partners: { id: string; name: string; timezone: string }[];
  now: Date;
}) {
  if (!schedule) return <Text size="sm">Choose a time to see the first check-ins.</Text>;
  return (
    <Table aria-label="First check-ins, in each partner’s time zone" captionSide="top">
      <Table.Caption>First check-ins, in each partner’s own time zone</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Partner</Table.Th>
          <Table.Th scope="col">Due</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {partners.map((p) => {
          const times = firstOccurrences(schedule, p.timezone, now, 3);
          return (
            <Table.Tr key={p.id}>
              <Table.Th scope="row" fw={500}>
                {p.name}
                <Text size="xs" c="dimmed">
                  {p.timezone.replace(/_/g, ' ')}
                </Text>
              </Table.Th>
              <Table.Td>
                {times.length === 0 ? (
                  'None: the date is in the past'
                ) : (
                  <Stack gap={0}>
                    {times.map((t) => (
                      <Text size="sm" key={t.toISOString()}>
                        {formatDateTime(t.toISOString(), p.timezone, true)}
                      </Text>
                    ))}
                  </Stack>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
