import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { Clock, DomainException, newId, parseToken, type RequestMeta, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import {
  invitationsRepository,
  normaliseEmail,
  toClinicView,
  toUserView,
  usersRepository,
  type ClinicView,
  type UserView,
} from '@mend/identity';

import { PasswordHasher } from './password.hasher.js';
import { RateLimitService } from './rate-limit.service.js';
import { TokenService, type TokenPair } from './token.service.js';

export interface SignUpInput {
  name: string;
  slug: string;
  timezone: string;
  admin: { name: string; email: string; password: string };
}

export interface LoginInput {
  clinic: string;
  email: string;
  password: string;
}

export interface SignUpResult extends TokenPair {
  clinic: ClinicView;
  user: UserView;
}

export interface SessionResult extends TokenPair {
  user: UserView;
}

export interface InvitationPreview {
  clinicName: string;
  name: string;
  email: string;
  role: UserView['role'];
  expiresAt: Date;
  status: 'open' | 'accepted' | 'expired' | 'revoked';
}

const INVALID_LOGIN = 'Invalid clinic, email or password';

function invalidCredentials(): DomainException {
  return new DomainException('unauthenticated', INVALID_LOGIN);
}

function invalidRefresh(): DomainException {
  return new DomainException('unauthenticated', 'The refresh token is not valid');
}

interface RefreshRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  role: UserView['role'];
  disabled_at: Date | null;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly limits: RateLimitService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async signUp(input: SignUpInput, meta: RequestMeta): Promise<SignUpResult> {
    await this.limits.consume('signupPerIp', meta.ip);
    const passwordHash = await this.hasher.hash(input.admin.password);
    const clinicId = newId();
    try {
      return await this.db.withClinic(clinicId, async (tx) => {
        const clinic = await usersRepository.insertClinic(tx, {
          id: clinicId,
          name: input.name.trim(),
          slug: input.slug,
          timezone: input.timezone,
        });
        const user = await usersRepository.insert(tx, {
          clinicId,
          id: newId(),
          email: normaliseEmail(input.admin.email),
          name: input.admin.name.trim(),
          role: 'admin',
          timezone: input.timezone,
          passwordHash,
        });
        const pair = await this.tokens.issuePair(tx, { clinicId, userId: user.id, role: 'admin' });
        await this.audit.record(tx, {
          clinicId,
          actorType: 'user',
          actorId: user.id,
          action: 'clinic.create',
          resourceType: 'clinic',
          resourceId: clinicId,
          outcome: 'success',
          requestId: meta.requestId,
          ip: meta.ip,
        });
        return { clinic: toClinicView(clinic), user: toUserView(user), ...pair };
      });
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).constraint === 'clinic_slug_key') {
        throw new DomainException('conflict', 'This clinic slug is already taken', {
          errors: [{ field: 'slug', message: 'slug is already taken' }],
        });
      }
      throw error;
    }
  }

  /**
   * Unknown clinic, unknown email, disabled account and wrong password answer the same 401
   * after the same argon2 work, so the answer and its timing reveal nothing.
   */
  async login(input: LoginInput, meta: RequestMeta): Promise<SessionResult> {
    const slug = input.clinic.trim().toLowerCase();
    const email = normaliseEmail(input.email);
    const accountKey = `${slug}:${email}`;
    await this.limits.consume('loginPerIp', meta.ip);
    await this.limits.assertNotBlocked('loginFailuresPerAccount', accountKey);

    const clinicId = await this.db.clinicIdBySlug(slug);
    if (!clinicId) {
      await this.hasher.verifyNothing(input.password);
      await this.limits.consume('loginFailuresPerAccount', accountKey);
      throw invalidCredentials();
    }
    const user = await this.db.withClinic(clinicId, (tx) => usersRepository.findByEmail(tx, clinicId, email));
    const usable = user && user.password_hash && !user.disabled_at;
    const ok = usable
      ? await this.hasher.verify(user.password_hash, input.password)
      : await this.hasher.verifyNothing(input.password);
    if (!ok || !user) {
      await this.audit.recordAlone({
        clinicId,
        actorType: user ? 'user' : 'anonymous',
        actorId: user?.id ?? null,
        action: 'auth.login',
        resourceType: 'user',
        resourceId: user?.id ?? null,
        outcome: 'failure',
        requestId: meta.requestId,
        ip: meta.ip,
      });
      await this.limits.consume('loginFailuresPerAccount', accountKey);
      throw invalidCredentials();
    }
    await this.limits.reset('loginFailuresPerAccount', accountKey);
    return this.db.withClinic(clinicId, async (tx) => {
      const pair = await this.tokens.issuePair(tx, { clinicId, userId: user.id, role: user.role });
      await this.audit.record(tx, {
        clinicId,
        actorType: 'user',
        actorId: user.id,
        action: 'auth.login',
        resourceType: 'user',
        resourceId: user.id,
        outcome: 'success',
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return { user: toUserView(user), ...pair };
    });
  }

  /**
   * Rotation: each refresh token works once. Presenting one that was already rotated means it
   * leaked (or a client misbehaved): the whole family is revoked, which also ends every access
   * token issued from it.
   */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<SessionResult> {
    const parsed = parseToken('rt', refreshToken);
    if (!parsed) throw invalidRefresh();
    const { clinicId, hash } = parsed;
    const outcome = await this.db.withClinic(clinicId, async (tx) => {
      const rows: RefreshRow[] = await tx.query(
        `SELECT r.id, r.user_id, r.family_id, r.expires_at, r.rotated_at, r.revoked_at, u.role, u.disabled_at
         FROM refresh_token r JOIN "user" u ON u.clinic_id = r.clinic_id AND u.id = r.user_id
         WHERE r.clinic_id = $1 AND r.token_hash = $2 FOR UPDATE OF r`,
        [clinicId, hash],
      );
      const row = rows[0];
      if (!row || row.revoked_at) return null;
      if (row.rotated_at) {
        await tx.query(
          `UPDATE refresh_token SET revoked_at = mend_now(), revoked_reason = 'reuse' WHERE clinic_id = $1 AND family_id = $2 AND revoked_at IS NULL`,
          [clinicId, row.family_id],
        );
        await this.audit.record(tx, {
          clinicId,
          actorType: 'user',
          actorId: row.user_id,
          action: 'auth.refresh_reuse',
          resourceType: 'user',
          resourceId: row.user_id,
          outcome: 'denied',
          requestId: meta.requestId,
          ip: meta.ip,
        });
        return null;
      }
      if (row.expires_at.getTime() <= this.clock.nowMs() || row.disabled_at) return null;
      await tx.query(`UPDATE refresh_token SET rotated_at = mend_now() WHERE clinic_id = $1 AND id = $2`, [
        clinicId,
        row.id,
      ]);
      const pair = await this.tokens.issuePair(tx, { clinicId, userId: row.user_id, role: row.role }, row.family_id);
      const user = await usersRepository.findById(tx, clinicId, row.user_id);
      return { user: toUserView(user!), ...pair };
    });
    if (!outcome) throw invalidRefresh();
    return outcome;
  }

  async logout(principal: UserPrincipal): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      await tx.query(
        `UPDATE refresh_token SET revoked_at = mend_now(), revoked_reason = 'logout' WHERE clinic_id = $1 AND family_id = $2 AND revoked_at IS NULL`,
        [principal.clinicId, principal.familyId],
      );
      await this.audit.record(tx, this.audit.entryFor(principal, 'auth.logout', 'user', principal.userId));
    });
  }

  async previewInvitation(token: string): Promise<InvitationPreview> {
    const parsed = parseToken('inv', token);
    if (!parsed) throw DomainException.notFound('Invitation');
    return this.db.withClinic(parsed.clinicId, async (tx) => {
      const invitation = await invitationsRepository.findByHash(tx, parsed.clinicId, parsed.hash);
      if (!invitation) throw DomainException.notFound('Invitation');
      const user = await usersRepository.findById(tx, parsed.clinicId, invitation.user_id);
      const clinic = await usersRepository.findClinic(tx, parsed.clinicId);
      if (!user || !clinic) throw DomainException.notFound('Invitation');
      const status = invitation.accepted_at
        ? 'accepted'
        : invitation.revoked_at
          ? 'revoked'
          : invitation.expires_at.getTime() <= this.clock.nowMs()
            ? 'expired'
            : 'open';
      return {
        clinicName: clinic.name,
        name: user.name,
        email: user.email,
        role: user.role,
        expiresAt: invitation.expires_at,
        status,
      };
    });
  }

  /** Single use: the first accept sets the password; any later use of the link is refused. */
  async acceptInvitation(token: string, password: string, meta: RequestMeta): Promise<SessionResult> {
    const parsed = parseToken('inv', token);
    if (!parsed) throw DomainException.notFound('Invitation');
    const passwordHash = await this.hasher.hash(password);
    const { clinicId, hash } = parsed;
    return this.db.withClinic(clinicId, async (tx) => {
      const invitation = await invitationsRepository.findByHash(tx, clinicId, hash, true);
      if (!invitation) throw DomainException.notFound('Invitation');
      if (invitation.accepted_at)
        throw new DomainException('conflict', 'This invitation has already been used; sign in instead');
      if (invitation.revoked_at)
        throw new DomainException('gone', 'This invitation is no longer valid; ask for a new one');
      if (invitation.expires_at.getTime() <= this.clock.nowMs())
        throw new DomainException('gone', 'This invitation has expired; ask for a new one');
      const user = await usersRepository.findById(tx, clinicId, invitation.user_id);
      if (!user || user.disabled_at)
        throw new DomainException('gone', 'This invitation is no longer valid; ask for a new one');
      const updated = await usersRepository.update(tx, clinicId, user.id, { password_hash: passwordHash });
      await invitationsRepository.markAccepted(tx, clinicId, invitation.id, user.id);
      const pair = await this.tokens.issuePair(tx, { clinicId, userId: user.id, role: user.role });
      await this.audit.record(tx, {
        clinicId,
        actorType: 'user',
        actorId: user.id,
        action: 'invitation.accept',
        resourceType: 'user',
        resourceId: user.id,
        outcome: 'success',
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return { user: toUserView(updated!), ...pair };
    });
  }
}
