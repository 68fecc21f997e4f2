import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { EntityManager } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, issueToken, newId, type Role } from '@mend/core';

export interface AccessClaims {
  sub: string;
  cid: string;
  role: Role;
  fam: string;
  typ: 'access';
  /** When the person last authenticated in this sign-in (epoch seconds, by the product's clock). */
  auth_time?: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export const JWT_ALGORITHM = 'HS256';

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  signAccess(claims: Omit<AccessClaims, 'typ'>): string {
    return this.jwt.sign(
      { ...claims, typ: 'access' },
      {
        algorithm: JWT_ALGORITHM,
        secret: this.config.auth.jwtSecret,
        issuer: this.config.auth.jwtIssuer,
        audience: this.config.auth.jwtAudience,
        expiresIn: this.config.auth.accessTokenTtlSeconds,
      },
    );
  }

  /**
   * Stores a new refresh token and returns the pair. Without `family` it starts a new sign-in,
   * whose absolute lifetime starts now and whose person has just authenticated; a rotation passes
   * its family, whose end and authentication time it never moves.
   */
  async issuePair(
    tx: EntityManager,
    user: { clinicId: string; userId: string; role: Role },
    family?: { id: string; expiresAt: Date; authenticatedAt: Date | null },
    now: Date = this.clock.now(),
  ): Promise<TokenPair> {
    const { token, hash } = issueToken('rt', user.clinicId);
    const familyId = family?.id ?? newId();
    const familyExpiresAt =
      family?.expiresAt ?? new Date(now.getTime() + this.config.auth.refreshFamilyMaxDays * 86_400_000);
    const expiresAt = new Date(
      Math.min(now.getTime() + this.config.auth.refreshTokenTtlDays * 86_400_000, familyExpiresAt.getTime()),
    );
    const authenticatedAt = family ? family.authenticatedAt : now;
    await tx.query(
      `INSERT INTO refresh_token (clinic_id, id, user_id, family_id, token_hash, expires_at, family_expires_at, authenticated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [user.clinicId, newId(), user.userId, familyId, hash, expiresAt, familyExpiresAt, authenticatedAt],
    );
    return {
      accessToken: this.signAccess({
        sub: user.userId,
        cid: user.clinicId,
        role: user.role,
        fam: familyId,
        ...(authenticatedAt ? { auth_time: Math.floor(authenticatedAt.getTime() / 1000) } : {}),
      }),
      refreshToken: token,
      tokenType: 'Bearer',
      expiresIn: this.config.auth.accessTokenTtlSeconds,
    };
  }
}
