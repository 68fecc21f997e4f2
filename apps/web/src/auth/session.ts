import { api, ApiProblem, setAccessToken, unwrap, type Schemas } from '../api/client';

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

export async function login(body: { clinic: string; email: string; password: string }): Promise<AuthSession> {
  const answer: object = await unwrap(api.POST('/v1/auth/cookie/login', { body }));
  // An account with a second sign-in step answers a challenge instead of tokens; until the web
  // app offers that step, say so in plain words rather than failing on a missing token.
  if ('mfaRequired' in answer) {
    throw new ApiProblem(
      403,
      'Two-step sign-in',
      'This account signs in with a second step the web app does not offer yet. Ask your clinic’s admin for help',
    );
  }
  return adopt(answer as Tokens);
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
