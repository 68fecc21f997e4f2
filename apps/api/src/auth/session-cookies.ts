import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainException } from '@mend/core';

/**
 * Cookie mode of the auth API, for the web app: the refresh token lives in an httpOnly, Secure,
 * SameSite=Strict cookie that only the auth routes receive, so page script never sees it; the
 * access token stays in the page's memory. Bearer mode (the refresh token in the body) stays for
 * integrators.
 *
 * CSRF: a cookie refresh must carry the custom header `X-Mend-CSRF: 1`. A cross-site page can
 * send neither it (a custom header needs a CORS preflight this API does not grant) nor the cookie
 * (SameSite=Strict). `Referer` is not consulted; `Sec-Fetch-Site: cross-site` and a foreign
 * `Origin` are refused as a further wall where browsers send them.
 */
export const REFRESH_COOKIE = 'mend_refresh';
export const AUTH_COOKIE_PATH = '/v1/auth';
export const CSRF_HEADER = 'x-mend-csrf';

type CookieReply = FastifyReply & {
  setCookie(name: string, value: string, options: object): FastifyReply;
  clearCookie(name: string, options: object): FastifyReply;
};
type CookieRequest = FastifyRequest & { cookies?: Record<string, string | undefined> };

const COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: 'strict', path: AUTH_COOKIE_PATH } as const;

export function setRefreshCookie(reply: FastifyReply, refreshToken: string, maxAgeSeconds: number): void {
  (reply as CookieReply).setCookie(REFRESH_COOKIE, refreshToken, { ...COOKIE_OPTIONS, maxAge: maxAgeSeconds });
}

export function clearRefreshCookie(reply: FastifyReply): void {
  (reply as CookieReply).clearCookie(REFRESH_COOKIE, COOKIE_OPTIONS);
}

export function refreshCookie(request: FastifyRequest): string | undefined {
  return (request as CookieRequest).cookies?.[REFRESH_COOKIE];
}

/** Refuses (403) a cookie refresh that does not prove it came from Mend's own page. */
export function assertCsrfProof(request: FastifyRequest, allowedOrigins: string[]): void {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const origin = header('origin');
  const isForeignOrigin = origin !== undefined && origin !== 'null' && !allowedOrigins.includes(origin);
  if (
    header(CSRF_HEADER) !== '1' ||
    header('sec-fetch-site') === 'cross-site' ||
    isForeignOrigin ||
    origin === 'null'
  ) {
    throw new DomainException('forbidden', 'A cookie refresh must come from the Mend web app (X-Mend-CSRF: 1)');
  }
}

/** In cookie mode the body never carries the refresh token. */
export function withoutRefreshToken<T extends { refreshToken: string }>(session: T): Omit<T, 'refreshToken'> {
  const { refreshToken: _omitted, ...rest } = session;
  void _omitted;
  return rest;
}
