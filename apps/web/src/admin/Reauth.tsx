import { Button, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';

import { problemOf, rawPost, setAccessToken } from '../api/client';

/**
 * Sensitive admin actions (role changes, disabling users, API keys, webhook secrets, a couple's
 * export or erasure, security settings) need a recent sign-in: the API answers 403 with
 * `errors[0].field = "reauth"`. Then the admin confirms their password (or a code, with a second
 * factor) in this dialog, the API answers a fresh access token, and the action runs again once.
 */
let ask: (() => Promise<boolean>) | null = null;

export async function withReauth<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const problem = problemOf(error);
    const isReauth = problem.status === 403 && problem.errors.some((e) => e.field === 'reauth');
    if (!isReauth || !ask || !(await ask())) throw error;
    return action();
  }
}

export function ReauthDialog() {
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  useEffect(() => {
    ask = () => new Promise<boolean>((resolve) => setPending(() => resolve));
    return () => {
      ask = null;
    };
  }, []);

  const close = (ok: boolean) => {
    pending?.(ok);
    setPending(null);
    setPassword('');
    setCode('');
    setError(null);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await rawPost<{ accessToken: string }>('/v1/auth/reauth', {
        ...(password ? { password } : {}),
        ...(code.trim() ? { code: code.trim() } : {}),
      });
      setAccessToken(answer.accessToken);
      close(true);
    } catch (caught) {
      setError(problemOf(caught).plain);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      closeButtonProps={{ 'aria-label': 'Close' }}
      opened={pending !== null}
      onClose={() => close(false)}
      title="Confirm it is you"
    >
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Text size="sm">This change needs a recent sign-in. Enter your password to continue.</Text>
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={error ?? undefined}
            data-autofocus
          />
          <TextInput
            label="Authenticator code (if you set one up)"
            autoComplete="one-time-code"
            inputMode="numeric"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => close(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={isBusy}>
              Continue
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
