import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type Json = Record<string, any>;

// ajv-formats is CommonJS with a `default` property; under NodeNext typing its default import is the module.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

/**
 * OpenAPI 3.0 `nullable` is not JSON Schema: `{nullable: true, allOf: [$ref]}` must accept null
 * even though the referenced schema is an object. Rewrites every nullable schema as
 * `anyOf: [null, schema]` and points `$ref`s at the definitions of the compiled root.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', 'mend-openapi#/definitions/');
      continue;
    }
    out[key] = key === 'properties' ? mapValues(value as Json) : toJsonSchema(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: 'null' }, out] };
  }
  delete out.nullable;
  return out;
}

function mapValues(record: Json): Json {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toJsonSchema(v)]));
}

const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);

/**
 * Validates every answer of the test app against the OpenAPI document it serves: the status must
 * be documented for the operation, the content type must be one it lists, and a JSON body must
 * match the schema (ajv + ajv-formats). Problems are collected and reported when the app closes,
 * so no e2e suite can pass while the document lies about what it saw.
 */
export class ResponseValidator {
  readonly violations: string[] = [];
  private document: Json | undefined;
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
  }

  load(document: Json): void {
    this.document = document;
    this.ajv.addSchema({ $id: 'mend-openapi', definitions: mapValues(this.document!.components?.schemas ?? {}) });
  }

  register(fastify: FastifyInstance): void {
    fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      this.check(request, reply, payload);
      return payload;
    });
  }

  private check(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const method = request.method.toLowerCase();
    const pattern = request.routeOptions.url;
    if (!this.document || !METHODS.has(method) || !pattern) return;
    const path = pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation = this.document.paths[path]?.[method] as Json | undefined;
    if (!operation) return; // not part of the API (check-in page, docs, queue board)
    const status = reply.statusCode;
    const where = `${request.method} ${path} → ${status}`;
    const response = (operation.responses[String(status)] ?? operation.responses.default) as Json | undefined;
    if (!response) {
      if (status < 500) this.violations.push(`${where}: status not documented`);
      return;
    }
    const contentType = String(reply.getHeader('content-type') ?? '')
      .split(';')[0]
      .trim();
    const documented = (response.content ?? {}) as Json;
    if (!Object.keys(documented).length) {
      if (status !== 204 && status !== 304 && typeof payload === 'string' && payload.length)
        this.violations.push(`${where}: a body (${contentType}) where the document says none`);
      return;
    }
    const media = documented[contentType] as Json | undefined;
    if (!media) {
      this.violations.push(`${where}: content type ${contentType || '(none)'} not in ${Object.keys(documented)}`);
      return;
    }
    if (!contentType.endsWith('json') || !media.schema) return;
    const key = `${path} ${method} ${status} ${contentType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(media.schema) as object);
      this.compiled.set(key, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof payload === 'string' ? payload : String(payload));
    } catch {
      this.violations.push(`${where}: body is not JSON`);
      return;
    }
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).slice(0, 5);
      this.violations.push(`${where}: ${errors.join('; ')}`);
    }
  }

  assertClean(): void {
    if (!this.violations.length) return;
    const unique = [...new Set(this.violations)];
    throw new Error(
      `Responses that do not match the OpenAPI document (${unique.length}):\n  ${unique.slice(0, 30).join('\n  ')}`,
    );
  }
}
