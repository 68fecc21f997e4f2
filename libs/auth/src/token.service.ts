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
   * whose absolute lifetime starts now; a rotation passes its family, whose end it never moves.
   */
  async issuePair(
    tx: EntityManager,
    user: { clinicId: string; userId: string; role: Role },
    family?: { id: string; expiresAt: Date },
    now: Date = this.clock.now(),
  ): Promise<TokenPair> {
    const { token, hash } = issueToken('rt', user.clinicId);
    const familyId = family?.id ?? newId();
    const familyExpiresAt =
      family?.expiresAt ?? new Date(now.getTime() + this.config.auth.refreshFamilyMaxDays * 86_400_000);
    const expiresAt = new Date(
      Math.min(now.getTime() + this.config.auth.refreshTokenTtlDays * 86_400_000, familyExpiresAt.getTime()),
    );
    await tx.query(
      `INSERT INTO refresh_token (clinic_id, id, user_id, family_id, token_hash, expires_at, family_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [user.clinicId, newId(), user.userId, familyId, hash, expiresAt, familyExpiresAt],
    );
    return {
      accessToken: this.signAccess({ sub: user.userId, cid: user.clinicId, role: user.role, fam: familyId }),
      refreshToken: token,
      tokenType: 'Bearer',
      expiresIn: this.config.auth.accessTokenTtlSeconds,
    };
  }
}
