import { Anchor, Button, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';

import { problemOf, rawPost } from '../api/client';
import { FormError } from '../components/FormError';
import { NewPassword, PASSWORD_MIN } from '../components/NewPassword';
import { PublicLayout } from '../components/PublicLayout';

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const { token: pathToken } = useParams();
  const token = params.get('token') ?? pathToken ?? '';
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [isGone, setGone] = useState(!token);
  const [isBusy, setBusy] = useState(false);

  if (isGone) {
    return (
      <PublicLayout title="This reset link does not work">
        <Text>
          Reset links work once, for one hour. Ask for a new one and use the newest email; any older link stops working.
        </Text>
        <Anchor component={Link} to="/forgot-password">
          Ask for a new link
        </Anchor>
      </PublicLayout>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password.length < PASSWORD_MIN) {
      setFieldError(`Use at least ${PASSWORD_MIN} characters.`);
      return;
    }
    setBusy(true);
    setFieldError(undefined);
    setError(null);
    try {
      await rawPost('/v1/auth/password/reset', { token, password });
      navigate('/sign-in?reason=reset', { replace: true });
    } catch (caught) {
      const problem = problemOf(caught);
      if (problem.status === 410 || problem.status === 404) setGone(true);
      setFieldError(problem.forField('password'));
      setError(problem.forField('password') ? null : problem.plain);
      setBusy(false);
    }
  };

  return (
    <PublicLayout title="Choose a new password">
      <Text>After this, every device signed in to your account is signed out.</Text>
      <FormError message={error} />
      <form onSubmit={submit} noValidate>
        <Stack>
          <NewPassword value={password} onChange={setPassword} error={fieldError} />
          <Button type="submit" loading={isBusy}>
            Save the new password
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
