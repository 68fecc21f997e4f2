import { createHash, timingSafeEqual } from 'node:crypto';

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

import type { AppConfig } from '@mend/config';
import { ALL_QUEUES, QueueConnections } from '@mend/queue';

import { problemType } from '../http/problem.filter.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

type BoardQueue = ConstructorParameters<typeof BullMQAdapter>[0];

/**
 * The app's CSP with one change: the board's page sets <base href> to resolve its scripts and API
 * calls, which the API's `base-uri 'none'` forbids.
 */
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const AUTHORIZATION = /^(Bearer|Basic)[ \t]+([^\s]+)[ \t]*$/i;

/**
 * The secret an Authorization header presents: a bearer token, or the password of HTTP Basic
 * (any user name) so a browser can open the board — its page, scripts and API calls all carry it.
 */
export function presentedOperatorToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : AUTHORIZATION.exec(header);
  if (!match) return undefined;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
export function isOperatorToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Bull Board at /admin/queues, for the platform operator only: it shows every clinic's jobs, so
 * it is mounted only when OPERATOR_TOKEN is set and answers 401 to anything but that token —
 * clinic admins' access tokens included. It lives outside Nest's router (and so outside the
 * OpenAPI document and the access guard); the check is this scope's own onRequest hook.
 *
 * Read-only: jobs are announced through the outbox and PostgreSQL is the record, so the board is
 * for looking; retrying or removing jobs by hand would bypass both.
 */
export async function mountQueueBoard(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const token = config.operatorToken;
  if (!token) return;
  const connections = app.get(QueueConnections);
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    // Bull Board's typings only know Redis-backed queues; at run time it asks a BullMQ 6 queue for
    // its backend, so queues on the PostgreSQL backend work as well.
    queues: ALL_QUEUES.map(
      (name) => new BullMQAdapter(connections.queue(name) as unknown as BoardQueue, { readOnlyMode: true }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Mend queues' } },
  });

  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (isOperatorToken(presentedOperatorToken(request.headers.authorization), token)) return;
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Basic realm="mend-operator", charset="UTF-8"')
        .header('Cache-Control', 'no-store')
        .type('application/problem+json; charset=utf-8')
        .send({
          type: problemType(401),
          title: 'Unauthorized',
          status: 401,
          detail: 'The operator token is required',
          requestId: String(request.id),
        });
    });
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('Cache-Control', 'no-store');
      void reply.header('Content-Security-Policy', BOARD_CSP);
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
