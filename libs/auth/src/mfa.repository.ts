import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

export interface MfaUserRow {
  mfa_secret: string | null;
  mfa_enabled_at: Date | null;
  mfa_last_step: string | null;
}

export interface MfaChallengeRow {
  id: string;
  user_id: string;
  purpose: 'login' | 'enrol';
  expires_at: Date;
  used_at: Date | null;
  failed_attempts: number;
}

/** SQL of the second factor. Every method takes the transaction that pinned the clinic. */
export const mfaRepository = {
  async findUserSecret(tx: EntityManager, clinicId: string, userId: string, lock = false): Promise<MfaUserRow | null> {
    const rows: MfaUserRow[] = await tx.query(
      `SELECT mfa_secret, mfa_enabled_at, mfa_last_step::text FROM "user" WHERE clinic_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [clinicId, userId],
    );
    return rows[0] ?? null;
  },

  /** A secret waiting for its first code (enrolment); replaces any earlier pending one. */
  async setPendingSecret(tx: EntityManager, clinicId: string, userId: string, sealed: string): Promise<void> {
    await tx.query(
      `UPDATE "user" SET mfa_secret = $3, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2`,
      [clinicId, userId, sealed],
    );
  },

  async enable(tx: EntityManager, clinicId: string, userId: string, step: number): Promise<void> {
    await tx.query(
      `UPDATE "user" SET mfa_enabled_at = mend_now(), mfa_last_step = $3, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2`,
      [clinicId, userId, step],
    );
  },

  async setLastStep(tx: EntityManager, clinicId: string, userId: string, step: number): Promise<void> {
    await tx.query(`UPDATE "user" SET mfa_last_step = $3 WHERE clinic_id = $1 AND id = $2`, [clinicId, userId, step]);
  },

  async disable(tx: EntityManager, clinicId: string, userId: string): Promise<void> {
    await tx.query(
      `UPDATE "user" SET mfa_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = mend_now()
        WHERE clinic_id = $1 AND id = $2`,
      [clinicId, userId],
    );
    await tx.query(`DELETE FROM mfa_recovery_code WHERE clinic_id = $1 AND user_id = $2`, [clinicId, userId]);
    await tx.query(`DELETE FROM mfa_challenge WHERE clinic_id = $1 AND user_id = $2`, [clinicId, userId]);
  },

  async replaceRecoveryCodes(
    tx: EntityManager,
    clinicId: string,
    userId: string,
    codes: Array<{ id: string; hash: string }>,
  ): Promise<void> {
    await tx.query(`DELETE FROM mfa_recovery_code WHERE clinic_id = $1 AND user_id = $2`, [clinicId, userId]);
    for (const code of codes) {
      await tx.query(`INSERT INTO mfa_recovery_code (clinic_id, id, user_id, code_hash) VALUES ($1, $2, $3, $4)`, [
        clinicId,
        code.id,
        userId,
        code.hash,
      ]);
    }
  },

  /** Marks an unused recovery code used; answers whether there was one (each works once). */
  async useRecoveryCode(tx: EntityManager, clinicId: string, userId: string, hash: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      tx,
      `UPDATE mfa_recovery_code SET used_at = mend_now()
        WHERE clinic_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL RETURNING id`,
      [clinicId, userId, hash],
    );
    return rows.length > 0;
  },

  async countUnusedRecoveryCodes(tx: EntityManager, clinicId: string, userId: string): Promise<number> {
    const rows: Array<{ n: number }> = await tx.query(
      `SELECT count(*)::int AS n FROM mfa_recovery_code WHERE clinic_id = $1 AND user_id = $2 AND used_at IS NULL`,
      [clinicId, userId],
    );
    return rows[0]?.n ?? 0;
  },

  async insertChallenge(
    tx: EntityManager,
    challenge: {
      clinicId: string;
      id: string;
      userId: string;
      hash: string;
      purpose: 'login' | 'enrol';
      expiresAt: Date;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO mfa_challenge (clinic_id, id, user_id, token_hash, purpose, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [challenge.clinicId, challenge.id, challenge.userId, challenge.hash, challenge.purpose, challenge.expiresAt],
    );
  },

  async findChallenge(
    tx: EntityManager,
    clinicId: string,
    hash: string,
    lock = false,
  ): Promise<MfaChallengeRow | null> {
    const rows: MfaChallengeRow[] = await tx.query(
      `SELECT id, user_id, purpose, expires_at, used_at, failed_attempts FROM mfa_challenge
        WHERE clinic_id = $1 AND token_hash = $2${lock ? ' FOR UPDATE' : ''}`,
      [clinicId, hash],
    );
    return rows[0] ?? null;
  },

  async markChallengeUsed(tx: EntityManager, clinicId: string, id: string): Promise<void> {
    await tx.query(`UPDATE mfa_challenge SET used_at = mend_now() WHERE clinic_id = $1 AND id = $2`, [clinicId, id]);
  },

  /** Counts a wrong code; the challenge is spent once it has seen `maxFailures` of them. */
  async countChallengeFailure(tx: EntityManager, clinicId: string, id: string, maxFailures: number): Promise<void> {
    await tx.query(
      `UPDATE mfa_challenge SET failed_attempts = failed_attempts + 1,
              used_at = CASE WHEN failed_attempts + 1 >= $3 THEN mend_now() ELSE used_at END
        WHERE clinic_id = $1 AND id = $2`,
      [clinicId, id, maxFailures],
    );
  },

  async markFamilyAuthenticated(tx: EntityManager, clinicId: string, familyId: string, at: Date): Promise<void> {
    await tx.query(`UPDATE refresh_token SET authenticated_at = $3 WHERE clinic_id = $1 AND family_id = $2`, [
      clinicId,
      familyId,
      at,
    ]);
  },
};
