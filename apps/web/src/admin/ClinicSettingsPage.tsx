import {
  Anchor,
  Button,
  Fieldset,
  Group,
  NumberInput,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { useAuth, useSession } from '../auth/AuthProvider';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { TIME_ZONES, zonesWith } from '../zones';
import { ReauthDialog, withReauth } from './Reauth';

const NAME_MAX = 200;
const IDLE = { min: 5, max: 720 };
/** ISO weekdays, as the API counts them (1 Monday … 7 Sunday). */
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].map((label, i) => ({
  value: String(i + 1),
  label,
}));
const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * The clinic's settings: its name and zone, the reminder defaults every partner gets unless they
 * set their own, and sign-in security (idle sign-out, a second step required of staff).
 */
export default function ClinicSettingsPage() {
  useDocumentTitle('Clinic settings');
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
      <ClinicProfile />
      <QueryState query={reminders} label="the reminder settings">
        {(data) => <ReminderDefaults settings={data} />}
      </QueryState>
      <QueryState query={security} label="the sign-in settings" lines={2}>
        {(data) => <SignInSecurity settings={data} />}
      </QueryState>
    </Stack>
  );
}

/** Name and zone. The zone is a default only: it moves nobody's own zone, so no reminder moves. */
function ClinicProfile() {
  const { clinic } = useSession();
  const { updateClinic } = useAuth();
  const [name, setName] = useState(clinic.name);
  const [zone, setZone] = useState<string | null>(clinic.timezone);
  const [errors, setErrors] = useState<{ name?: string; timezone?: string }>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: { name: string; timezone: string }) =>
      withReauth(() => unwrap(api.PATCH('/v1/clinic', { body }))),
    onSuccess: (data) => {
      updateClinic(data);
      setName(data.name);
      setSaved(true);
    },
  });
  const problem = save.error ? problemOf(save.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const trimmed = name.trim();
    const found = {
      name: !trimmed
        ? 'Enter the clinic’s name.'
        : trimmed.length > NAME_MAX
          ? `Use at most ${NAME_MAX} characters.`
          : undefined,
      timezone: zone && zonesWith(clinic.timezone).includes(zone) ? undefined : 'Choose a time zone from the list.',
    };
    setErrors(found);
    if (found.name || found.timezone) return;
    save.mutate({ name: trimmed, timezone: zone! });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Fieldset legend="Clinic">
        <Stack gap="sm">
          <TextInput
            label="Name"
            description="Shown to staff and partners in the app and in emails."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name ?? problem?.forField('name')}
            required
          />
          <Select
            label="Time zone"
            description="The default for people invited from now on and for the audit log’s times. Therapists and partners keep their own zones, so no reminder or due time moves."
            data={zonesWith(clinic.timezone)}
            searchable
            limit={50}
            value={zone}
            onChange={setZone}
            allowDeselect={false}
            nothingFoundMessage={TIME_ZONES.length ? 'No zone by that name' : undefined}
            error={errors.timezone ?? problem?.forField('timezone')}
            required
          />
          <TextInput
            label="Sign-in name"
            description="What staff and partners type as the clinic on the sign-in page. It does not change."
            value={clinic.slug}
            readOnly
            variant="filled"
          />
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save clinic details
            </Button>
            {saved ? <Text role="status">Clinic details saved.</Text> : null}
          </Group>
        </Stack>
      </Fieldset>
    </form>
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
  const [ratingDay, setRatingDay] = useState<string | null>(String(settings.planRatingWeekday));
  const [ratingTime, setRatingTime] = useState(settings.planRatingTime);
  const [ratingErrors, setRatingErrors] = useState<{ day?: string; time?: string }>({});
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
              planRatingWeekday: Number(ratingDay),
              planRatingTime: ratingTime,
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
    const errors = {
      day: ratingDay ? undefined : 'Choose a day.',
      time: CLOCK_TIME.test(ratingTime) ? undefined : 'Enter a time like 18:00.',
    };
    setRatingErrors(errors);
    if (!errors.day && !errors.time) save.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
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
          <Group grow align="flex-start">
            <Select
              label="Repair plan rating reminder on"
              description="Once a week, in each partner’s own zone."
              data={WEEKDAYS}
              value={ratingDay}
              onChange={setRatingDay}
              allowDeselect={false}
              error={ratingErrors.day ?? problem?.forField('planRatingWeekday')}
            />
            <TextInput
              type="time"
              label="Repair plan rating reminder at"
              description="Their local time."
              value={ratingTime}
              onChange={(e) => setRatingTime(e.currentTarget.value)}
              error={ratingErrors.time ?? problem?.forField('planRatingTime')}
            />
          </Group>
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

/** Idle sign-out and the second sign-in step required of staff: one form, one recent-sign-in check. */
function SignInSecurity({ settings }: { settings: Schemas['ClinicSecuritySettingsResponse'] }) {
  const client = useQueryClient();
  const [minutes, setMinutes] = useState<number | string>(settings.idleTimeoutMinutes);
  const [isMfaRequired, setMfaRequired] = useState(settings.requireMfaForStaff);
  const [minutesError, setMinutesError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: { idleTimeoutMinutes: number; requireMfaForStaff: boolean }) =>
      withReauth(() => unwrap(api.PATCH('/v1/clinic/security-settings', { body }))),
    onSuccess: (data) => {
      client.setQueryData(['clinic', 'security-settings'], data);
      setSaved(true);
    },
  });
  const problem = save.error ? problemOf(save.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const value = Number(minutes);
    const isValid = minutes !== '' && Number.isInteger(value) && value >= IDLE.min && value <= IDLE.max;
    setMinutesError(isValid ? undefined : `Enter whole minutes from ${IDLE.min} to ${IDLE.max}.`);
    if (isValid) save.mutate({ idleTimeoutMinutes: value, requireMfaForStaff: isMfaRequired });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Fieldset legend="Sign-in and security">
        <Stack gap="sm">
          <NumberInput
            label="Sign out after this many idle minutes"
            description="Everyone of the clinic is warned a minute before."
            min={IDLE.min}
            max={IDLE.max}
            allowDecimal={false}
            // Say what is wrong rather than quietly changing 3 into 5 on blur.
            clampBehavior="none"
            value={minutes}
            onChange={setMinutes}
            error={minutesError ?? problem?.forField('idleTimeoutMinutes')}
          />
          <Switch
            label="Require a second sign-in step (an authenticator app) of admins and therapists"
            description="Staff without one set it up at their next sign-in. Partners are not asked."
            checked={isMfaRequired}
            onChange={(e) => setMfaRequired(e.currentTarget.checked)}
          />
          <Text size="sm">
            Set up your own under{' '}
            <Anchor component={Link} to="/security" underline="always">
              Security
            </Anchor>
            .
          </Text>
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save sign-in settings
            </Button>
            {saved ? <Text role="status">Sign-in settings saved.</Text> : null}
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}
