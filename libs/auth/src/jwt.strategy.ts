import { createSecretKey } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { isUuid, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { requestMeta } from './access.decorators.js';
import { JWT_ALGORITHM, type AccessClaims } from './token.service.js';

/**
 * Verifies the signature, algorithm, issuer, audience and expiry, then re-reads the user on
 * every request: a disabled user, a changed role or a revoked token family takes effect at once.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: TenantDatabase,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject made once: given the string, jsonwebtoken first tries (and fails) to parse it
      // as a public key on every request — 8% of the API's CPU in the check-in benchmark.
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: config.auth.jwtIssuer,
      audience: config.auth.jwtAudience,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
    this.maxLifetimeSeconds = config.auth.accessTokenTtlSeconds;
  }

  private readonly maxLifetimeSeconds: number;

  async validate(
    request: FastifyRequest,
    claims: AccessClaims & { exp?: unknown; iat?: unknown },
  ): Promise<UserPrincipal | false> {
    // jsonwebtoken checks `exp` only when present: a token without one would never expire.
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number' ||
      claims.exp - claims.iat > this.maxLifetimeSeconds ||
      claims.typ !== 'access' ||
      !isUuid(String(claims.cid)) ||
      !isUuid(String(claims.sub)) ||
      !isUuid(String(claims.fam))
    )
      return false;
    const role = await this.db.accessRole(claims.cid, claims.sub, claims.fam);
    if (!role) return false;
    return {
      kind: 'user',
      clinicId: claims.cid,
      userId: claims.sub,
      role,
      familyId: claims.fam,
      authenticatedAtMs: typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : undefined,
      ...requestMeta(request),
    };
  }
}
