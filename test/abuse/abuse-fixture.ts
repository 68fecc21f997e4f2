import { DateTime } from 'luxon';

import {
  builtinExerciseId,
  newApiKey,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { ACCESS, type Rule } from '../support/access-rules.js';
import { type TestApp } from '../support/test-app.js';

export type Role = 'admin' | 'therapist' | 'client';
export const auth = { type: 'bearer' } as const;

export interface Operation {
  method: string;
  path: string;
  /** `METHOD /path` as keyed in the access rules. */
  route: string;
  rule: Rule | undefined;
  pathParams: string[];
  queryParams: Array<{ name: string; schema: Schema }>;
  body: Schema | undefined;
}

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string; schema?: Schema }>;
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

/** Every operation of the OpenAPI document the app serves, with its access rule and schemas resolved. */
export async function operationsOf(
  t: TestApp,
): Promise<{ operations: Operation[]; resolve: (s: Schema | undefined) => Schema | undefined }> {
  const doc = (await t.http().get('/docs-json').expect(200)).body as OpenApiDocument;
  const resolve = (schema: Schema | undefined, depth = 0): Schema | undefined => {
    if (!schema || depth > 8) return schema;
    if (schema.$ref) return resolve(doc.components?.schemas?.[schema.$ref.split('/').pop()!], depth + 1);
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0], depth + 1);
    const out: Schema = { ...schema };
    if (schema.properties)
      out.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, depth + 1)!]),
      );
    if (schema.items) out.items = resolve(schema.items, depth + 1);
    return out;
  };
  const operations: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const route = `${method.toUpperCase()} ${path}`;
      const params = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        route,
        rule: ACCESS[route],
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolve(p.schema) ?? {} })),
        body: resolve(op.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  return { operations, resolve: (s) => resolve(s) };
}

export interface Caller {
  name: string;
  role: Role | 'api-key';
  token: string;
}

/**
 * Two clinics. Clinic A has two therapists, each with a couple; the owner's couple has an
 * assignment, private check-ins by both partners, a session, an alert and a custom exercise.
 * Clinic B has every role and an API key with every scope.
 */
export interface AbuseWorld {
  a: ClinicContext;
  b: ClinicContext;
  owner: StaffContext;
  otherTherapist: StaffContext;
  couple: CoupleContext;
  otherCouple: CoupleContext;
  bTherapist: StaffContext;
  bCouple: CoupleContext;
  aKey: { id: string; key: string };
  bKey: { id: string; key: string };
  /** Clinic A's objects by the resource segment of a path (couples, assignments, …). */
  ids: Record<string, string>;
  /** The private check-in ids each partner of A's couple wrote. */
  privateCheckIns: Record<string, string>;
  pulseId: string;
}

const ALL_SCOPES = ['sessions:read', 'sessions:write', 'couples:read', 'webhooks:manage', 'calendar:read'];

export async function buildWorld(t: TestApp): Promise<AbuseWorld> {
  const a = await newClinic(t);
  const owner = await newStaff(t, a, 'therapist', 'Owner Therapist');
  const otherTherapist = await newStaff(t, a, 'therapist', 'Other Therapist');
  const couple = await newCouple(t, owner);
  const otherCouple = await newCouple(t, otherTherapist);
  const pulseId = await builtinExerciseId(t, owner.accessToken, 'trust_pulse');
  const custom = await t
    .http()
    .post('/v1/exercises')
    .auth(owner.accessToken, auth)
    .send({
      title: 'Gratitude note',
      category: 'caring',
      mode: 'individual',
      instructions: 'Write one thing you appreciated today.',
      form: { fields: [{ key: 'note', type: 'text', label: 'Note', required: true, maxLength: 500 }] },
    })
    .expect(201);
  const assignment = await newAssignment(t, owner, couple, pulseId);
  const privateCheckIns: Record<string, string> = {};
  for (const [i, trust] of [
    [0, 9],
    [1, 3],
  ] as const) {
    const partner = couple.partners[i];
    const mine = (await t.http().get('/v1/me/assignments').auth(partner.accessToken, auth).expect(200)).body
      .data as Array<{
      id: string;
      occurrences: Array<{ dueAt: string; state: string }>;
    }>;
    const dueAt = mine.find((x) => x.id === assignment.id)!.occurrences.find((o) => o.state === 'due')!.dueAt;
    const res = await t
      .http()
      .post(`/v1/assignments/${assignment.id}/check-ins`)
      .auth(partner.accessToken, auth)
      .send({
        occurrenceAt: dueAt,
        answers: { trust, safety: 5, note: `private note of partner ${i + 1}` },
        visibility: 'private',
      })
      .expect(201);
    privateCheckIns[partner.id] = res.body.id;
  }
  const session = await t
    .http()
    .post(`/v1/couples/${couple.coupleId}/sessions`)
    .auth(owner.accessToken, auth)
    .send({
      startsAt: DateTime.utc().plus({ days: 3 }).toISO(),
      endsAt: DateTime.utc().plus({ days: 3, hours: 1 }).toISO(),
    })
    .expect(201);
  const progress = await t
    .http()
    .get(`/v1/couples/${couple.coupleId}/progress`)
    .auth(owner.accessToken, auth)
    .expect(200);
  const aKey = await newApiKey(t, a, ALL_SCOPES);

  const b = await newClinic(t);
  const bTherapist = await newStaff(t, b);
  const bCouple = await newCouple(t, bTherapist);
  const bKey = await newApiKey(t, b, ALL_SCOPES);

  return {
    a,
    b,
    owner,
    otherTherapist,
    couple,
    otherCouple,
    bTherapist,
    bCouple,
    aKey,
    bKey,
    ids: {
      couples: couple.coupleId,
      assignments: assignment.id,
      sessions: session.body.id,
      alerts: progress.body.alerts[0]?.id,
      exercises: custom.body.id,
      users: owner.id,
      'api-keys': aKey.id,
      partnerId: couple.partners[0].id,
    },
    privateCheckIns,
    pulseId,
  };
}

/** Substitutes every `{param}` of a path: ids of clinic A's objects, or `fallback` for those it has none of. */
export function concretePath(op: Operation, ids: Record<string, string>, fallback: (param: string) => string): string {
  const resource = op.path.split('/')[2];
  return op.path.replace(/\{(\w+)\}/g, (_, param: string) => {
    if (param === 'id') return ids[resource] ?? fallback(param);
    return ids[param] ?? fallback(param);
  });
}

const STACK = /\bat [\w$.<>]+ \(|\.(?:js|ts):\d+:\d+|node_modules|\n\s+at\s/;
const SQL =
  /\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b|syntax error at|violates .* constraint|duplicate key value|relation "|QueryFailedError|invalid input syntax for/i;

/** What must hold for every answer: no 5xx, errors as problem+json, nothing internal in the body. */
export function problemsWith(res: { status: number; headers: Record<string, string>; text: string }): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  if (res.status >= 400) {
    if (!String(res.headers['content-type'] ?? '').startsWith('application/problem+json'))
      problems.push(`error without problem+json (${res.headers['content-type']})`);
    if (STACK.test(res.text)) problems.push('stack trace in the body');
    if (SQL.test(res.text)) problems.push('SQL in the body');
  }
  return problems;
}

export interface Tally {
  requests: number;
  forbiddenSuccesses: number;
  serverErrors: number;
  findings: string[];
}

export function newTally(): Tally {
  return { requests: 0, forbiddenSuccesses: 0, serverErrors: 0, findings: [] };
}

export function report(name: string, tally: Tally): void {
  console.log(
    `abuse ${name}: ${tally.requests} requests, ${tally.forbiddenSuccesses} successes where none were allowed, ${tally.serverErrors} 5xx, ${tally.findings.length} findings` +
      (tally.findings.length ? `\n  ${tally.findings.slice(0, 30).join('\n  ')}` : ''),
  );
}
