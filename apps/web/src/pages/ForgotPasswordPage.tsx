import { Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { problemOf, rawPost } from '../api/client';
import { FormError } from '../components/FormError';
import { PublicLayout } from '../components/PublicLayout';

export function ForgotPasswordPage() {
  const [form, setForm] = useState({ clinic: '', email: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<string | null>(null);
  const [isSent, setSent] = useState(false);
  const [isBusy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = {
      clinic: form.clinic.trim() ? undefined : 'Enter your clinic’s sign-in name.',
      email: form.email.trim() ? undefined : 'Enter your email address.',
    };
    setFieldErrors(missing);
    if (missing.clinic || missing.email) return;
    setBusy(true);
    setError(null);
    try {
      await rawPost('/v1/auth/password/forgot', { clinic: form.clinic.trim().toLowerCase(), email: form.email.trim() });
      setSent(true);
    } catch (caught) {
      const problem = problemOf(caught);
      setFieldErrors({ clinic: problem.forField('clinic'), email: problem.forField('email') });
      setError(problem.errors.length ? null : problem.plain);
    } finally {
      setBusy(false);
    }
  };

  if (isSent) {
    return (
      <PublicLayout title="Check your email">
        <Text role="status">
          If {form.email} has an account at that clinic, an email with a link to choose a new password is on its way.
          The link works once, for one hour.
        </Text>
        <Anchor component={Link} to="/sign-in">
          Back to sign-in
        </Anchor>
      </PublicLayout>
    );
  }

  return (
    <PublicLayout title="Reset your password">
      <Text>Enter your clinic and email. We will send you a link to choose a new password.</Text>
      <FormError message={error} />
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Clinic"
            description="The short name your clinic signs in with."
            name="clinic"
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            value={form.clinic}
            onChange={(e) => setForm({ ...form, clinic: e.currentTarget.value })}
            error={fieldErrors.clinic}
            required
          />
          <TextInput
            label="Email"
            type="email"
            name="email"
            autoComplete="username"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
            error={fieldErrors.email}
            required
          />
          <Button type="submit" loading={isBusy}>
            Send the link
          </Button>
          <Anchor component={Link} to="/sign-in" ta="center">
            Back to sign-in
          </Anchor>
        </Stack>
      </form>
    </PublicLayout>
  );
}
