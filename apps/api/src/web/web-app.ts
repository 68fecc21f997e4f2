import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';

/** Where `npm run build` writes the web app (apps/web, built by Vite). */
export const WEB_APP_DIR = resolve('dist/web');

/**
 * The web app's client routes (apps/web/src/router.tsx): each prefix and everything under it
 * answers index.html, so a reload or an emailed link opens the right page. Only these: an
 * unknown path (and everything under /v1, /docs, /health, /c, /check-in, /admin) keeps the API's
 * own 404.
 */
export const CLIENT_ROUTES = [
  '/sign-in',
  '/forgot-password',
  '/reset-password',
  '/invitations',
  '/couples',
  '/exercises',
  '/home',
  '/settings',
  '/clinic',
  '/security',
];

/**
 * Serves the built web app from the API's own origin, under the API's CSP (`script-src 'self'`:
 * the build has no inline script). Hashed assets are cached for a year; index.html never is, so
 * a deploy is picked up on the next navigation. Without a build (the API's own test suites) the
 * web app is simply not mounted.
 */
export async function mountWebApp(app: NestFastifyApplication, dir = WEB_APP_DIR): Promise<boolean> {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const fastify = app.getHttpAdapter().getInstance();

  await fastify.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
  });
  fastify.get('/favicon.svg', (_request, reply) =>
    reply
      .header('Cache-Control', 'public, max-age=86400')
      .type('image/svg+xml')
      .send(readFileSync(join(dir, 'favicon.svg'))),
  );

  // Read per request (a small, OS-cached file): a rebuilt dist/web is served without a restart.
  const sendIndex = (_request: unknown, reply: FastifyReply) =>
    reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(readFileSync(indexFile));
  fastify.get('/', sendIndex);
  for (const route of CLIENT_ROUTES) {
    fastify.get(route, sendIndex);
    fastify.get(`${route}/*`, sendIndex);
  }
  return true;
}
