import { Button, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { api, problemOf, unwrap } from '../api/client';
import { useAuth } from '../auth/AuthProvider';
import { MfaStep } from '../auth/MfaStep';
import type { MfaChallenge } from '../auth/session';
import { FormError } from '../components/FormError';
import { NewPassword, PASSWORD_MIN } from '../components/NewPassword';
import { PublicLayout } from '../components/PublicLayout';

const ROLE: Record<string, string> = { admin: 'clinic admin', therapist: 'therapist', client: 'partner' };

export function InvitationPage() {
  const { token = '' } = useParams();
  const { adopt } = useAuth();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => unwrap(api.GET('/v1/invitations/{token}', { params: { path: { token } } })),
  });

  if (preview.isPending) {
    return (
      <PublicLayout title="Your invitation">
        <Stack role="status" aria-label="Loading the invitation">
          <Skeleton h={20} />
          <Skeleton h={20} w="70%" />
          <Skeleton h={36} />
        </Stack>
      </PublicLayout>
    );
  }
  if (preview.isError) {
    const problem = problemOf(preview.error);
    return (
      <PublicLayout title="This invitation link does not work">
        <Text>
          {problem.status === 404
            ? 'The link may be incomplete or mistyped. Open it again from the email, or ask the person who invited you to send a new invitation.'
            : problem.plain}
        </Text>
      </PublicLayout>
    );
  }

  if (challenge) {
    return (
      <PublicLayout title="Set up your authenticator app">
        <MfaStep
          challenge={challenge}
          onSignedIn={() => navigate('/', { replace: true })}
          // The password is set; an expired step continues at the sign-in page.
          onRestart={() => navigate('/sign-in', { replace: true })}
        />
      </PublicLayout>
    );
  }

  const invitation = preview.data;
  const inviter = (invitation as { inviterName?: string | null }).inviterName;
  if (invitation.status !== 'open') {
    const title = invitation.status === 'accepted' ? 'This invitation was already used' : 'This invitation has expired';
    return (
      <PublicLayout title={title}>
        <Text>
          {invitation.status === 'accepted'
            ? `The account for ${invitation.email} at ${invitation.clinicName} is already set up. Sign in with its password, or reset the password if you have forgotten it.`
            : `Invitation links stop working after a while or when a newer one is sent. Ask ${inviter ?? invitation.clinicName} to send you a new invitation.`}
        </Text>
        {invitation.status === 'accepted' ? (
          <Button component={Link} to="/sign-in">
            Go to sign-in
          </Button>
        ) : null}
      </PublicLayout>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password.length < PASSWORD_MIN) {
      setFieldError(`Use at least ${PASSWORD_MIN} characters.`);
      return;
    }
    setFieldError(undefined);
    setError(null);
    setBusy(true);
    try {
      const answer: object = await unwrap(
        api.POST('/v1/auth/cookie/invitations/{token}/accept', { params: { path: { token } }, body: { password } }),
      );
      const result = await adopt(answer);
      if ('challenge' in result) {
        // The clinic requires a second factor of staff: set it up before the first sign-in.
        setChallenge(result.challenge);
        setBusy(false);
        return;
      }
      navigate('/', { replace: true });
    } catch (caught) {
      const problem = problemOf(caught);
      setFieldError(problem.forField('password'));
      setError(problem.forField('password') ? null : problem.plain);
      setBusy(false);
    }
  };

  return (
    <PublicLayout title={`Join ${invitation.clinicName}`}>
      <Text>
        {inviter ? `${inviter} invited you` : 'You are invited'} to {invitation.clinicName} as a{' '}
        {ROLE[invitation.role] ?? invitation.role}. Hello, {invitation.name}: choose a password to finish setting up
        your account ({invitation.email}).
      </Text>
      <FormError message={error} />
      <form onSubmit={submit} noValidate>
        <Stack>
          <input type="email" name="email" autoComplete="username" value={invitation.email} readOnly hidden />
          <NewPassword
            value={password}
            onChange={setPassword}
            error={fieldError}
            userInputs={[invitation.email, invitation.name, invitation.clinicName]}
          />
          <Button type="submit" loading={isBusy}>
            Set password and continue
          </Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
