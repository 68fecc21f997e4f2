import { Reflector } from '@nestjs/core';

import type { AppConfig } from '@mend/config';
import { DomainException, type Clock } from '@mend/core';

import { AccessGuard } from './access.guard.js';
import type { RateLimitService } from './rate-limit.service.js';

describe('AccessGuard.handleRequest', () => {
  const guard = new AccessGuard(new Reflector(), {} as RateLimitService, {} as Clock, {} as AppConfig);

  it('answers 401 when no strategy recognised the token', () => {
    expect(() => guard.handleRequest(null, false)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
  });

  it('passes a failed check (the database is unreachable) on instead of calling the token invalid', () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(() => guard.handleRequest(outage, false)).toThrow(outage);
  });

  it('keeps domain refusals as they are', () => {
    const refusal = new DomainException('forbidden', 'no');
    expect(() => guard.handleRequest(refusal, false)).toThrow(refusal);
  });

  it('answers the principal a strategy found', () => {
    const principal = { kind: 'user' };
    expect(guard.handleRequest(null, principal)).toBe(principal);
  });
});
