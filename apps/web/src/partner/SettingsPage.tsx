import { Button, Fieldset, Group, PasswordInput, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { useAuth, useSession } from '../auth/AuthProvider';
import { FormError } from '../components/FormError';
import { NewPassword } from '../components/NewPassword';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { zonesWith } from '../zones';
import { useMe } from './data';

/** The partner's settings: zone and quiet hours, email (and discreet emails), password, and signing out everywhere. */
export default function SettingsPage() {
  useDocumentTitle('Settings');
  const me = useMe();
  return (
    <Stack gap="xl" maw={560}>
      <Title order={1}>Settings</Title>
      <QueryState query={me} label="your settings">
        {(data) => <TimeSettings user={data.user} />}
      </QueryState>
      <EmailSettings />
      <ChangePassword />
      <SignOutEverywhere />
    </Stack>
  );
}

function TimeSettings({ user }: { user: Schemas['UserResponse'] }) {
  const client = useQueryClient();
  const quiet = user.quietHours as { start: string; end: string } | null | undefined;
  const [zone, setZone] = useState(user.timezone);
  const [hasQuiet, setHasQuiet] = useState(Boolean(quiet));
  const [start, setStart] = useState(quiet?.start ?? '21:00');
  const [end, setEnd] = useState(quiet?.end ?? '08:00');
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/v1/me', {
          body: { timezone: zone, quietHours: hasQuiet ? { start, end } : null } as Schemas['UpdateMeRequest'],
        }),
      ),
    onSuccess: () => {
      setSaved(true);
      void client.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const problem = save.error ? problemOf(save.error) : null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby="time-heading">
      <Fieldset legend={<span id="time-heading">Time zone and quiet hours</span>}>
        <Stack gap="sm">
          <Select
            label="Your time zone"
            description="Homework is due, and reminders arrive, at times in this zone."
            data={zonesWith(zone)}
            searchable
            value={zone}
            onChange={(value) => value && setZone(value)}
            allowDeselect={false}
            limit={50}
            error={problem?.forField('timezone')}
          />
          <Switch
            label="Quiet hours: hold reminders overnight"
            checked={hasQuiet}
            onChange={(event) => setHasQuiet(event.currentTarget.checked)}
          />
          {hasQuiet ? (
            <Group grow>
              <TextInput
                type="time"
                label="Quiet from"
                value={start}
                onChange={(e) => setStart(e.currentTarget.value)}
                error={problem?.forField('start')}
                required
              />
              <TextInput
                type="time"
                label="Until"
                value={end}
                onChange={(e) => setEnd(e.currentTarget.value)}
                error={problem?.forField('end')}
                required
              />
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              Without your own quiet hours, your clinic’s apply.
            </Text>
          )}
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save time settings
            </Button>
            {saved ? <Text role="status">Saved. Reminders not yet sent follow the new times.</Text> : null}
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}

function EmailSettings() {
  const client = useQueryClient();
  const prefs = useQuery({
    queryKey: ['me', 'notification-preferences'],
    queryFn: () => unwrap(api.GET('/v1/me/notification-preferences')),
  });
  const key = ['me', 'notification-preferences'];
  const save = useMutation({
    mutationFn: (body: Schemas['UpdateNotificationPreferencesRequest']) =>
      unwrap(api.PATCH('/v1/me/notification-preferences', { body })),
    // A switch moves when pressed; if the save fails it moves back and the error shows.
    onMutate: (body) => {
      const before = client.getQueryData<Schemas['NotificationPreferencesResponse']>(key);
      if (before) client.setQueryData(key, { ...before, ...body });
      return { before };
    },
    onError: (_error, _body, context) => {
      if (context?.before) client.setQueryData(key, context.before);
    },
    onSuccess: (data) => client.setQueryData(key, data),
  });
  return (
    <Fieldset legend="Reminders">
      <QueryState query={prefs} label="your reminder settings" lines={2}>
        {(data) => (
          <Stack gap="sm">
            <Switch
              label="Email me reminders"
              description="Emails never include your answers."
              checked={data.email}
              onChange={(event) => save.mutate({ email: event.currentTarget.checked })}
            />
            <Switch
              label="Discreet emails"
              description={
                data.isClinicDiscreet
                  ? 'Your clinic already keeps every reminder email discreet.'
                  : 'For an inbox someone else can read: reminder emails then only say that something is due, without the exercise, your therapist or the name Mend.'
              }
              checked={data.discreet || data.isClinicDiscreet}
              disabled={data.isClinicDiscreet}
              onChange={(event) => save.mutate({ discreet: event.currentTarget.checked })}
            />
            <Switch
              label="Show reminders in Mend"
              checked={data.inApp}
              onChange={(event) => save.mutate({ inApp: event.currentTarget.checked })}
            />
            <FormError message={save.error ? problemOf(save.error).plain : null} />
          </Stack>
        )}
      </QueryState>
    </Fieldset>
  );
}

function ChangePassword() {
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/me/password', { body: { currentPassword: current, newPassword: next } })),
    onSuccess: () => {
      setDone(true);
      setCurrent('');
      setNext('');
    },
  });
  const problem = change.error ? problemOf(change.error) : null;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setDone(false);
        change.mutate();
      }}
    >
      <Fieldset legend="Change password">
        <Stack gap="sm">
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={problem?.forField('currentPassword')}
            required
          />
          <NewPassword
            value={next}
            onChange={setNext}
            error={problem?.forField('newPassword')}
            userInputs={[user.email, user.name]}
          />
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
            {done ? <Text role="status">Your password was changed.</Text> : null}
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}

function SignOutEverywhere() {
  const { signOut } = useAuth();
  const all = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/auth/logout-all')),
    onSuccess: () => void signOut(),
  });
  return (
    <Fieldset legend="Devices">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">Signs you out of Mend on every phone and computer, including this one.</Text>
        <FormError message={all.error ? problemOf(all.error).plain : null} />
        <Button color="red.9" variant="outline" onClick={() => all.mutate()} loading={all.isPending}>
          Sign out everywhere
        </Button>
      </Stack>
    </Fieldset>
  );
}
