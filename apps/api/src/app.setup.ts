import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { VersioningType, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';

import { AuditService } from '@mend/audit';
import { RateLimitService } from '@mend/auth';
import type { AppConfig } from '@mend/config';

import { registerCheckInPagePlugins } from './check-in-page/check-in-page.setup.js';
import { recordRefusedAccess } from './http/access-denied.audit.js';
import { registerInputHygiene } from './http/input-hygiene.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { ProblemFilter, problemType } from './http/problem.filter.js';
import { registerJsonParser } from './http/raw-body.js';
import { createValidationPipe } from './http/validation.js';
import { mountQueueBoard } from './operator/queue-board.js';
import { mountWebApp } from './web/web-app.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Accepts a caller's request id if it is safe to log, otherwise makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

/** 200 characters × 4 UTF-8 bytes × 3 characters per percent-encoded byte. */
export const MAX_PATH_PARAM_LENGTH = 200 * 4 * 3;

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: requestIdFor,
    // Fastify's default (100) answered 414 to external ids the API documents (up to 200 characters,
    // each up to 4 UTF-8 bytes, each byte percent-encoded as 3 characters).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Errors Fastify raises before routing (a malformed URL, a path parameter over the router's
    // length limit) never reach Nest's filter: answer them as problem+json too.
    frameworkErrors: (error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => {
      // A path parameter beyond maxParamLength is an invalid value like any other: 400, not 414.
      const status =
        typeof error.statusCode === 'number' &&
        error.statusCode >= 400 &&
        error.statusCode < 500 &&
        error.statusCode !== 414
          ? error.statusCode
          : 400;
      void reply
        .status(status)
        .header('Content-Type', 'application/problem+json; charset=utf-8')
        .send({
          type: problemType(status),
          title: 'Bad Request',
          status,
          detail:
            error.statusCode === 414
              ? 'A path parameter is longer than the API allows'
              : 'The request URL is not valid',
          requestId: String(request.id),
        });
    },
  });
}

/** Routes live under /v1; the OpenAPI export needs the same prefixes, so both call this. */
export function configureVersioning(app: INestApplication): void {
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
}

/**
 * The one HTTP pipeline, shared by main.ts and the e2e tests so tests exercise what runs.
 */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(Logger));
  configureVersioning(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();
  registerJsonParser(app, config);

  const fastify = app.getHttpAdapter().getInstance();
  registerInputHygiene(fastify);
  recordRefusedAccess(fastify, app.get(AuditService), app.get(RateLimitService));
  await fastify.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
  });
  await fastify.register(cors, {
    origin: config.http.corsOrigins.length ? config.http.corsOrigins : false,
    credentials: false,
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  await registerCheckInPagePlugins(app);
  await mountQueueBoard(app, config);
  await mountWebApp(app);

  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', useGlobalPrefix: false });
}
