import cookie from '@fastify/cookie';
import view from '@fastify/view';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { checkInEta } from '@mend/check-in-page';

/** The reply/instance decorator @fastify/view adds for the check-in page (not `view`: Bull Board registers its own). */
export const CHECK_IN_VIEW = 'checkInView';

/**
 * What the client check-in page needs from Fastify: cookies (its session) and a template engine
 * (Eta, through @fastify/view). Both are registered on the root instance because Nest's routes
 * live there; urlencoded form bodies are already parsed by Nest's Fastify adapter.
 */
export async function registerCheckInPagePlugins(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(cookie);
  await fastify.register(view, { engine: { eta: checkInEta }, propertyName: CHECK_IN_VIEW, production: true });
}
