import { DomainException } from '@mend/core';

/**
 * The problem types of the second factor (`https://mend.dev/problems/<type>`), so a client tells
 * them apart by type rather than by the wording of `detail`, which may change:
 * - `mfa-code-required`: the user has a second factor and gave no code (400);
 * - `mfa-code-invalid`: the code is not a current authenticator code or an unused recovery code
 *   (401 at the sign-in step, 400 elsewhere);
 * - `mfa-step-ended`: the sign-in step expired, was completed, or closed after five wrong codes;
 *   sign in with the password again (401);
 * - `mfa-locked-out`: too many wrong codes from this source; wait for Retry-After (429).
 */
export const MFA_PROBLEM = {
  codeRequired: 'mfa-code-required',
  codeInvalid: 'mfa-code-invalid',
  stepEnded: 'mfa-step-ended',
  lockedOut: 'mfa-locked-out',
} as const;

/** The same refusal (status, detail, Retry-After) with the lockout's own type, for a rate limit hit at a code step. */
export function asMfaLockout(error: unknown): unknown {
  return error instanceof DomainException && error.code === 'rate_limited'
    ? new DomainException(error.code, error.message, { ...error.details, type: MFA_PROBLEM.lockedOut })
    : error;
}
