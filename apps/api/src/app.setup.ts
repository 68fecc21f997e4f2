import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { VersioningType, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';

import { AuditService } from '@mend/audit';
import { RateLimitService } from '@mend/auth';
import type { AppConfig } from '@mend/config';

import { registerCheckInPagePlugins } from './check-in-page/check-in-page.setup.js';
import { recordRefusedAccess } from './http/access-denied.audit.js';
import { registerInputHygiene } from './http/input-hygiene.js';
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

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: requestIdFor,
    routerOptions: { ignoreTrailingSlash: true },
    // Errors Fastify raises before routing (a malformed URL, a path parameter over the router's
    // length limit) never reach Nest's filter: answer them as problem+json too.
    frameworkErrors: (error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => {
      const status =
        typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
          ? error.statusCode
          : 400;
      void reply
        .status(status)
        .header('Content-Type', 'application/problem+json; charset=utf-8')
        .send({
          type: problemType(status),
          title: status === 414 ? 'URI Too Long' : 'Bad Request',
          status,
          detail: 'The request URL is not valid',
          requestId: String(request.id),
        });
    },
  });
}

export const OPENAPI_DESCRIPTION = `Mend is a practice-management backend for couples therapists.

Conventions: JSON under \`/v1\`; errors are RFC 9457 \`application/problem+json\`; list endpoints take
\`limit\` (max 200) and \`cursor\` and answer \`{data, nextCursor}\`; times are ISO 8601 with offsets and
zones are IANA names. Authenticate with \`Authorization: Bearer <access token>\` from
\`POST /v1/auth/login\`, or with an API key (\`mk_…\`) on routes that list a scope.
Another clinic's object answers 404, exactly like a missing one.`;

/** Routes live under /v1; the OpenAPI export needs the same prefixes, so both call this. */
export function configureVersioning(app: INestApplication): void {
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
}

/** The OpenAPI document, built from the controllers' decorators (served at /docs-json, exported by `npm run openapi:export`). */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mend API')
      .setDescription(OPENAPI_DESCRIPTION)
      .setVersion('1')
      .addServer(config.http.publicUrl)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Access token (JWT) or API key' })
      .build(),
  );
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
