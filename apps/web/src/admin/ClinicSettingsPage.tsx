import { Button, Fieldset, Group, NumberInput, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { ReauthDialog, withReauth } from './Reauth';

/**
 * The clinic's settings: its name and zone (as set at sign-up; the API has no route to change
 * them yet), the reminder defaults every partner gets unless they set their own, and the idle
 * sign-out time of the web app.
 */
export default function ClinicSettingsPage() {
  useDocumentTitle('Clinic settings');
  const { clinic } = useSession();
  const reminders = useQuery({
    queryKey: ['clinic', 'reminder-settings'],
    queryFn: () => unwrap(api.GET('/v1/clinic/reminder-settings')),
  });
  const security = useQuery({
    queryKey: ['clinic', 'security-settings'],
    queryFn: () => unwrap(api.GET('/v1/clinic/security-settings')),
  });
  return (
    <Stack gap="xl" maw={640}>
      <ReauthDialog />
      <Title order={1}>Clinic settings</Title>
      <Fieldset legend="Clinic">
        <Stack gap="sm">
          <TextInput label="Name" value={clinic.name} readOnly description="Set when the clinic was created." />
          <TextInput label="Time zone" value={clinic.timezone} readOnly />
          <TextInput label="Sign-in name (for the sign-in page)" value={clinic.slug} readOnly />
        </Stack>
      </Fieldset>
      <QueryState query={reminders} label="the reminder settings">
        {(data) => <ReminderDefaults settings={data} />}
      </QueryState>
      <QueryState query={security} label="the sign-out setting" lines={1}>
        {(data) => <IdleSignOut minutes={data.idleTimeoutMinutes} />}
      </QueryState>
    </Stack>
  );
}

function ReminderDefaults({ settings }: { settings: Schemas['ClinicReminderSettingsResponse'] }) {
  const client = useQueryClient();
  const quiet = settings.quietHours as unknown as { start: string; end: string };
  const [start, setStart] = useState(quiet.start);
  const [end, setEnd] = useState(quiet.end);
  const [dailyCap, setDailyCap] = useState<number | string>(settings.dailyCap);
  const [isDiscreet, setDiscreet] = useState(settings.isDiscreet);
  const [overdue, setOverdue] = useState<number | string>(settings.overdueAfterMinutes / 60);
  const [lead, setLead] = useState<number | string>(settings.sessionReminderHours);
  const [urgent, setUrgent] = useState(settings.urgentAlertsBreakQuietHours);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      withReauth(() =>
        unwrap(
          api.PATCH('/v1/clinic/reminder-settings', {
            body: {
              quietHours: { start, end },
              dailyCap: Number(dailyCap),
              isDiscreet,
              overdueAfterMinutes: Math.round(Number(overdue) * 60),
              sessionReminderHours: Number(lead),
              urgentAlertsBreakQuietHours: urgent,
            },
          }),
        ),
      ),
    onSuccess: (data) => {
      client.setQueryData(['clinic', 'reminder-settings'], data);
      setSaved(true);
    },
  });
  const problem = save.error ? problemOf(save.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Fieldset legend="Reminder defaults">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            For every partner who has not set their own. Saving plans the reminders not yet sent again.
          </Text>
          <Group grow>
            <TextInput
              type="time"
              label="Quiet hours from"
              value={start}
              onChange={(e) => setStart(e.currentTarget.value)}
              error={problem?.forField('start')}
            />
            <TextInput
              type="time"
              label="Quiet hours until"
              value={end}
              onChange={(e) => setEnd(e.currentTarget.value)}
              error={problem?.forField('end')}
            />
          </Group>
          <NumberInput
            label="Most reminders a person gets in a day"
            min={1}
            max={100}
            value={dailyCap}
            onChange={setDailyCap}
            error={problem?.forField('dailyCap')}
          />
          <NumberInput
            label="Nudge about overdue homework after (hours)"
            min={1 / 60}
            max={720}
            decimalScale={2}
            value={overdue}
            onChange={setOverdue}
            error={problem?.forField('overdueAfterMinutes')}
          />
          <NumberInput
            label="Remind of a session (hours before)"
            min={1}
            max={168}
            value={lead}
            onChange={setLead}
            error={problem?.forField('sessionReminderHours')}
          />
          <Switch
            label="Discreet emails (no exercise names in reminders)"
            checked={isDiscreet}
            onChange={(e) => setDiscreet(e.currentTarget.checked)}
          />
          <Switch
            label="Urgent alerts reach therapists during quiet hours"
            checked={urgent}
            onChange={(e) => setUrgent(e.currentTarget.checked)}
          />
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save reminder defaults
            </Button>
            {saved ? <Text role="status">Saved.</Text> : null}
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}

function IdleSignOut({ minutes }: { minutes: number }) {
  const client = useQueryClient();
  const [value, setValue] = useState<number | string>(minutes);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      withReauth(() =>
        unwrap(api.PATCH('/v1/clinic/security-settings', { body: { idleTimeoutMinutes: Number(value) } })),
      ),
    onSuccess: (data) => {
      client.setQueryData(['clinic', 'security-settings'], data);
      setSaved(true);
    },
  });
  const problem = save.error ? problemOf(save.error) : null;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setSaved(false);
        save.mutate();
      }}
    >
      <Fieldset legend="Sign-in">
        <Stack gap="sm">
          <NumberInput
            label="Sign out after this many idle minutes"
            description="Everyone of the clinic is warned a minute before."
            min={5}
            max={720}
            value={value}
            onChange={setValue}
            error={problem?.forField('idleTimeoutMinutes')}
          />
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save sign-out time
            </Button>
            {saved ? <Text role="status">Saved.</Text> : null}
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}
