import { ACCESS } from './access-rules.js';
import type { TestApp } from './test-app.js';

/** One surface a partner reached in a sweep, with what it answered. */
export interface SweptSurface {
  path: string;
  status: number;
  text: string;
}

/**
 * Every GET a client-role token may call, from the ACCESS table (so a new client route is swept
 * without touching the suites): `{id}` of a couple route is the partner's own couple; routes
 * naming another kind of id (a notification, a feed) are reached through their lists instead.
 */
export function clientGetPaths(coupleId: string): string[] {
  return Object.entries(ACCESS)
    .filter(([route, rule]) => route.startsWith('GET ') && Array.isArray(rule) && rule.includes('client'))
    .map(([route]) => route.slice('GET '.length))
    .filter((path) => !path.includes('{') || /^\/v1\/couples\/\{id\}(\/[^{}]*)?$/.test(path))
    .map((path) => path.replace('{id}', coupleId));
}

/**
 * What a partner can read, everywhere they can read it: every client GET of the API (each must
 * answer 200, so the sweep is never empty by accident), plus extra surfaces the caller adds (the
 * check-in page, a calendar feed URL) as already-fetched texts.
 */
export async function sweepAsPartner(
  t: TestApp,
  token: string,
  coupleId: string,
  extra: SweptSurface[] = [],
): Promise<SweptSurface[]> {
  const out: SweptSurface[] = [];
  for (const path of clientGetPaths(coupleId)) {
    const res = await t.http().get(path).auth(token, { type: 'bearer' });
    out.push({ path, status: res.status, text: res.text });
  }
  return [...out, ...extra];
}

/** The surfaces whose text contains `marker` (the paths only: a failing assertion shows where it leaked). */
export function surfacesWith(surfaces: SweptSurface[], marker: string): string[] {
  return surfaces.filter((s) => s.text.includes(marker)).map((s) => s.path);
}
