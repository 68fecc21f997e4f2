import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

import { DOMAIN_EVENT_TYPES } from '@mend/integrations';
import { newClinic } from '@mend/testing';

import {
  EXPORT_PUBLIC_URL,
  generateTypes,
  OPENAPI_DOCUMENT_FILE,
  OPENAPI_TYPES_FILE,
  serializeDocument,
} from '../scripts/export-openapi.js';
import { compileGeneratedClient } from './contract/generated-client.js';
import { ACCESS } from './support/access-rules.js';
import { createTestApp, type TestApp } from './support/test-app.js';

type Schema = Record<string, unknown>;

/** Every schema reachable in the document, with a path for the message. */
function* schemasOf(node: unknown, path: string): Generator<[string, Schema]> {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* schemasOf(item, `${path}[${i}]`);
    return;
  }
  const record = node as Schema;
  if ('type' in record && typeof record.type === 'string') yield [path, record];
  for (const [key, value] of Object.entries(record)) yield* schemasOf(value, `${path}.${key}`);
}

describe('the OpenAPI contract', () => {
  let t: TestApp;
  let document: Record<string, any>;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http().get('/docs-json').expect(200)).body;
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents the sign-in answers as tokens, not as a therapy session', () => {
    // Login and invitation acceptance answer a session or (second factor) an MFA challenge.
    const schemaOf = (path: string) => {
      const schema = document.paths[path].post.responses['200'].content['application/json'].schema;
      return (schema.$ref ?? schema.oneOf[0].$ref) as string;
    };
    for (const path of ['/v1/auth/login', '/v1/auth/refresh', '/v1/invitations/{token}/accept']) {
      const schema = document.components.schemas[schemaOf(path).split('/').pop()!];
      expect({ path, required: schema.required }).toEqual({
        path,
        required: expect.arrayContaining(['accessToken', 'refreshToken', 'user']),
      });
    }
    const therapySession =
      document.paths['/v1/couples/{id}/sessions'].post.responses['201'].content['application/json'].schema;
    expect(therapySession.$ref).not.toBe(schemaOf('/v1/auth/login'));
  });

  it('types every property: no bare object a generated client turns into Record<string, never>', () => {
    const bare = [...schemasOf(document.components, 'components')]
      .filter(([, s]) => s.type === 'object' && !s.properties && !s.additionalProperties && !s.allOf && !s.oneOf)
      .map(([path]) => path);
    expect(bare).toEqual([]);
  });

  it('compiles a client generated with openapi-typescript + openapi-fetch', async () => {
    expect(await compileGeneratedClient(document, 'live')).toEqual([]);
  });

  it('is committed as generated: run `npm run openapi:export` after changing the API', async () => {
    const exported = { ...document, servers: [{ url: EXPORT_PUBLIC_URL }] };
    expect(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')).toBe(serializeDocument(exported));
    expect(readFileSync(OPENAPI_TYPES_FILE, 'utf8')).toBe(await generateTypes(exported));
  });

  it('passes Redocly lint (recommended ruleset, offline) with 0 errors and 0 warnings', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['node_modules/@redocly/cli/bin/cli.js', 'lint', OPENAPI_DOCUMENT_FILE, '--format=json'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    ).catch((error: { stdout: string }) => error);
    const report = JSON.parse(stdout) as { totals: Record<string, number>; problems: Array<Record<string, any>> };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
    expect({ totals: report.totals, problems }).toEqual({
      // the two health probes that have no 4xx answer, listed with the reason in .redocly.lint-ignore.yaml
      totals: { errors: 0, warnings: 0, ignored: 2 },
      problems: [],
    });
  });

  it('documents security on every operation: [] on public routes, the bearer scheme elsewhere', () => {
    const publicRoutes: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        expect({ route: `${method} ${path}`, security: operation.security }).toEqual({
          route: `${method} ${path}`,
          security: expect.any(Array),
        });
        if (operation.security.length === 0) publicRoutes.push(`${method.toUpperCase()} ${path}`);
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (Number(status) >= 400) expect(Object.keys(response.content)).toEqual(['application/problem+json']);
        }
      }
    }
    // The routes the access table calls public, and no other.
    expect(publicRoutes.sort()).toEqual(
      Object.entries(ACCESS)
        .filter(([, rule]) => rule === 'public')
        .map(([route]) => route)
        .sort(),
    );
  });

  it('documents webhook bodies (catalogue, callback, data schemas) and the inbound hook body', async () => {
    const { admin } = await newClinic(t);
    const catalogue = await t.http().get('/v1/webhook-events').auth(admin.accessToken, { type: 'bearer' }).expect(200);
    expect(catalogue.body.data.map((e: { type: string }) => e.type).sort()).toEqual(
      [...DOMAIN_EVENT_TYPES, 'webhook.test'].sort(),
    );
    for (const entry of catalogue.body.data as Array<{ dataSchema: string }>)
      expect(document.components.schemas[entry.dataSchema]?.properties).toBeDefined();
    const callback = document.paths['/v1/webhook-endpoints'].post.callbacks.webhookEvent['{$request.body#/url}'].post;
    expect(callback.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/WebhookEventBody');
    const hook = document.paths['/v1/integrations/hooks/{token}'].post.requestBody.content['application/json'].schema;
    expect(hook.oneOf.map((s: { $ref: string }) => s.$ref)).toEqual([
      '#/components/schemas/CalcomWebhookPayload',
      '#/components/schemas/CalendlyWebhookPayload',
    ]);
  });
});
