import { canonicalJson, decideOnExisting, idempotencyKeyProblem, requestFingerprint } from './idempotency.service.js';

describe('idempotency keys', () => {
  it('accepts 1–255 visible ASCII characters and refuses the rest', () => {
    expect(idempotencyKeyProblem('3f1c2a7e-retry-1')).toBeNull();
    expect(idempotencyKeyProblem('x'.repeat(255))).toBeNull();
    expect(idempotencyKeyProblem('')).toMatch(/1 to 255/);
    expect(idempotencyKeyProblem('x'.repeat(256))).toMatch(/1 to 255/);
    expect(idempotencyKeyProblem('has space')).toMatch(/visible ASCII/);
    expect(idempotencyKeyProblem('clé')).toMatch(/visible ASCII/);
  });
});

describe('request fingerprints', () => {
  it('ignores key order and undefined values, and renders dates as ISO strings', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ at: new Date('2025-03-09T20:00:00-04:00') })).toBe('{"at":"2025-03-10T00:00:00.000Z"}');
  });

  it('is equal for the same operation and body, and differs for another body or path', () => {
    const body = { occurrenceAt: new Date('2025-03-09T20:00:00Z'), answers: { trust: 7 }, visibility: 'private' };
    const same = requestFingerprint('POST /v1/assignments/a/check-ins', {
      visibility: 'private',
      answers: { trust: 7 },
      occurrenceAt: new Date('2025-03-09T20:00:00Z'),
    });
    expect(requestFingerprint('POST /v1/assignments/a/check-ins', body)).toBe(same);
    expect(requestFingerprint('POST /v1/assignments/a/check-ins', { ...body, visibility: 'shared' })).not.toBe(same);
    expect(requestFingerprint('POST /v1/assignments/b/check-ins', body)).not.toBe(same);
  });
});

describe('decideOnExisting', () => {
  const now = new Date('2025-03-10T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const record = (over: Partial<Parameters<typeof decideOnExisting>[0]> = {}) => ({
    requestHash: 'h1',
    statusCode: 201,
    response: { id: 'c1' },
    createdAt: ago(5_000),
    ...over,
  });

  it('replays a finished request with the same fingerprint', () => {
    expect(decideOnExisting(record(), 'h1', now)).toEqual({ kind: 'replay', statusCode: 201, response: { id: 'c1' } });
  });

  it('refuses the key for a different request (422)', () => {
    expect(decideOnExisting(record(), 'h2', now)).toEqual({ kind: 'mismatch' });
    expect(decideOnExisting(record({ statusCode: null, response: null }), 'h2', now)).toEqual({ kind: 'mismatch' });
  });

  it('answers in-flight (409) while the first request runs, and takes over a claim left behind by a crash', () => {
    expect(decideOnExisting(record({ statusCode: null, response: null, createdAt: ago(2_000) }), 'h1', now)).toEqual({
      kind: 'in_flight',
    });
    expect(decideOnExisting(record({ statusCode: null, response: null, createdAt: ago(61_000) }), 'h1', now)).toEqual({
      kind: 'take_over',
    });
  });

  it('forgets keys after 24 hours, whatever they were used for', () => {
    expect(decideOnExisting(record({ createdAt: ago(24 * 3_600_000 + 1) }), 'h2', now)).toEqual({ kind: 'take_over' });
    expect(decideOnExisting(record({ createdAt: ago(24 * 3_600_000 - 1_000) }), 'h1', now)).toMatchObject({
      kind: 'replay',
    });
  });
});
