import { PasswordInput, Progress, Stack, Text } from '@mantine/core';

/** The API's rule (8–128 characters, compared in full). */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export interface Strength {
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  hint: string;
}

/**
 * A rough strength estimate: length counts most, then variety; repeated or sequential
 * characters and very common passwords count as weak. Only the API's rule is enforced.
 */
export function passwordStrength(password: string, userInputs: string[] = []): Strength {
  if (password.length === 0) return { score: 0, label: 'Empty', hint: `Use at least ${PASSWORD_MIN} characters.` };
  if (password.length < PASSWORD_MIN) {
    return { score: 0, label: 'Too short', hint: `${PASSWORD_MIN - password.length} more characters needed.` };
  }
  const lower = password.toLowerCase();
  const own = userInputs.flatMap((input) => input.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3);
  const isCommon = [...COMMON, ...own].some((word) => lower.includes(word)) || /^(.)\1+$/.test(password);
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  let score = password.length >= 16 ? 3 : password.length >= 12 ? 2 : 1;
  if (kinds >= 3) score += 1;
  if (isCommon) score = 1;
  const clamped = Math.min(4, score) as Strength['score'];
  const labels = ['Too short', 'Weak', 'Fair', 'Good', 'Strong'] as const;
  const hint = isCommon
    ? 'This contains a common password or your own name, email or clinic; choose something less guessable.'
    : clamped < 3
      ? 'Longer is stronger: a few unrelated words make a good password.'
      : 'Looks good.';
  return { score: clamped, label: labels[clamped], hint };
}

const COMMON = ['password', '12345678', 'qwerty', 'letmein', 'iloveyou', 'welcome', 'mend1234'];
const COLORS = ['red', 'red', 'orange', 'mend', 'green'] as const;

export function NewPassword({
  value,
  onChange,
  error,
  label = 'New password',
  userInputs = [],
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
  label?: string;
  /** The person's own words (email, name, clinic), which make a password guessable. */
  userInputs?: string[];
}) {
  const strength = passwordStrength(value, userInputs);
  return (
    <Stack gap={6}>
      <PasswordInput
        label={label}
        description={`At least ${PASSWORD_MIN} characters.`}
        name="new-password"
        autoComplete="new-password"
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        error={error}
        maxLength={PASSWORD_MAX}
        required
      />
      <Progress
        value={(strength.score / 4) * 100}
        color={COLORS[strength.score]}
        size="sm"
        aria-label={`Password strength: ${strength.label}`}
      />
      <Text size="sm" c="dimmed" aria-live="polite">
        Strength: {strength.label}. {strength.hint}
      </Text>
    </Stack>
  );
}
