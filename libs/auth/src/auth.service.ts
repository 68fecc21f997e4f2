import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, DomainException, newId, parseToken, type RequestMeta, type UserPrincipal } from '@mend/core';
import { queryRows, TenantDatabase } from '@mend/database';
import {
  invitationsRepository,
  normaliseEmail,
  toClinicView,
  toUserView,
  usersRepository,
  type ClinicView,
  type UserRow,
  type UserView,
} from '@mend/identity';
import { JobName, OutboxWriter } from '@mend/queue';

import { asMfaLockout, MFA_PROBLEM } from './mfa.problems.js';
import { mfaRepository } from './mfa.repository.js';
import { MFA_CHALLENGE_MAX_FAILURES, MfaService, type MfaChallenge } from './mfa.service.js';
import { PasswordHasher } from './password.hasher.js';
import { PasswordPolicy } from './password.policy.js';
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

/** What login answers: a session, or (for users enrolled in MFA) a challenge to answer first. */
export type LoginResult = SessionResult | MfaChallenge;

/** The code step's session; `recoveryCodes` (shown once) when the step completed an enrolment. */
export interface MfaSessionResult extends SessionResult {
  recoveryCodes?: string[];
}

export interface RecentAuthResult {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  authenticatedAt: Date;
}

export interface InvitationPreview {
  clinicName: string;
  /** The name of the person who sent the invitation (null when they have since been removed). */
  inviterName: string | null;
  name: string;
  email: string;
  role: UserView['role'];
  expiresAt: Date;
  status: 'open' | 'accepted' | 'expired' | 'revoked';
}

/** A clinic id no clinic has: lookups under it find nothing (and RLS would hide anything anyway). */
const NIL_CLINIC = '00000000-0000-0000-0000-000000000000';

const INVALID_LOGIN = 'Invalid clinic, email or password';

function invalidCredentials(): DomainException {
  return new DomainException('unauthenticated', INVALID_LOGIN);
}

function invalidRefresh(): DomainException {
  return new DomainException('unauthenticated', 'The refresh token is not valid');
}

function invalidChallenge(): DomainException {
  return new DomainException('unauthenticated', 'This sign-in expired or was already completed; sign in again', {
    type: MFA_PROBLEM.stepEnded,
  });
}

function invalidCode(): DomainException {
  return new DomainException('unauthenticated', 'The code is not valid', { type: MFA_PROBLEM.codeInvalid });
}

function invalidReset(): DomainException {
  return new DomainException('gone', 'This password reset link is not valid any more; ask for a new one');
}

/** 0 below the threshold, then 250 ms doubling per further failure, capped at 2 s. */
export function loginDelayMs(recentFailures: number, delayAfter: number): number {
  if (recentFailures < delayAfter) return 0;
  return Math.min(2000, 250 * 2 ** (recentFailures - delayAfter));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function revokeFamily(tx: EntityManager, clinicId: string, familyId: string, reason: string): Promise<void> {
  await tx.query(
    `UPDATE refresh_token SET revoked_at = mend_now(), revoked_reason = $3 WHERE clinic_id = $1 AND family_id = $2 AND revoked_at IS NULL`,
    [clinicId, familyId, reason],
  );
}

export async function revokeUserFamilies(
  tx: EntityManager,
  clinicId: string,
  userId: string,
  reason: string,
): Promise<void> {
  await tx.query(
    `UPDATE refresh_token SET revoked_at = mend_now(), revoked_reason = $3 WHERE clinic_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
    [clinicId, userId, reason],
  );
}

interface RefreshRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  family_expires_at: Date;
  authenticated_at: Date | null;
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
    private readonly outbox: OutboxWriter,
    private readonly policy: PasswordPolicy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly mfa: MfaService,
  ) {}

  async signUp(input: SignUpInput, meta: RequestMeta): Promise<SignUpResult> {
    await this.limits.consume('signupPerIp', meta.ip);
    this.policy.require(
      input.admin.password,
      [input.admin.email, input.admin.name, input.name, input.slug],
      'admin.password',
    );
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
   * after the same argon2 work, and no sooner than `loginFailureMinMs` after the request
   * arrived, so neither the answer nor its timing tells them apart.
   *
   * Lock-out that a stranger cannot trigger: failures are refused outright only per account
   * *and* source address; failures of the account from every source only slow its logins down
   * (doubling up to 2 s, the right password included) and email its owner once per window.
   */
  async login(input: LoginInput, meta: RequestMeta): Promise<LoginResult> {
    const startedAt = performance.now();
    const slug = input.clinic.trim().toLowerCase();
    const email = normaliseEmail(input.email);
    const accountKey = `${slug}:${email}`;
    const sourceKey = `${accountKey}|${meta.ip}`;
    await this.limits.consume('loginPerIp', meta.ip);
    await this.limits.assertNotBlocked('loginFailuresPerSource', sourceKey);
    const delayMs = loginDelayMs(
      await this.limits.count('loginFailuresPerAccount', accountKey),
      this.config.auth.loginDelayAfterFailures,
    );
    if (delayMs > 0) await sleep(delayMs);

    const refuse = async (clinicId: string | null, user: UserRow | null): Promise<never> => {
      const failures = await this.limits.increment('loginFailuresPerAccount', accountKey);
      await this.limits.consume('loginFailuresPerSource', sourceKey).catch(() => undefined);
      if (clinicId) {
        await this.db.withClinic(clinicId, async (tx) => {
          await this.audit.record(tx, {
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
          // Once per window, when the account's failures reach the threshold: its owner hears of it.
          if (user && failures === this.config.auth.loginNoticeAfterFailures) {
            await this.outbox.enqueue(tx, clinicId, {
              name: JobName.LoginFailuresEmail,
              data: { clinicId, userId: user.id },
            });
          }
        });
      }
      const remaining = startedAt + delayMs + this.config.auth.loginFailureMinMs - performance.now();
      if (remaining > 0) await sleep(remaining);
      throw invalidCredentials();
    };

    const clinicId = await this.db.clinicIdBySlug(slug);
    if (!clinicId) {
      // The same round trip as a known clinic's user lookup, so an unknown slug is not the fast path.
      await this.db.withClinic(NIL_CLINIC, (tx) => usersRepository.findByEmail(tx, NIL_CLINIC, email));
      await this.hasher.verifyNothing(input.password);
      return refuse(null, null);
    }
    const user = await this.db.withClinic(clinicId, (tx) => usersRepository.findByEmail(tx, clinicId, email));
    const usable = user && user.password_hash && !user.disabled_at;
    const ok = usable
      ? await this.hasher.verify(user.password_hash, input.password)
      : await this.hasher.verifyNothing(input.password);
    if (!ok || !user) return refuse(clinicId, user);
    await this.limits.reset('loginFailuresPerSource', sourceKey);
    await this.limits.reset('loginFailuresPerAccount', accountKey);
    // Enrolled users (and staff a clinic requires to enrol) answer a code before they get a session.
    const challenge = await this.mfa.challengeAfterPassword(clinicId, user);
    if (challenge) return challenge;
    return this.startSession(clinicId, user, meta);
  }

  /**
   * The code step of a two-step sign-in: the challenge from the password step (single use, 5
   * minutes, at most five wrong codes) and a TOTP code or an unused recovery code; for an
   * enrolment challenge, the authenticator's first code. Wrong codes count like wrong passwords:
   * refused per account and source, slowed down per account.
   */
  async completeMfaLogin(input: { mfaToken: string; code: string }, meta: RequestMeta): Promise<MfaSessionResult> {
    await this.limits.consume('loginPerIp', meta.ip);
    const parsed = parseToken('mc', input.mfaToken);
    if (!parsed) throw invalidChallenge();
    const { clinicId, hash } = parsed;
    const pending = await this.db.withClinic(clinicId, (tx) => mfaRepository.findChallenge(tx, clinicId, hash));
    if (!pending || pending.used_at || pending.expires_at <= this.clock.now()) throw invalidChallenge();
    const accountKey = `mfa:${clinicId}:${pending.user_id}`;
    const sourceKey = `${accountKey}|${meta.ip}`;
    await this.limits.assertNotBlocked('loginFailuresPerSource', sourceKey).catch((error: unknown) => {
      throw asMfaLockout(error);
    });
    const delayMs = loginDelayMs(
      await this.limits.count('loginFailuresPerAccount', accountKey),
      this.config.auth.loginDelayAfterFailures,
    );
    if (delayMs > 0) await sleep(delayMs);

    const outcome = await this.db.withClinic(clinicId, async (tx) => {
      const challenge = await mfaRepository.findChallenge(tx, clinicId, hash, true);
      if (!challenge || challenge.used_at || challenge.expires_at <= this.clock.now())
        return { kind: 'expired' as const };
      const user = await usersRepository.findById(tx, clinicId, challenge.user_id);
      if (!user || user.disabled_at) return { kind: 'expired' as const };
      let recoveryCodes: string[] | undefined;
      let method: 'totp' | 'recovery' | null;
      if (challenge.purpose === 'enrol') {
        recoveryCodes = (await this.mfa.enableWithCode(tx, clinicId, user.id, input.code)) ?? undefined;
        method = recoveryCodes ? 'totp' : null;
      } else {
        method = await this.mfa.checkCode(tx, clinicId, user.id, input.code, { allowRecovery: true });
      }
      if (!method) {
        await mfaRepository.countChallengeFailure(tx, clinicId, challenge.id, MFA_CHALLENGE_MAX_FAILURES);
        return { kind: 'wrong' as const, user };
      }
      await mfaRepository.markChallengeUsed(tx, clinicId, challenge.id);
      if (recoveryCodes)
        await this.audit.record(tx, this.mfa.anonymousEntry(clinicId, user.id, 'mfa.enrol', meta, 'success'));
      if (method === 'recovery')
        await this.audit.record(
          tx,
          this.mfa.anonymousEntry(clinicId, user.id, 'mfa.recovery_code_use', meta, 'success'),
        );
      return { kind: 'ok' as const, user, recoveryCodes };
    });
    if (outcome.kind === 'expired') throw invalidChallenge();
    if (outcome.kind === 'wrong') {
      await this.limits.increment('loginFailuresPerAccount', accountKey);
      await this.limits.consume('loginFailuresPerSource', sourceKey).catch(() => undefined);
      await this.audit.recordAlone(
        this.mfa.anonymousEntry(clinicId, outcome.user.id, 'auth.login_mfa', meta, 'failure'),
      );
      throw invalidCode();
    }
    await this.limits.reset('loginFailuresPerSource', sourceKey);
    await this.limits.reset('loginFailuresPerAccount', accountKey);
    const session = await this.startSession(clinicId, outcome.user, meta);
    return outcome.recoveryCodes ? { ...session, recoveryCodes: outcome.recoveryCodes } : session;
  }

  /**
   * Re-authentication for sensitive actions: the password (or, for users with a second factor, a
   * current code) again. The sign-in's authentication time moves to now and a new access token
   * carries it (`auth_time`); the refresh token stays as it is.
   */
  async reauthenticate(
    principal: UserPrincipal,
    input: { password?: string; code?: string },
  ): Promise<RecentAuthResult> {
    const { clinicId, userId } = principal;
    const key = `reauth:${clinicId}:${userId}`;
    await this.limits.assertNotBlocked('loginFailuresPerSource', key);
    const user = await this.db.withClinic(clinicId, (tx) => usersRepository.findById(tx, clinicId, userId));
    if (!user) throw DomainException.notFound('User');
    if (user.mfa_enabled_at && !input.code)
      throw new DomainException('invalid', 'Give a code from your authenticator (or a recovery code)', {
        errors: [{ field: 'code', message: 'code is required for users with a second factor' }],
        type: MFA_PROBLEM.codeRequired,
      });
    if (!user.mfa_enabled_at && !input.password)
      throw new DomainException('invalid', 'Give your password', {
        errors: [{ field: 'password', message: 'password is required' }],
      });
    const isPasswordRight =
      user.mfa_enabled_at || !input.password ? false : await this.hasher.verify(user.password_hash, input.password);
    const now = this.clock.now();
    const isProven = await this.db.withClinic(clinicId, async (tx) => {
      const ok = user.mfa_enabled_at
        ? (await this.mfa.checkCode(tx, clinicId, userId, input.code!, { allowRecovery: true })) !== null
        : isPasswordRight;
      if (!ok) return false;
      await mfaRepository.markFamilyAuthenticated(tx, clinicId, principal.familyId, now);
      await this.audit.record(tx, this.audit.entryFor(principal, 'auth.reauth', 'user', userId));
      return true;
    });
    if (!isProven) {
      await this.limits.consume('loginFailuresPerSource', key).catch(() => undefined);
      await this.audit.recordAlone(this.audit.entryFor(principal, 'auth.reauth', 'user', userId, 'failure'));
      throw new DomainException('invalid', 'The password or code is not valid', {
        errors: [{ field: user.mfa_enabled_at ? 'code' : 'password', message: 'not valid' }],
        ...(user.mfa_enabled_at ? { type: MFA_PROBLEM.codeInvalid } : {}),
      });
    }
    await this.limits.reset('loginFailuresPerSource', key);
    return {
      accessToken: this.tokens.signAccess({
        sub: userId,
        cid: clinicId,
        role: user.role,
        fam: principal.familyId,
        auth_time: Math.floor(now.getTime() / 1000),
      }),
      tokenType: 'Bearer',
      expiresIn: this.config.auth.accessTokenTtlSeconds,
      authenticatedAt: now,
    };
  }

  /** A new sign-in (a new refresh family) for a user whose credentials were verified. */
  async startSession(clinicId: string, user: UserRow, meta: RequestMeta): Promise<SessionResult> {
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
   * token issued from it. A family ends for good `refreshFamilyMaxDays` after its sign-in.
   */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<SessionResult> {
    const parsed = parseToken('rt', refreshToken);
    if (!parsed) throw invalidRefresh();
    const { clinicId, hash } = parsed;
    const now = this.clock.now();
    const outcome = await this.db.withClinic(clinicId, async (tx) => {
      const rows: RefreshRow[] = await tx.query(
        `SELECT r.id, r.user_id, r.family_id, r.expires_at, r.family_expires_at, r.authenticated_at, r.rotated_at, r.revoked_at,
                u.role, u.disabled_at
         FROM refresh_token r JOIN "user" u ON u.clinic_id = r.clinic_id AND u.id = r.user_id
         WHERE r.clinic_id = $1 AND r.token_hash = $2 FOR UPDATE OF r`,
        [clinicId, hash],
      );
      const row = rows[0];
      if (!row || row.revoked_at) return null;
      if (row.rotated_at) {
        await revokeFamily(tx, clinicId, row.family_id, 'reuse');
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
      if (row.expires_at <= now || row.family_expires_at <= now || row.disabled_at) return null;
      await tx.query(`UPDATE refresh_token SET rotated_at = mend_now() WHERE clinic_id = $1 AND id = $2`, [
        clinicId,
        row.id,
      ]);
      const pair = await this.tokens.issuePair(
        tx,
        { clinicId, userId: row.user_id, role: row.role },
        { id: row.family_id, expiresAt: row.family_expires_at, authenticatedAt: row.authenticated_at },
        now,
      );
      const user = await usersRepository.findById(tx, clinicId, row.user_id);
      return { user: toUserView(user!), ...pair };
    });
    if (!outcome) throw invalidRefresh();
    return outcome;
  }

  async logout(principal: UserPrincipal): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      await revokeFamily(tx, principal.clinicId, principal.familyId, 'logout');
      await this.audit.record(tx, this.audit.entryFor(principal, 'auth.logout', 'user', principal.userId));
    });
  }

  /** Cookie-mode sign-out: ends the family of the presented refresh token (whatever its state). */
  async logoutByRefreshToken(refreshToken: string, meta: RequestMeta): Promise<void> {
    const parsed = parseToken('rt', refreshToken);
    if (!parsed) return;
    await this.db.withClinic(parsed.clinicId, async (tx) => {
      const rows: Array<{ user_id: string; family_id: string }> = await tx.query(
        `SELECT user_id, family_id FROM refresh_token WHERE clinic_id = $1 AND token_hash = $2`,
        [parsed.clinicId, parsed.hash],
      );
      if (!rows[0]) return;
      await revokeFamily(tx, parsed.clinicId, rows[0].family_id, 'logout');
      await this.audit.record(tx, {
        clinicId: parsed.clinicId,
        actorType: 'user',
        actorId: rows[0].user_id,
        action: 'auth.logout',
        resourceType: 'user',
        resourceId: rows[0].user_id,
        outcome: 'success',
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
  }

  /** "Sign out everywhere": every sign-in of the user ends, this one included. */
  async logoutEverywhere(principal: UserPrincipal): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      await revokeUserFamilies(tx, principal.clinicId, principal.userId, 'logout_all');
      await this.audit.record(tx, this.audit.entryFor(principal, 'auth.logout_all', 'user', principal.userId));
    });
  }

  /**
   * Changes the password after checking the current one; every other sign-in of the user ends
   * (this one stays, so the person who changed it is not thrown out).
   */
  async changePassword(
    principal: UserPrincipal,
    input: { currentPassword: string; newPassword: string },
  ): Promise<void> {
    const { clinicId, userId } = principal;
    const user = await this.db.withClinic(clinicId, (tx) => usersRepository.findById(tx, clinicId, userId));
    if (!user) throw DomainException.notFound('User');
    const accountKey = `password-change:${clinicId}:${userId}`;
    await this.limits.assertNotBlocked('loginFailuresPerSource', accountKey);
    if (!(await this.hasher.verify(user.password_hash, input.currentPassword))) {
      await this.limits.consume('loginFailuresPerSource', accountKey).catch(() => undefined);
      await this.audit.recordAlone(this.audit.entryFor(principal, 'user.password_change', 'user', userId, 'failure'));
      throw new DomainException('invalid', 'The current password is not correct', {
        errors: [{ field: 'currentPassword', message: 'currentPassword is not correct' }],
      });
    }
    const clinic = await this.db.withClinic(clinicId, (tx) => usersRepository.findClinic(tx, clinicId));
    this.policy.require(
      input.newPassword,
      [user.email, user.name, clinic?.name ?? '', clinic?.slug ?? ''],
      'newPassword',
    );
    const passwordHash = await this.hasher.hash(input.newPassword);
    await this.db.withClinic(clinicId, async (tx) => {
      await usersRepository.update(tx, clinicId, userId, {
        password_hash: passwordHash,
        password_changed_at: this.clock.now(),
      });
      await tx.query(
        `UPDATE refresh_token SET revoked_at = mend_now(), revoked_reason = 'password_change'
          WHERE clinic_id = $1 AND user_id = $2 AND family_id <> $3 AND revoked_at IS NULL`,
        [clinicId, userId, principal.familyId],
      );
      await tx.query(
        `UPDATE password_reset SET used_at = mend_now() WHERE clinic_id = $1 AND user_id = $2 AND used_at IS NULL`,
        [clinicId, userId],
      );
      await this.audit.record(tx, this.audit.entryFor(principal, 'user.password_change', 'user', userId));
    });
    await this.limits.reset('loginFailuresPerSource', accountKey);
  }

  /**
   * Forgot password: always the same answer (202, nothing in it) whether or not the clinic and
   * email exist. For an active user, a reset request is stored and the worker emails the link.
   */
  async forgotPassword(input: { clinic: string; email: string }, meta: RequestMeta): Promise<void> {
    const startedAt = performance.now();
    const slug = input.clinic.trim().toLowerCase();
    const email = normaliseEmail(input.email);
    await this.limits.consume('passwordResetPerIp', meta.ip);
    const isWithinAccountBudget = await this.limits.tryConsume('passwordResetPerAccount', `${slug}:${email}`);
    const clinicId = await this.db.clinicIdBySlug(slug);
    if (clinicId && isWithinAccountBudget) {
      await this.db.withClinic(clinicId, async (tx) => {
        const user = await usersRepository.findByEmail(tx, clinicId, email);
        if (!user || !user.password_hash || user.disabled_at) return;
        const resetId = newId();
        await tx.query(`INSERT INTO password_reset (clinic_id, id, user_id, expires_at) VALUES ($1, $2, $3, $4)`, [
          clinicId,
          resetId,
          user.id,
          new Date(this.clock.nowMs() + this.config.auth.passwordResetTtlMinutes * 60_000),
        ]);
        await this.outbox.enqueue(tx, clinicId, { name: JobName.PasswordResetEmail, data: { clinicId, resetId } });
        await this.audit.record(tx, {
          clinicId,
          actorType: 'anonymous',
          actorId: null,
          action: 'user.password_reset_request',
          resourceType: 'user',
          resourceId: user.id,
          outcome: 'success',
          requestId: meta.requestId,
          ip: meta.ip,
        });
      });
    }
    // The same answer time whether or not anything was stored.
    const remaining = startedAt + this.config.auth.loginFailureMinMs - performance.now();
    if (remaining > 0) await sleep(remaining);
  }

  /** Sets a new password with an emailed reset token (single use, 1 h); every sign-in of the user ends. */
  async resetPassword(input: { token: string; password: string }, meta: RequestMeta): Promise<void> {
    await this.limits.consume('passwordResetPerIp', meta.ip);
    const parsed = parseToken('pr', input.token);
    if (!parsed) throw invalidReset();
    const { clinicId, hash } = parsed;
    const target = await this.db.withClinic(clinicId, async (tx) => {
      const rows: Array<{ id: string; user_id: string; expires_at: Date; used_at: Date | null }> = await tx.query(
        `SELECT id, user_id, expires_at, used_at FROM password_reset WHERE clinic_id = $1 AND token_hash = $2`,
        [clinicId, hash],
      );
      const reset = rows[0];
      if (!reset || reset.used_at || reset.expires_at <= this.clock.now()) return null;
      const user = await usersRepository.findById(tx, clinicId, reset.user_id);
      const clinic = await usersRepository.findClinic(tx, clinicId);
      if (!user || user.disabled_at) return null;
      return { reset, user, clinic };
    });
    if (!target) throw invalidReset();
    const { user, clinic } = target;
    this.policy.require(input.password, [user.email, user.name, clinic?.name ?? '', clinic?.slug ?? '']);
    const passwordHash = await this.hasher.hash(input.password);
    await this.db.withClinic(clinicId, async (tx) => {
      // Claimed under the row lock: of two concurrent uses of one link, only one sets the password.
      const claimed = await queryRows<{ id: string }>(
        tx,
        `UPDATE password_reset SET used_at = mend_now()
          WHERE clinic_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > mend_now() RETURNING id`,
        [clinicId, target.reset.id],
      );
      if (claimed.length === 0) throw invalidReset();
      await tx.query(
        `UPDATE password_reset SET used_at = mend_now() WHERE clinic_id = $1 AND user_id = $2 AND used_at IS NULL`,
        [clinicId, user.id],
      );
      await usersRepository.update(tx, clinicId, user.id, {
        password_hash: passwordHash,
        password_changed_at: this.clock.now(),
      });
      await revokeUserFamilies(tx, clinicId, user.id, 'password_reset');
      await this.audit.record(tx, {
        clinicId,
        actorType: 'user',
        actorId: user.id,
        action: 'user.password_reset',
        resourceType: 'user',
        resourceId: user.id,
        outcome: 'success',
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    await this.limits.reset('loginFailuresPerAccount', `${clinic?.slug}:${user.email}`);
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
      const inviter = invitation.created_by
        ? await usersRepository.findById(tx, parsed.clinicId, invitation.created_by)
        : null;
      const status = invitation.accepted_at
        ? 'accepted'
        : invitation.revoked_at
          ? 'revoked'
          : invitation.expires_at.getTime() <= this.clock.nowMs()
            ? 'expired'
            : 'open';
      return {
        clinicName: clinic.name,
        inviterName: inviter?.name ?? null,
        name: user.name,
        email: user.email,
        role: user.role,
        expiresAt: invitation.expires_at,
        status,
      };
    });
  }

  /** Single use: the first accept sets the password; any later use of the link is refused. */
  async acceptInvitation(token: string, password: string, meta: RequestMeta): Promise<LoginResult> {
    const parsed = parseToken('inv', token);
    if (!parsed) throw DomainException.notFound('Invitation');
    const { clinicId, hash } = parsed;
    const invitee = await this.db.withClinic(clinicId, async (tx) => {
      const invitation = await invitationsRepository.findByHash(tx, clinicId, hash);
      return invitation ? usersRepository.findById(tx, clinicId, invitation.user_id) : null;
    });
    if (!invitee) throw DomainException.notFound('Invitation');
    this.policy.require(password, [invitee.email, invitee.name]);
    const passwordHash = await this.hasher.hash(password);
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
      const auditAccept = {
        clinicId,
        actorType: 'user' as const,
        actorId: user.id,
        action: 'invitation.accept',
        resourceType: 'user',
        resourceId: user.id,
        outcome: 'success' as const,
        requestId: meta.requestId,
        ip: meta.ip,
      };
      await this.audit.record(tx, auditAccept);
      // A clinic that requires a second factor of staff: the new staff member enrols before any session.
      if (await this.mfa.isRequiredFor(tx, clinicId, user.role)) {
        const enrolment = await this.mfa.pendingSecret(tx, clinicId, user.id);
        return { ...(await this.mfa.issueChallenge(tx, clinicId, user.id, 'enrol')), enrolment };
      }
      const pair = await this.tokens.issuePair(tx, { clinicId, userId: user.id, role: user.role });
      return { user: toUserView(updated!), ...pair };
    });
  }
}
