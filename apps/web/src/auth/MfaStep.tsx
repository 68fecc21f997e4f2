import { Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';

import { PROBLEM, problemOf } from '../api/client';
import { FormError } from '../components/FormError';
import { RecoveryCodes } from '../components/RecoveryCodes';
import { TotpSetup } from '../components/TotpSetup';
import { useAuth } from './AuthProvider';
import { readCode } from './codes';
import type { MfaChallenge } from './session';

/** Wrong codes one sign-in step accepts before the password must be given again (the API's limit). */
const TRIES = 5;

/**
 * The second step of a sign-in: a code from the authenticator app or a recovery code. When the
 * clinic requires a second factor and the person has none yet (`challenge.enrolment`), they set
 * up the app first, and the code both finishes the set-up and signs them in; the ten recovery
 * codes are then shown once before going on.
 */
export function MfaStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: MfaChallenge;
  onSignedIn: () => void;
  /** The step cannot go on (expired, or too many wrong codes): back to the password, with why. */
  onRestart: (reason: string) => void;
}) {
  const { completeMfa } = useAuth();
  const isEnrolment = Boolean(challenge.enrolment);
  const [code, setCode] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [wrong, setWrong] = useState(0);
  const [isBusy, setBusy] = useState(false);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  if (recoveryCodes) {
    return (
      <Stack gap="md">
        <Text>Your authenticator app is set up. From now on, signing in asks for its code after your password.</Text>
        <RecoveryCodes codes={recoveryCodes} />
        <Button onClick={onSignedIn}>I have saved them, continue</Button>
      </Stack>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const read = readCode(code, { allowRecovery: !isEnrolment });
    setFieldError(read.error);
    if (read.error !== undefined) return;
    setBusy(true);
    setError(null);
    try {
      const done = await completeMfa({ mfaToken: challenge.mfaToken, code: read.code });
      if (done.recoveryCodes?.length) {
        setRecoveryCodes(done.recoveryCodes);
        setBusy(false);
      } else onSignedIn();
    } catch (caught) {
      setBusy(false);
      const problem = problemOf(caught);
      if (problem.type === PROBLEM.mfaStepEnded) {
        onRestart(
          wrong + 1 >= TRIES
            ? 'Too many wrong codes for one sign-in. Sign in again with your password to get new tries.'
            : 'This sign-in step has ended (it lasts 5 minutes). Sign in again with your password.',
        );
        return;
      }
      if (problem.type === PROBLEM.mfaCodeInvalid) {
        const left = TRIES - (wrong + 1);
        setWrong(wrong + 1);
        setFieldError(
          `That code did not work. Codes change every 30 seconds: enter the one your app shows now. ${
            left > 0 ? `${left} ${left === 1 ? 'try' : 'tries'} left.` : 'That was the last try.'
          }`,
        );
        if (left <= 0)
          onRestart('Too many wrong codes for one sign-in. Sign in again with your password to get new tries.');
        return;
      }
      if (problem.type === PROBLEM.mfaLockedOut) {
        setError(
          `Signing in to this account is paused after too many wrong codes, to keep it safe. ${problem.plain.replace(/^Too many attempts\.\s*/, '')}`.trim(),
        );
        return;
      }
      setError(problem.plain);
    }
  };

  return (
    <Stack gap="md">
      {isEnrolment ? (
        <>
          <Text>Your clinic asks staff to use an authenticator app as a second step. Set it up now to sign in.</Text>
          <TotpSetup otpauthUri={challenge.enrolment!.otpauthUri} secret={challenge.enrolment!.secret} />
        </>
      ) : (
        <Text>Enter the 6-digit code from your authenticator app. No phone? Enter one of your recovery codes.</Text>
      )}
      <FormError message={error} />
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="md">
          <TextInput
            label={isEnrolment ? 'Code from the app' : 'Code'}
            name="code"
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={fieldError}
            required
            autoFocus
          />
          <Button type="submit" loading={isBusy} fullWidth>
            {isEnrolment ? 'Finish set-up and sign in' : 'Verify and sign in'}
          </Button>
          <Anchor component="button" type="button" onClick={() => onRestart('')} ta="center">
            Start again with your password
          </Anchor>
        </Stack>
      </form>
    </Stack>
  );
}
