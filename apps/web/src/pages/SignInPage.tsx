import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';

import { problemOf } from '../api/client';
import { useAuth } from '../auth/AuthProvider';
import { MfaStep } from '../auth/MfaStep';
import { safeNext } from '../auth/next';
import type { MfaChallenge } from '../auth/session';
import { FormError } from '../components/FormError';
import { PublicLayout } from '../components/PublicLayout';

const REASONS: Record<string, string> = {
  idle: 'You were signed out after a period without activity. Sign in again to continue.',
  expired: 'Your sign-in has ended. Sign in again to continue.',
  reset: 'Your password was changed. Sign in with the new one.',
};

export function SignInPage() {
  const { state, signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const reason = REASONS[params.get('reason') ?? ''];
  const [form, setForm] = useState({ clinic: params.get('clinic') ?? '', email: '', password: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [restartReason, setRestartReason] = useState<string | null>(null);

  // While the second step shows recovery codes the person is signed in but not done reading.
  if (state.status === 'signed-in' && !isBusy && !challenge) return <Navigate to={next} replace />;

  if (challenge) {
    return (
      <PublicLayout title={challenge.enrolment ? 'Set up your authenticator app' : 'Two-step sign-in'}>
        <MfaStep
          challenge={challenge}
          onSignedIn={() => navigate(next, { replace: true })}
          onRestart={(why) => {
            setChallenge(null);
            setRestartReason(why || null);
            setForm((current) => ({ ...current, password: '' }));
          }}
        />
      </PublicLayout>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = {
      clinic: form.clinic.trim() ? undefined : 'Enter your clinic’s sign-in name.',
      email: form.email.trim() ? undefined : 'Enter your email address.',
      password: form.password ? undefined : 'Enter your password.',
    };
    setFieldErrors(missing);
    if (missing.clinic || missing.email || missing.password) return;
    setBusy(true);
    setError(null);
    setRestartReason(null);
    try {
      const result = await signIn({
        clinic: form.clinic.trim().toLowerCase(),
        email: form.email.trim(),
        password: form.password,
      });
      if ('challenge' in result) {
        setChallenge(result.challenge);
        setBusy(false);
        return;
      }
      navigate(next, { replace: true });
    } catch (caught) {
      const problem = problemOf(caught);
      setFieldErrors({
        clinic: problem.forField('clinic'),
        email: problem.forField('email'),
        password: problem.forField('password'),
      });
      setError(
        problem.status === 401
          ? 'The clinic, email or password is not right. Check them and try again.'
          : problem.errors.length
            ? null
            : problem.plain,
      );
      setBusy(false);
    }
  };

  const set = (key: keyof typeof form) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setForm((current) => ({ ...current, [key]: value }));
  };

  return (
    <PublicLayout title="Sign in">
      {reason && !error && !restartReason && (
        <Text role="status" c="dimmed">
          {reason}
        </Text>
      )}
      {restartReason && !error ? <Text role="status">{restartReason}</Text> : null}
      <FormError message={error} />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Clinic"
            description="The short name your clinic signs in with, such as “harbor”."
            name="clinic"
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            value={form.clinic}
            onChange={set('clinic')}
            error={fieldErrors.clinic}
            required
          />
          <TextInput
            label="Email"
            type="email"
            name="email"
            autoComplete="username"
            value={form.email}
            onChange={set('email')}
            error={fieldErrors.email}
            required
          />
          <PasswordInput
            label="Password"
            name="password"
            autoComplete="current-password"
            value={form.password}
            onChange={set('password')}
            error={fieldErrors.password}
            required
          />
          <Button type="submit" loading={isBusy} fullWidth>
            Sign in
          </Button>
          <Anchor component={Link} to="/forgot-password" ta="center">
            Forgot your password?
          </Anchor>
        </Stack>
      </form>
    </PublicLayout>
  );
}
