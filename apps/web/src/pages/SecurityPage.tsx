import { Badge, Button, Fieldset, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, PROBLEM, problemOf, unwrap, type Schemas } from '../api/client';
import { readCode } from '../auth/codes';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { RecoveryCodes } from '../components/RecoveryCodes';
import { TotpSetup } from '../components/TotpSetup';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate } from '../format';

type Status = Schemas['MfaStatusResponse'];
const STATUS_KEY = ['me', 'mfa'];

/**
 * A staff member's own sign-in security: set up an authenticator app (TOTP) as a second step,
 * new recovery codes, or remove it again (with the password or a code). Recovery codes are shown
 * once, when they are made.
 */
export default function SecurityPage() {
  useDocumentTitle('Security');
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: () => unwrap(api.GET('/v1/me/mfa')) });
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  return (
    <Stack gap="lg" maw={640}>
      <Stack gap={4}>
        <Title order={1}>Security</Title>
        <Text c="dimmed">
          A second sign-in step keeps your clients’ records safe even if someone learns your password.
        </Text>
      </Stack>
      {recoveryCodes ? (
        <RecoveryCodes codes={recoveryCodes}>
          <Button variant="default" w="fit-content" onClick={() => setRecoveryCodes(null)}>
            I have saved them
          </Button>
        </RecoveryCodes>
      ) : null}
      <QueryState query={status} label="your sign-in security">
        {(data) =>
          data.enabled ? (
            <Enabled status={data} onNewCodes={setRecoveryCodes} />
          ) : (
            <Enrol status={data} onEnrolled={setRecoveryCodes} />
          )
        }
      </QueryState>
    </Stack>
  );
}

function Enrol({ status, onEnrolled }: { status: Status; onEnrolled: (codes: string[]) => void }) {
  const client = useQueryClient();
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>();
  const start = useMutation({ mutationFn: () => unwrap(api.POST('/v1/me/mfa/totp')) });
  const confirm = useMutation({
    mutationFn: (value: string) => unwrap(api.POST('/v1/me/mfa/totp/confirm', { body: { code: value } })),
    onSuccess: (answer) => {
      onEnrolled(answer.recoveryCodes);
      void client.invalidateQueries({ queryKey: STATUS_KEY });
    },
    onError: (error) => {
      if (problemOf(error).type === PROBLEM.mfaCodeInvalid)
        setCodeError('That code did not work. Enter the code your app shows now (it changes every 30 seconds).');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const read = readCode(code, { allowRecovery: false });
    setCodeError(read.error);
    if (read.code) confirm.mutate(read.code);
  };
  const confirmProblem = confirm.error ? problemOf(confirm.error) : null;
  return (
    <Fieldset legend="Two-step sign-in">
      <Stack gap="sm">
        <Group gap="xs">
          <Badge variant="light" color="gray">
            Off
          </Badge>
          {status.required ? (
            <Text size="sm">Your clinic requires it: you will set it up at your next sign-in.</Text>
          ) : null}
        </Group>
        {start.data ? (
          <form onSubmit={submit} noValidate>
            <Stack gap="sm">
              <TotpSetup otpauthUri={start.data.otpauthUri} secret={start.data.secret} />
              <TextInput
                label="Code from the app"
                name="code"
                autoComplete="one-time-code"
                inputMode="numeric"
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                error={codeError}
                required
              />
              <FormError
                message={confirmProblem && confirmProblem.type !== PROBLEM.mfaCodeInvalid ? confirmProblem.plain : null}
              />
              <Group>
                <Button type="submit" loading={confirm.isPending}>
                  Turn on two-step sign-in
                </Button>
              </Group>
            </Stack>
          </form>
        ) : (
          <>
            <Text size="sm">
              After your password, Mend will ask for a 6-digit code from an authenticator app on your phone.
            </Text>
            <FormError message={start.error ? problemOf(start.error).plain : null} />
            <Group>
              <Button onClick={() => start.mutate()} loading={start.isPending}>
                Set up an authenticator app
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Fieldset>
  );
}

function Enabled({ status, onNewCodes }: { status: Status; onNewCodes: (codes: string[]) => void }) {
  return (
    <Stack gap="lg">
      <Fieldset legend="Two-step sign-in">
        <Stack gap="xs">
          <Group gap="xs">
            <Badge variant="light" color="green">
              On
            </Badge>
            {status.enabledAt ? <Text size="sm">since {formatDate(status.enabledAt)}</Text> : null}
          </Group>
          <Text size="sm">
            {status.recoveryCodesLeft} of 10 recovery codes left.
            {status.recoveryCodesLeft <= 3 ? ' Make new ones soon.' : ''}
          </Text>
        </Stack>
      </Fieldset>
      <NewRecoveryCodes onNewCodes={onNewCodes} />
      <Remove isRequired={status.required} />
    </Stack>
  );
}

function NewRecoveryCodes({ onNewCodes }: { onNewCodes: (codes: string[]) => void }) {
  const client = useQueryClient();
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>();
  const make = useMutation({
    mutationFn: (value: string) => unwrap(api.POST('/v1/me/mfa/recovery-codes', { body: { code: value } })),
    onSuccess: (answer) => {
      setCode('');
      onNewCodes(answer.recoveryCodes);
      void client.invalidateQueries({ queryKey: STATUS_KEY });
    },
    onError: (error) => {
      if (problemOf(error).type === PROBLEM.mfaCodeInvalid)
        setCodeError('That code did not work. Enter the code your app shows now.');
    },
  });
  const problem = make.error ? problemOf(make.error) : null;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const read = readCode(code, { allowRecovery: false });
        setCodeError(read.error);
        if (read.code) make.mutate(read.code);
      }}
      noValidate
    >
      <Fieldset legend="New recovery codes">
        <Stack gap="sm">
          <Text size="sm">Your old recovery codes stop working when you make new ones.</Text>
          <TextInput
            label="Code from your app"
            autoComplete="one-time-code"
            inputMode="numeric"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={codeError}
          />
          <FormError message={problem && problem.type !== PROBLEM.mfaCodeInvalid ? problem.plain : null} />
          <Group>
            <Button type="submit" variant="default" loading={make.isPending}>
              Make new recovery codes
            </Button>
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}

function Remove({ isRequired }: { isRequired: boolean }) {
  const client = useQueryClient();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const remove = useMutation({
    mutationFn: (body: { password?: string; code?: string }) => unwrap(api.POST('/v1/me/mfa/remove', { body })),
    onSuccess: () => {
      setPassword('');
      setCode('');
      void client.invalidateQueries({ queryKey: STATUS_KEY });
    },
    onError: (error) => {
      if (problemOf(error).status === 400) setFieldError('That password or code is not right.');
    },
  });
  const problem = remove.error ? problemOf(remove.error) : null;
  if (isRequired) {
    return (
      <Fieldset legend="Remove two-step sign-in">
        <Text size="sm">Your clinic requires a second step for staff, so it cannot be removed.</Text>
      </Fieldset>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!password && !code.trim()) {
      setFieldError('Enter your password, or a code from your app or a recovery code.');
      return;
    }
    const read = code.trim() ? readCode(code, { allowRecovery: true }) : null;
    setFieldError(read?.error);
    if (read?.error) return;
    remove.mutate({ ...(password ? { password } : {}), ...(read?.code ? { code: read.code } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Fieldset legend="Remove two-step sign-in">
        <Stack gap="sm">
          <Text size="sm">Signing in will take your password alone again. Confirm it is you with either:</Text>
          <PasswordInput
            label="Your password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError}
          />
          <TextInput
            label="Or a code from your app, or a recovery code"
            autoComplete="one-time-code"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
          />
          <FormError message={problem && problem.status !== 400 ? problem.plain : null} />
          <Group>
            <Button type="submit" variant="outline" color="red.9" loading={remove.isPending}>
              Remove two-step sign-in
            </Button>
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}
