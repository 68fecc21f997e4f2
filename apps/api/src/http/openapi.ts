import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';

import { IS_PUBLIC, RECENT_AUTH, RECENT_AUTH_DESCRIPTION, ROLES, SCOPES } from '@mend/auth';
import type { AppConfig } from '@mend/config';

export const OPENAPI_DESCRIPTION = `Mend is a practice-management backend for couples therapists.

Conventions: JSON under \`/v1\`; errors are RFC 9457 \`application/problem+json\`; list endpoints take
\`limit\` (max 200) and \`cursor\` and answer \`{data, nextCursor}\`; times are ISO 8601 with offsets and
zones are IANA names. Authenticate with \`Authorization: Bearer <access token>\` from
\`POST /v1/auth/login\`, or with an API key (\`mk_…\`) on routes that list a scope.
Another clinic's object answers 404, exactly like a missing one.

Sign-in has a second step for users with a second factor (TOTP): the password step answers an
\`mfaToken\` that \`POST /v1/auth/login/mfa\` exchanges, with a code, for the session. Sensitive
actions (marked \`x-mend-recent-auth\`) need a recent authentication of a signed-in user: the access
token's \`auth_time\` within 10 minutes — right after sign-in, or after \`POST /v1/auth/reauth\` with
the password or a code. API keys are not asked to re-authenticate.`;

/** One line per tag, in the order a reader meets them. */
const TAGS: Record<string, string> = {
  auth: 'Clinic sign-up, sign-in with email and password, token refresh, invitation links',
  users: 'The signed-in user and the clinic staff',
  'api-keys': 'API keys for integrations: shown once, stored hashed, limited to their scopes',
  couples: "A therapist's caseload: couples, their partners, records export and erasure",
  exercises: 'Homework templates: built-in and clinic exercises with their check-in forms',
  homework: 'Assignments, check-ins and the check-in links of reminder emails',
  sessions: 'Therapy sessions, entered by staff or upserted by a scheduling tool',
  progress: 'Progress per window between sessions, trust chart and alerts',
  caseloads: "Caseload overviews for a therapist and for the clinic's admins",
  notifications: 'Reminders and in-app notifications, and the clinic reminder settings',
  webhooks: 'Signed outgoing webhooks (Standard Webhooks) and their delivery log',
  integrations: 'Cal.com and Calendly booking events in',
  calendar: 'iCalendar feeds of sessions and homework due times',
  audit: 'Who read or changed which sensitive record',
  health: 'Liveness and readiness probes for orchestrators',
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details; 5xx answers carry only the request id',
  required: ['type', 'title', 'status'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      example: 'https://mend.dev/problems/not-found',
      description:
        'https://mend.dev/problems/ and the status title (not-found, conflict, …), or a type of its own where a client must tell problems of one status apart: ' +
        'mfa-code-required (the user has a second factor and gave no code), mfa-code-invalid (not a current authenticator code or an unused recovery code), ' +
        'mfa-step-ended (the sign-in step expired, was completed or closed after five wrong codes: sign in with the password again), ' +
        'mfa-locked-out (too many wrong codes from this source: wait for Retry-After)',
    },
    title: { type: 'string', example: 'Not Found' },
    status: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
    detail: { type: 'string', example: 'Couple not found' },
    instance: { type: 'string' },
    requestId: { type: 'string', description: 'Quote it when asking for support', example: 'req-5f1c' },
    errors: {
      type: 'array',
      description: 'One entry per invalid field (400 and 422 answers)',
      items: { $ref: '#/components/schemas/FieldProblem' },
    },
  },
};

const FIELD_PROBLEM_SCHEMA = {
  type: 'object',
  required: ['field', 'message'],
  properties: {
    field: { type: 'string', example: 'partners[0].email' },
    message: { type: 'string', example: 'email must be an email' },
  },
};

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is not valid (see `errors`)',
  401: 'No valid access token or API key',
  403: 'The caller may not use this route (role or API-key scope)',
  404: "Not found (another clinic's object answers 404 too)",
  409: 'Conflict',
  410: 'Gone',
  413: 'The body is larger than the limit',
  415: 'The body is not JSON',
  422: 'The request is well-formed but cannot be applied',
  429: 'Too many requests; see Retry-After',
  503: 'A backing service does not answer',
};

/** What Mend posts to a webhook endpoint: an OpenAPI 3.0 callback of POST /v1/webhook-endpoints. */
const WEBHOOK_CALLBACK = {
  webhookEvent: {
    '{$request.body#/url}': {
      post: {
        summary: 'A webhook delivery (Standard Webhooks)',
        description:
          'Signed with the endpoint secret: `webhook-signature` holds one `v1,<base64 HMAC-SHA256>` per active secret ' +
          'over `<webhook-id>.<webhook-timestamp>.<body>`. `webhook-id` is the event id, the same on every retry. ' +
          'Answer 2xx to acknowledge; 410 disables the endpoint; anything else is retried with backoff for 24 h.',
        operationId: 'webhookEvent',
        tags: ['webhooks'],
        security: [],
        parameters: [
          { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' } },
          {
            name: 'webhook-timestamp',
            in: 'header',
            required: true,
            schema: { type: 'string', example: '1767225600' },
          },
          { name: 'webhook-signature', in: 'header', required: true, schema: { type: 'string', example: 'v1,K5oZ…=' } },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookEventBody' } } },
        },
        responses: {
          '200': { description: 'Acknowledged (any 2xx)' },
          '410': { description: 'Gone: Mend disables the endpoint' },
        },
      },
    },
  },
};

interface RouteAccess {
  isPublic: boolean;
  roles: string[];
  scopes: string[];
  /** A sensitive action: signed-in users need a recent authentication (`auth_time`). */
  needsRecentAuth: boolean;
}

type Operation = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** Access metadata of every route, keyed by Swagger's default operation id (`Controller_method`). */
function routeAccess(app: INestApplication): Map<string, RouteAccess> {
  const access = new Map<string, RouteAccess>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller?.prototype) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as object | undefined;
        if (typeof handler !== 'function' || Reflect.getMetadata('path', handler) === undefined) continue;
        const read = <T>(key: string): T | undefined =>
          Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
        access.set(`${controller.name}_${name}`, {
          isPublic: read<boolean>(IS_PUBLIC) === true,
          roles: read<string[]>(ROLES) ?? [],
          scopes: read<string[]>(SCOPES) ?? [],
          needsRecentAuth: read<boolean>(RECENT_AUTH) === true,
        });
      }
    }
  }
  return access;
}

function accessSentence(rule: RouteAccess): string {
  if (rule.isPublic) return 'Public: no authentication.';
  const who = [
    rule.roles.length ? `signed-in ${rule.roles.join(', ')}` : '',
    rule.scopes.length ? `an API key with ${rule.scopes.map((s) => `\`${s}\``).join(' or ')}` : '',
  ].filter(Boolean);
  return `Who may call: ${who.join('; or ')}.`;
}

function problemResponse(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/**
 * Completes what decorators cannot say once for every route: who may call it (and `security: []`
 * on public routes), the problem+json answers it can give, and a description.
 */
function completeOperation(path: string, operation: Operation, rule: RouteAccess | undefined): void {
  const responses: Record<string, any> = operation.responses;
  const statuses = new Set<number>();
  const parameters: Array<{ in: string }> = operation.parameters ?? [];
  // Every route can answer 400 (the global input-hygiene hook refuses control characters in the
  // path, query and body) and 429 (rate limits per user, per API key and per address on every route).
  // The health probes are outside both (they answer 200 or 503 only).
  if (!path.startsWith('/health')) statuses.add(400).add(429);
  if (operation.requestBody) statuses.add(413).add(415);
  if (!rule?.isPublic) statuses.add(401).add(403);
  if (path.includes('{')) statuses.add(404);
  if (parameters.some((p: any) => p.in === 'header' && p.name === 'Idempotency-Key')) statuses.add(409).add(422);
  for (const status of statuses) if (!responses[status]) responses[status] = {};
  for (const [status, response] of Object.entries(responses)) {
    const code = Number(status);
    if (code < 400) {
      if (!response.description) response.description = code === 204 ? 'No content' : 'Success';
      continue;
    }
    responses[status] = {
      ...problemResponse(response.description || STATUS_TEXT[code] || 'Error'),
      ...(response.headers ? { headers: response.headers } : {}),
    };
  }
  if (rule) {
    operation.security = rule.isPublic ? [] : [{ bearer: [] }];
    const sentence = accessSentence(rule);
    operation.description = [
      operation.description ?? operation.summary,
      sentence,
      rule.needsRecentAuth ? RECENT_AUTH_DESCRIPTION : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    if (rule.needsRecentAuth) {
      operation['x-mend-recent-auth'] = true;
      responses['403'] = problemResponse(
        'The caller may not use this route (role or API-key scope), or a signed-in user must re-authenticate first ' +
          '(`errors[0].field` is `reauth`; see POST /v1/auth/reauth)',
      );
    }
  }
}

interface ValidationRule {
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/** Schema keywords for a class-validator rule, so the document shows the limits the API enforces. */
function keywordsFor(rule: ValidationRule, schema: Record<string, any>): Record<string, unknown> {
  const [a, b] = rule.constraints ?? [];
  const isString = schema.type === 'string';
  const isNumber = schema.type === 'number' || schema.type === 'integer';
  switch (rule.name) {
    case 'maxLength':
      return isString ? { maxLength: a } : {};
    case 'minLength':
      return isString ? { minLength: a } : {};
    case 'isLength':
      return isString
        ? { ...(Number(a) > 0 ? { minLength: a } : {}), ...(b !== undefined ? { maxLength: b } : {}) }
        : {};
    case 'min':
      return isNumber ? { minimum: a } : {};
    case 'max':
      return isNumber ? { maximum: a } : {};
    case 'isInt':
      return schema.type === 'number' ? { type: 'integer' } : {};
    case 'arrayMaxSize':
      return schema.type === 'array' ? { maxItems: a } : {};
    case 'arrayMinSize':
      return schema.type === 'array' ? { minItems: a } : {};
    case 'isIn':
      return isString && !schema.enum && Array.isArray(a) ? { enum: a } : {};
    case 'matches':
      return isString && a instanceof RegExp && !a.flags ? { pattern: a.source } : {};
    case 'isEmail':
      return isString ? { format: 'email' } : {};
    case 'isUUID':
      return isString ? { format: 'uuid' } : {};
    case 'isUrl':
      return isString ? { format: 'uri' } : {};
    default:
      return {};
  }
}

/** Adds the limits of the request classes' class-validator rules to their schemas, where a decorator did not already. */
function addValidationLimits(schemas: Record<string, any>): void {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, ValidationRule[]> };
  for (const [target, rules] of storage.validationMetadatas) {
    const schema = schemas[target.name];
    if (!schema?.properties) continue;
    for (const rule of rules) {
      const property = schema.properties[rule.propertyName];
      if (!property) continue;
      const subject = rule.each && property.type === 'array' ? property.items : property;
      if (!subject || subject.$ref) continue;
      for (const [keyword, value] of Object.entries(keywordsFor(rule, subject)))
        if (subject[keyword] === undefined || keyword === 'type') subject[keyword] = value;
    }
  }
}

/** The OpenAPI document, built from the controllers' decorators (served at /docs-json, exported by `npm run openapi:export`). */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Mend API')
    .setDescription(OPENAPI_DESCRIPTION)
    .setVersion('1')
    .addServer(config.http.publicUrl)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An access token (JWT) from `POST /v1/auth/login`, or an API key (`mk_…`) on routes with a scope',
    });
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  document.info.license = { name: 'Proprietary' };
  document.info.contact = { name: 'Mend' };
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Problem: PROBLEM_SCHEMA as never,
    FieldProblem: FIELD_PROBLEM_SCHEMA as never,
  };
  addValidationLimits(document.components.schemas as Record<string, any>);
  const access = routeAccess(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const id = String(operation.operationId).replace(/_v\d+$/, '');
      completeOperation(path, operation, access.get(id));
      if (id === 'WebhookEndpointsController_create') operation.callbacks = WEBHOOK_CALLBACK;
    }
  }
  return document;
}
