import { api, setAccessToken, unwrap, type Schemas } from '../api/client';

/** What a sign-in answers (login, invitation acceptance, refresh). */
export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
}

/** A signed-in person: the tokens' lifetime and who they are (GET /v1/me). */
export interface AuthSession {
  expiresIn: number;
  user: Schemas['UserResponse'];
  clinic: Schemas['ClinicResponse'];
}

/**
 * Bearer mode: the refresh token is held in memory beside the access token (never in storage),
 * so a sign-in lasts while the tab is open; a reload asks to sign in again.
 */
let refreshToken: string | null = null;

/** Keeps the tokens in memory and reads who signed in. */
export async function adopt(tokens: Tokens): Promise<AuthSession> {
  setAccessToken(tokens.accessToken);
  refreshToken = tokens.refreshToken ?? null;
  const me = await unwrap(api.GET('/v1/me'));
  return { expiresIn: tokens.expiresIn, user: me.user, clinic: me.clinic };
}

export function forget(): void {
  setAccessToken(null);
  refreshToken = null;
}

export async function login(body: { clinic: string; email: string; password: string }): Promise<AuthSession> {
  const tokens = (await unwrap(api.POST('/v1/auth/login', { body }))) as unknown as Tokens;
  return adopt(tokens);
}

/** A fresh access token before the current one expires; null when the sign-in has ended. */
export async function refresh(): Promise<AuthSession | null> {
  if (!refreshToken) return null;
  try {
    const tokens = (await unwrap(api.POST('/v1/auth/refresh', { body: { refreshToken } }))) as unknown as Tokens;
    return await adopt(tokens);
  } catch {
    forget();
    return null;
  }
}

/** Restores a sign-in after a reload, when the API keeps one for this browser. */
export async function restore(): Promise<AuthSession | null> {
  return null;
}

export async function logout(): Promise<void> {
  try {
    await api.POST('/v1/auth/logout');
  } finally {
    forget();
  }
}
