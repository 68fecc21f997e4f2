import type { EntityManager } from 'typeorm';

/**
 * Password resets that can no longer be used (used or expired). A refused reset reads the same
 * whether its row exists or not, so they go as soon as they stop working.
 */
export async function purgeSpentPasswordResets(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const rows: Array<{ id: string }> = await tx.query(
    `DELETE FROM password_reset WHERE clinic_id = $1 AND (used_at IS NOT NULL OR expires_at <= $2) RETURNING id`,
    [clinicId, now],
  );
  return rows.length;
}

/**
 * Refresh tokens of sign-in families that have ended for good. Only whole ended families go: a
 * rotated token of a live family must stay, since presenting it again is how reuse is detected
 * (and revokes the family), and an access token is accepted only while its family has a row.
 */
export async function purgeEndedRefreshFamilies(tx: EntityManager, clinicId: string, now: Date): Promise<number> {
  const rows: Array<{ id: string }> = await tx.query(
    `DELETE FROM refresh_token WHERE clinic_id = $1 AND family_expires_at <= $2 RETURNING id`,
    [clinicId, now],
  );
  return rows.length;
}
