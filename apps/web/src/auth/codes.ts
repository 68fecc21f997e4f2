/**
 * What a person types as a second-factor code: the six digits an authenticator app shows (spaces
 * allowed, as some apps group them), or a recovery code like `k7pq2-xv9mt` (case, spaces and the
 * dash do not matter; the API reads it the same way). Checked before sending, so a typo costs none
 * of the five tries a sign-in step allows.
 */
export function readCode(
  input: string,
  options: { allowRecovery: boolean },
): { code: string; error?: undefined } | { code?: undefined; error: string } {
  const trimmed = input.trim();
  if (!trimmed)
    return {
      error: options.allowRecovery
        ? 'Enter the code from your app, or a recovery code.'
        : 'Enter the code from your app.',
    };
  if (/^[\d\s]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\s/g, '');
    return digits.length === 6 ? { code: digits } : { error: 'The code from your app has 6 digits.' };
  }
  const compact = trimmed.toLowerCase().replace(/[\s-]/g, '');
  if (options.allowRecovery && /^[a-z0-9]{10}$/.test(compact)) return { code: trimmed };
  return {
    error: options.allowRecovery
      ? 'Enter the 6 digits from your app, or a recovery code like k7pq2-xv9mt.'
      : 'Enter the 6 digits from your app.',
  };
}
