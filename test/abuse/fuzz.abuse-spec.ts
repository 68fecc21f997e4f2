import fc from 'fast-check';

import { newStaff } from '@mend/testing';

import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  auth,
  buildWorld,
  newTally,
  operationsOf,
  problemsWith,
  report,
  type AbuseWorld,
  type Operation,
  type Schema,
  type Tally,
} from './abuse-fixture.js';

/** At least this many generated requests in all; each operation gets an equal share. */
const TOTAL_CASES = 10_000;

const NASTY = [
  "' OR 1=1 --",
  '"; DROP TABLE check_in; --',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\uD800',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  'x'.repeat(5000),
  '9'.repeat(400),
  '-1',
  '1e309',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '0000-00-00T00:00:00Z',
  '2025-02-30T25:61:00+99:00',
  'FREQ=SECONDLY;INTERVAL=0',
  'Z'.repeat(64) + '@',
];

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.uuid() },
);

/** encodeURIComponent, except that a lone surrogate (which it refuses) is sent as its UTF-8 replacement. */
function safeEncode(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
}

/** Values shaped by the schema most of the time, and anything at all some of the time. */
function fromSchema(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 2 });
  if (!schema || depth > 4) return anything;
  let typed: fc.Arbitrary<unknown>;
  if (schema.enum?.length) typed = fc.oneof(fc.constantFrom(...schema.enum), nastyString);
  else if (schema.type === 'string' && schema.format === 'uuid') typed = fc.oneof(fc.uuid(), nastyString);
  else if (schema.type === 'string' && schema.format === 'date-time')
    typed = fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      nastyString,
    );
  else if (schema.type === 'string') typed = nastyString;
  else if (schema.type === 'integer' || schema.type === 'number')
    typed = fc.oneof(
      fc.integer({ min: -5, max: 500 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, -1, 2 ** 53, -(2 ** 31)),
    );
  else if (schema.type === 'boolean') typed = fc.boolean();
  else if (schema.type === 'array') typed = fc.array(fromSchema(schema.items, depth + 1), { maxLength: 6 });
  else if (schema.properties) {
    const props = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, fromSchema(v, depth + 1)]));
    typed = fc.record(props, { requiredKeys: [] });
  } else typed = anything;
  return fc.oneof(
    { weight: 6, arbitrary: typed },
    { weight: 1, arbitrary: anything },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

/**
 * Property-based fuzzing of every operation in the OpenAPI document: path ids (real ones of the
 * caller's clinic, random uuids, junk), query parameters and JSON bodies generated from the
 * schemas and mutated. Each call is made by a caller the route admits, so the handlers behind
 * validation run too. Properties: no 5xx, every error is problem+json, no stack trace or SQL.
 */
describe('abuse: fuzzing every endpoint', () => {
  let t: TestApp;
  let w: AbuseWorld;
  let operations: Operation[];
  const tally: Tally = newTally();
  let burnerToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
    ({ operations } = await operationsOf(t));
    // Logging out revokes a session: fuzz that route with a token nobody else needs.
    burnerToken = (await newStaff(t, w.a, 'therapist', 'Burner Therapist')).accessToken;
  }, 120_000);
  afterAll(async () => {
    report('fuzzing', tally);
    await t.close();
  });

  const callerFor = (op: Operation): string | null => {
    if (op.route === 'POST /v1/auth/logout' || op.route === 'POST /v1/auth/logout-all') return burnerToken;
    if (op.rule === 'public' || op.rule === undefined) return null;
    if (op.rule === 'api-key') return w.aKey.key;
    if (op.rule.includes('therapist')) return w.owner.accessToken;
    if (op.rule.includes('admin')) return w.a.admin.accessToken;
    return w.couple.partners[0].accessToken;
  };

  it(`answers ${TOTAL_CASES}+ generated requests without a 5xx, always as problem+json, never with internals`, async () => {
    const runs = Math.ceil(TOTAL_CASES / operations.length);
    // Real ids of the caller's clinic (not the admin's own user: disabling it would end the run early).
    const knownIds = [
      w.couple.coupleId,
      w.ids.assignments,
      w.ids.sessions,
      w.ids.exercises,
      w.otherTherapist.id,
      w.couple.partners[1].id,
      ...(w.ids.alerts ? [w.ids.alerts] : []),
    ];
    const pathValue = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...knownIds) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: nastyString.filter((s) => s.length > 0).map(safeEncode) },
    );
    for (const op of operations) {
      const token = callerFor(op);
      const request = fc.record({
        path: fc.tuple(...op.pathParams.map(() => pathValue)),
        query: fc.record(
          Object.fromEntries(
            op.queryParams.map((q) => [
              q.name,
              fromSchema(q.schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
            ]),
          ),
          { requiredKeys: [] },
        ),
        body:
          op.method === 'GET' || op.method === 'DELETE'
            ? fc.constant(undefined)
            : fc.oneof(
                { weight: 8, arbitrary: fromSchema(op.body).map((value) => ({ kind: 'json' as const, value })) },
                { weight: 1, arbitrary: fc.string().map((text) => ({ kind: 'raw' as const, text })) },
              ),
        idempotencyKey: fc.option(nastyString, { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          let i = 0;
          const url = op.path.replace(/\{\w+\}/g, () => String(r.path[i++]));
          const req = t
            .http()
            [op.method.toLowerCase() as 'get'](url)
            .query(r.query as Record<string, string>);
          if (token) req.auth(token, auth);
          if (r.idempotencyKey !== undefined && op.method === 'POST')
            req.set('Idempotency-Key', safeEncode(r.idempotencyKey).slice(0, 300));
          // Any JSON value as the body (objects, arrays, primitives, null), or raw text that is not JSON.
          const raw =
            r.body === undefined ? undefined : r.body.kind === 'raw' ? r.body.text : JSON.stringify(r.body.value);
          const res = raw === undefined ? await req : await req.type('json').send(raw);
          tally.requests++;
          if (res.status >= 500) tally.serverErrors++;
          const problems = problemsWith(res);
          for (const p of problems)
            tally.findings.push(`${op.route} ${url} ${JSON.stringify(r.body)?.slice(0, 200)}: ${p}`);
          // Findings are collected, not thrown: every run of every route is made, and all are reported at once.
          return true;
        }),
        { numRuns: runs, seed: 4242 },
      );
    }
    expect(tally.requests).toBeGreaterThanOrEqual(TOTAL_CASES);
    expect(tally.findings).toEqual([]);
  }, 600_000);

  it('answers 400, never a 5xx, to NUL and control characters in every string field of every operation', async () => {
    const stringPaths = (schema: Schema | undefined, prefix: string[] = [], depth = 0): string[][] => {
      if (!schema || depth > 4) return [];
      const parts = [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
      if (parts.length) return parts.flatMap((part) => stringPaths(part, prefix, depth + 1));
      if (schema.type === 'string' || (schema.enum && !schema.type)) return [prefix];
      if (schema.type === 'array') return stringPaths(schema.items, [...prefix, '0'], depth + 1);
      return Object.entries(schema.properties ?? {}).flatMap(([key, child]) =>
        stringPaths(child, [...prefix, key], depth + 1),
      );
    };
    const setAt = (path: string[], value: string): unknown =>
      path.length === 0
        ? value
        : /^\d+$/.test(path[0])
          ? [setAt(path.slice(1), value)]
          : { [path[0]]: setAt(path.slice(1), value) };
    const validPath = w.couple.coupleId;
    let cases = 0;
    for (const op of operations) {
      const token = callerFor(op);
      const url = op.path.replace(/\{\w+\}/g, () => validPath);
      for (const bad of ['a\u0000b', 'a\u0007b', '\u001b[2J', 'a\u007fb']) {
        const targets: Array<{ query?: Record<string, string>; body?: unknown }> = [
          ...op.queryParams.map((q) => ({ query: { [q.name]: bad } })),
          ...(op.method === 'GET' || op.method === 'DELETE'
            ? []
            : stringPaths(op.body).map((p) => ({ body: setAt(p, bad) }))),
        ];
        for (const target of targets) {
          const req = t
            .http()
            [op.method.toLowerCase() as 'get'](url)
            .query(target.query ?? {});
          if (token) req.auth(token, auth);
          const res = target.body === undefined ? await req : await req.send(target.body as object);
          cases++;
          expect({ route: op.route, target, status: res.status }).toEqual({ route: op.route, target, status: 400 });
        }
      }
    }
    expect(cases).toBeGreaterThan(100);
  }, 600_000);
});
