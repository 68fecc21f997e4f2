import type { EntityManager } from 'typeorm';

export interface InvitationRow {
  clinic_id: string;
  id: string;
  user_id: string;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_by: string | null;
}

export const invitationsRepository = {
  async insert(
    tx: EntityManager,
    row: { clinicId: string; id: string; userId: string; tokenHash: string; expiresAt: Date; createdBy: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO invitation (clinic_id, id, user_id, token_hash, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.clinicId, row.id, row.userId, row.tokenHash, row.expiresAt, row.createdBy],
    );
  },

  async findByHash(
    tx: EntityManager,
    clinicId: string,
    tokenHash: string,
    lock = false,
  ): Promise<InvitationRow | null> {
    const rows: InvitationRow[] = await tx.query(
      `SELECT clinic_id, id, user_id, expires_at, accepted_at, revoked_at, created_by FROM invitation
       WHERE clinic_id = $1 AND token_hash = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [clinicId, tokenHash],
    );
    return rows[0] ?? null;
  },

  /** Accepting one link closes every other open link for the same person. */
  async markAccepted(tx: EntityManager, clinicId: string, invitationId: string, userId: string): Promise<void> {
    await tx.query(`UPDATE invitation SET accepted_at = mend_now() WHERE clinic_id = $1 AND id = $2`, [
      clinicId,
      invitationId,
    ]);
    await tx.query(
      `UPDATE invitation SET revoked_at = mend_now() WHERE clinic_id = $1 AND user_id = $2 AND id <> $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [clinicId, userId, invitationId],
    );
  },

  async revokeOpen(tx: EntityManager, clinicId: string, userId: string): Promise<void> {
    await tx.query(
      `UPDATE invitation SET revoked_at = mend_now() WHERE clinic_id = $1 AND user_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
      [clinicId, userId],
    );
  },

  /**
   * Deletes invitations that stopped working (accepted, revoked or expired) before `cutoff`. The
   * caller keeps them a while first, so an old link still says "expired" or "accepted" rather
   * than "not found".
   */
  async purgeSpent(tx: EntityManager, clinicId: string, cutoff: Date): Promise<number> {
    const rows: Array<{ id: string }> = await tx.query(
      `DELETE FROM invitation
        WHERE clinic_id = $1 AND least(expires_at, accepted_at, revoked_at) < $2
        RETURNING id`,
      [clinicId, cutoff],
    );
    return rows.length;
  },
};
