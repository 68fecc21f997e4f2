import { api, setAccessToken, unwrap, type Schemas } from '../api/client';

/** What a sign-in answers in cookie mode (login, invitation acceptance, refresh): no refresh token. */
export interface Tokens {
  accessToken: string;
  expiresIn: number;
}

/** A signed-in person: the tokens' lifetime and who they are (GET /v1/me). */
export interface AuthSession {
  expiresIn: number;
  user: Schemas['UserResponse'];
  clinic: Schemas['ClinicResponse'];
}

/**
 * Cookie mode of the auth API: the refresh token lives in the httpOnly, SameSite=Strict
 * `mend_refresh` cookie that only /v1/auth receives, so no script on the page can read it; the
 * access token lives in memory (api/client.ts) and nothing goes to storage. A reload restores the
 * sign-in by refreshing from the cookie. Refresh and logout carry the CSRF proof the API asks for.
 */
const CSRF = { 'X-Mend-CSRF': '1' } as const;

/** Keeps the access token in memory and reads who signed in. */
export async function adopt(tokens: Tokens): Promise<AuthSession> {
  setAccessToken(tokens.accessToken);
  const me = await unwrap(api.GET('/v1/me'));
  return { expiresIn: tokens.expiresIn, user: me.user, clinic: me.clinic };
}

export function forget(): void {
  setAccessToken(null);
}

/**
 * The password step's answer when a second step must follow: an mfaToken (single use, 5 minutes,
 * at most 5 wrong codes) and, for staff of a clinic that requires a second factor who have none
 * yet, the authenticator secret to set up first.
 */
export type MfaChallenge = Schemas['MfaChallengeResponse'];

/** Signed in, or a second step to take. */
export type SignInResult = { session: AuthSession } | { challenge: MfaChallenge };

/** The password step, or an invitation's acceptance: tokens, or a challenge when a code must follow. */
export async function signedInOrChallenge(answer: object): Promise<SignInResult> {
  if ('mfaRequired' in answer) return { challenge: answer as MfaChallenge };
  return { session: await adopt(answer as Tokens) };
}

export async function login(body: { clinic: string; email: string; password: string }): Promise<SignInResult> {
  return signedInOrChallenge(await unwrap(api.POST('/v1/auth/cookie/login', { body })));
}

/**
 * The second step: the challenge's token and a code (the authenticator's six digits, or an unused
 * recovery code). After a forced enrolment the answer also carries the ten recovery codes, shown once.
 */
export async function completeMfa(body: {
  mfaToken: string;
  code: string;
}): Promise<{ session: AuthSession; recoveryCodes?: string[] }> {
  const answer = await unwrap(api.POST('/v1/auth/cookie/login/mfa', { body }));
  return { session: await adopt(answer as Tokens), recoveryCodes: answer.recoveryCodes };
}

/** A fresh access token from the cookie; null when there is no sign-in to continue. */
export async function refresh(): Promise<AuthSession | null> {
  try {
    const tokens = (await unwrap(api.POST('/v1/auth/cookie/refresh', { params: { header: CSRF } }))) as unknown as
      Tokens | undefined;
    // 204: this browser holds no sign-in.
    if (!tokens?.accessToken) {
      forget();
      return null;
    }
    return await adopt(tokens);
  } catch {
    forget();
    return null;
  }
}

/** Restores a sign-in after a reload from the httpOnly cookie, when the browser holds one. */
export function restore(): Promise<AuthSession | null> {
  return refresh();
}

export async function logout(): Promise<void> {
  try {
    await api.POST('/v1/auth/cookie/logout', { params: { header: CSRF } });
  } finally {
    forget();
  }
}
