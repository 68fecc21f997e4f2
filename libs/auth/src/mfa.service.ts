import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, DomainException, issueToken, newId, type RequestMeta, type Role, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { usersRepository, type UserRow } from '@mend/identity';

import { hashRecoveryCode, MfaSecretBox, newRecoveryCodes, normaliseRecoveryCode } from './mfa-secret.js';
import { MFA_PROBLEM } from './mfa.problems.js';
import { mfaRepository } from './mfa.repository.js';
import { PasswordHasher } from './password.hasher.js';
import { RateLimitService } from './rate-limit.service.js';
import { clinicSecuritySettings } from './security-settings.service.js';
import { newTotpSecret, totpUri, verifyTotp } from './totp.js';

export const RECOVERY_CODE_COUNT = 10;
/** Wrong codes one sign-in challenge accepts before it is spent (the password must be given again). */
export const MFA_CHALLENGE_MAX_FAILURES = 5;

export interface TotpEnrolment {
  /** Base32 secret, for typing into an authenticator by hand. */
  secret: string;
  /** otpauth:// URI (show it as a QR code). */
  otpauthUri: string;
}

export interface MfaStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
  /** The clinic requires a second factor of this user's role. */
  required: boolean;
}

/** What the password step answers when a code must follow. */
export interface MfaChallenge {
  mfaRequired: true;
  /** Short-lived (5 min), single-use proof that the password was right; exchanged with a code at /v1/auth/login/mfa. */
  mfaToken: string;
  expiresIn: number;
  /** Present when the clinic requires a second factor and the user has none yet: enrol with it, then answer its first code. */
  enrolment?: TotpEnrolment;
}

const STAFF: Role[] = ['admin', 'therapist'];

function wrongCode(): DomainException {
  return new DomainException('invalid', 'The code is not valid', {
    errors: [{ field: 'code', message: 'code is not a current authenticator code or an unused recovery code' }],
    type: MFA_PROBLEM.codeInvalid,
  });
}

/**
 * The staff second factor: TOTP (RFC 6238) with ten single-use recovery codes. Enrolment,
 * removal and recovery-code use are audited. Codes are checked here for the sign-in's code step,
 * for re-authentication and for removal; a TOTP step is accepted once (no replay).
 */
@Injectable()
export class MfaService {
  private readonly box: MfaSecretBox;

  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly hasher: PasswordHasher,
    private readonly limits: RateLimitService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new MfaSecretBox(config.auth.jwtSecret);
  }

  async isRequiredFor(tx: EntityManager, clinicId: string, role: Role): Promise<boolean> {
    if (!STAFF.includes(role)) return false;
    const clinic = await usersRepository.findClinic(tx, clinicId);
    return clinicSecuritySettings(clinic?.settings).requireMfaForStaff;
  }

  async status(principal: UserPrincipal): Promise<MfaStatus> {
    const { clinicId, userId } = principal;
    return this.db.withClinic(clinicId, async (tx) => {
      const row = await mfaRepository.findUserSecret(tx, clinicId, userId);
      return {
        enabled: Boolean(row?.mfa_enabled_at),
        enabledAt: row?.mfa_enabled_at ?? null,
        recoveryCodesLeft: row?.mfa_enabled_at ? await mfaRepository.countUnusedRecoveryCodes(tx, clinicId, userId) : 0,
        required: await this.isRequiredFor(tx, clinicId, principal.role),
      };
    });
  }

  /** Starts (or restarts) enrolment: a new secret waits for its first code. */
  async startEnrolment(principal: UserPrincipal): Promise<TotpEnrolment> {
    const { clinicId, userId } = principal;
    return this.db.withClinic(clinicId, async (tx) => {
      const row = await mfaRepository.findUserSecret(tx, clinicId, userId, true);
      if (row?.mfa_enabled_at)
        throw new DomainException('conflict', 'A second factor is already set up; remove it first to replace it');
      const enrolment = await this.pendingSecret(tx, clinicId, userId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'mfa.enrol_start', 'user', userId));
      return enrolment;
    });
  }

  /** Inside the caller's transaction: a fresh pending secret for the user. */
  async pendingSecret(tx: EntityManager, clinicId: string, userId: string): Promise<TotpEnrolment> {
    const user = await usersRepository.findById(tx, clinicId, userId);
    const clinic = await usersRepository.findClinic(tx, clinicId);
    const secret = newTotpSecret();
    await mfaRepository.setPendingSecret(tx, clinicId, userId, this.box.seal(secret));
    return { secret, otpauthUri: totpUri(secret, 'Mend', `${user?.email ?? userId} (${clinic?.slug ?? ''})`) };
  }

  /** The first code from the authenticator turns the pending secret on; answers the recovery codes (shown once). */
  async confirmEnrolment(principal: UserPrincipal, code: string): Promise<{ recoveryCodes: string[] }> {
    const { clinicId, userId } = principal;
    const key = `mfa:${clinicId}:${userId}`;
    await this.limits.assertNotBlocked('loginFailuresPerSource', key);
    const codes = await this.db.withClinic(clinicId, async (tx) => {
      const row = await mfaRepository.findUserSecret(tx, clinicId, userId, true);
      if (row?.mfa_enabled_at) throw new DomainException('conflict', 'A second factor is already set up');
      if (!row?.mfa_secret) throw new DomainException('conflict', 'Start the enrolment first (POST /v1/me/mfa/totp)');
      const recoveryCodes = await this.enableWithCode(tx, clinicId, userId, code);
      if (recoveryCodes) await this.audit.record(tx, this.audit.entryFor(principal, 'mfa.enrol', 'user', userId));
      return recoveryCodes;
    });
    if (!codes) {
      await this.limits.consume('loginFailuresPerSource', key).catch(() => undefined);
      await this.audit.recordAlone(this.audit.entryFor(principal, 'mfa.enrol', 'user', userId, 'failure'));
      throw wrongCode();
    }
    return { recoveryCodes: codes };
  }

  /** Checks the first code against the pending secret and, when right, turns it on; null when wrong. */
  async enableWithCode(tx: EntityManager, clinicId: string, userId: string, code: string): Promise<string[] | null> {
    const row = await mfaRepository.findUserSecret(tx, clinicId, userId, true);
    const secret = row?.mfa_secret && !row.mfa_enabled_at ? this.box.open(row.mfa_secret) : null;
    const step = secret ? verifyTotp(secret, code.trim(), this.clock.now()) : null;
    if (step === null) return null;
    await mfaRepository.enable(tx, clinicId, userId, step);
    return this.issueRecoveryCodes(tx, clinicId, userId);
  }

  private async issueRecoveryCodes(tx: EntityManager, clinicId: string, userId: string): Promise<string[]> {
    const codes = newRecoveryCodes(RECOVERY_CODE_COUNT);
    await mfaRepository.replaceRecoveryCodes(
      tx,
      clinicId,
      userId,
      codes.map((code) => ({ id: newId(), hash: hashRecoveryCode(normaliseRecoveryCode(code)!) })),
    );
    return codes;
  }

  /**
   * Inside the caller's transaction: whether `code` is the user's current TOTP code (a step not
   * used before) or, when allowed, one of their unused recovery codes (which it then uses up).
   */
  async checkCode(
    tx: EntityManager,
    clinicId: string,
    userId: string,
    code: string,
    options: { allowRecovery: boolean },
  ): Promise<'totp' | 'recovery' | null> {
    const row = await mfaRepository.findUserSecret(tx, clinicId, userId, true);
    if (!row?.mfa_enabled_at || !row.mfa_secret) return null;
    const trimmed = code.trim();
    if (/^\d{6}$/.test(trimmed)) {
      const secret = this.box.open(row.mfa_secret);
      const step = secret ? verifyTotp(secret, trimmed, this.clock.now()) : null;
      if (step === null || (row.mfa_last_step !== null && step <= Number(row.mfa_last_step))) return null;
      await mfaRepository.setLastStep(tx, clinicId, userId, step);
      return 'totp';
    }
    const normalised = options.allowRecovery ? normaliseRecoveryCode(trimmed) : null;
    if (!normalised) return null;
    return (await mfaRepository.useRecoveryCode(tx, clinicId, userId, hashRecoveryCode(normalised)))
      ? 'recovery'
      : null;
  }

  /** New recovery codes (the old ones stop working); needs a current code. */
  async regenerateRecoveryCodes(principal: UserPrincipal, code: string): Promise<{ recoveryCodes: string[] }> {
    const { clinicId, userId } = principal;
    const key = `mfa:${clinicId}:${userId}`;
    await this.limits.assertNotBlocked('loginFailuresPerSource', key);
    const codes = await this.db.withClinic(clinicId, async (tx) => {
      if (!(await this.checkCode(tx, clinicId, userId, code, { allowRecovery: true }))) return null;
      const fresh = await this.issueRecoveryCodes(tx, clinicId, userId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'mfa.recovery_codes_regenerate', 'user', userId));
      return fresh;
    });
    if (!codes) {
      await this.limits.consume('loginFailuresPerSource', key).catch(() => undefined);
      await this.audit.recordAlone(
        this.audit.entryFor(principal, 'mfa.recovery_codes_regenerate', 'user', userId, 'failure'),
      );
      throw wrongCode();
    }
    return { recoveryCodes: codes };
  }

  /**
   * Removes the second factor with the password or a code (TOTP or recovery). Refused while the
   * clinic requires a second factor of the user's role.
   */
  async remove(principal: UserPrincipal, input: { password?: string; code?: string }): Promise<void> {
    const { clinicId, userId } = principal;
    if (!input.password && !input.code)
      throw new DomainException('invalid', 'Give your password or a code', {
        errors: [{ field: 'password', message: 'password or code is required' }],
      });
    const key = `mfa:${clinicId}:${userId}`;
    await this.limits.assertNotBlocked('loginFailuresPerSource', key);
    const user = await this.db.withClinic(clinicId, (tx) => usersRepository.findById(tx, clinicId, userId));
    if (!user) throw DomainException.notFound('User');
    const isPasswordRight = input.password ? await this.hasher.verify(user.password_hash, input.password) : false;
    const removed = await this.db.withClinic(clinicId, async (tx) => {
      const row = await mfaRepository.findUserSecret(tx, clinicId, userId, true);
      if (!row?.mfa_enabled_at) throw new DomainException('conflict', 'No second factor is set up');
      if (await this.isRequiredFor(tx, clinicId, user.role))
        throw new DomainException('conflict', 'Your clinic requires a second factor; it cannot be removed');
      const isProven =
        isPasswordRight ||
        (input.code
          ? (await this.checkCode(tx, clinicId, userId, input.code, { allowRecovery: true })) !== null
          : false);
      if (!isProven) return false;
      await mfaRepository.disable(tx, clinicId, userId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'mfa.remove', 'user', userId));
      return true;
    });
    if (!removed) {
      await this.limits.consume('loginFailuresPerSource', key).catch(() => undefined);
      await this.audit.recordAlone(this.audit.entryFor(principal, 'mfa.remove', 'user', userId, 'failure'));
      throw new DomainException('invalid', 'The password or code is not valid', {
        errors: [{ field: 'password', message: 'password or code is not valid' }],
      });
    }
  }

  /**
   * After a right password: the challenge the sign-in must answer with a code, or null when the
   * user signs in with the password alone. A staff user of a clinic that requires a second factor
   * and has none gets an enrolment (a new secret) with the challenge.
   */
  async challengeAfterPassword(clinicId: string, user: UserRow): Promise<MfaChallenge | null> {
    return this.db.withClinic(clinicId, async (tx) => {
      if (user.mfa_enabled_at) return this.issueChallenge(tx, clinicId, user.id, 'login');
      if (!(await this.isRequiredFor(tx, clinicId, user.role))) return null;
      const enrolment = await this.pendingSecret(tx, clinicId, user.id);
      return { ...(await this.issueChallenge(tx, clinicId, user.id, 'enrol')), enrolment };
    });
  }

  async issueChallenge(
    tx: EntityManager,
    clinicId: string,
    userId: string,
    purpose: 'login' | 'enrol',
  ): Promise<MfaChallenge> {
    const { token, hash } = issueToken('mc', clinicId);
    const ttl = this.config.auth.mfaChallengeTtlSeconds;
    await mfaRepository.insertChallenge(tx, {
      clinicId,
      id: newId(),
      userId,
      hash,
      purpose,
      expiresAt: new Date(this.clock.nowMs() + ttl * 1000),
    });
    return { mfaRequired: true, mfaToken: token, expiresIn: ttl };
  }

  /** For audit rows of the code step, which has no principal yet. */
  anonymousEntry(clinicId: string, userId: string, action: string, meta: RequestMeta, outcome: 'success' | 'failure') {
    return {
      clinicId,
      actorType: 'user' as const,
      actorId: userId,
      action,
      resourceType: 'user',
      resourceId: userId,
      outcome,
      requestId: meta.requestId,
      ip: meta.ip,
    };
  }
}
