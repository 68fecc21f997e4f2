import { SetMetadata } from '@nestjs/common';

import { DomainException, type UserPrincipal } from '@mend/core';

export const RECENT_AUTH = 'mend:recentAuth';

/**
 * A sensitive action (role change, disabling a user, API keys, webhook secrets, a couple's export
 * or erasure, the clinic's security settings): a signed-in user must have authenticated within
 * RECENT_AUTH_MAX_AGE_SECONDS (10 minutes by default) — at sign-in, or again at POST /v1/auth/reauth.
 * The proof is the access token's `auth_time` claim. API keys are not people and are not asked.
 */
export const RecentAuth = () => SetMetadata(RECENT_AUTH, true);

export const RECENT_AUTH_DESCRIPTION =
  'Sensitive action: a signed-in user must have authenticated recently (within 10 minutes by default, ' +
  'RECENT_AUTH_MAX_AGE_SECONDS). Signing in counts; later, call `POST /v1/auth/reauth` with the password ' +
  '(or a current code when a second factor is set up) and use the access token it answers. Otherwise 403 ' +
  'with `errors[0].field = "reauth"`. API keys are not subject to re-authentication.';

export function assertRecentAuth(principal: UserPrincipal, nowMs: number, maxAgeSeconds: number): void {
  const at = principal.authenticatedAtMs;
  if (at !== undefined && nowMs - at <= maxAgeSeconds * 1000 && at <= nowMs + 60_000) return;
  throw new DomainException(
    'forbidden',
    'This action needs a recent sign-in; re-authenticate at POST /v1/auth/reauth',
    {
      errors: [{ field: 'reauth', message: 'authenticate again (password or code) to continue' }],
    },
  );
}
