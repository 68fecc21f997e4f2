import { readFileSync } from 'node:fs';

import {
  EXPORT_PUBLIC_URL,
  generateTypes,
  OPENAPI_DOCUMENT_FILE,
  OPENAPI_TYPES_FILE,
  serializeDocument,
} from '../scripts/export-openapi.js';
import { compileGeneratedClient } from './contract/generated-client.js';
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
    const schemaOf = (path: string) =>
      document.paths[path].post.responses['200'].content['application/json'].schema.$ref as string;
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
});
