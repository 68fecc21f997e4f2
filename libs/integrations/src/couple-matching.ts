import type { EntityManager } from 'typeorm';

export type CoupleMatch = { kind: 'one'; coupleId: string } | { kind: 'none' } | { kind: 'many' };

/**
 * The couple whose partners are among a booking's attendees, in one clinic. Emails that are not
 * partners (the therapist, a guest) are ignored; attendees from two couples match none.
 * `therapistId` narrows the search to one caseload (a therapist upserting a session).
 */
export async function matchCoupleByEmails(
  tx: EntityManager,
  clinicId: string,
  emails: string[],
  options: { therapistId?: string } = {},
): Promise<CoupleMatch> {
  const normalised = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (normalised.length === 0) return { kind: 'none' };
  const rows: Array<{ couple_id: string }> = await tx.query(
    `SELECT DISTINCT p.couple_id
       FROM "user" u
       JOIN couple_partner p ON p.clinic_id = u.clinic_id AND p.user_id = u.id
       JOIN couple c ON c.clinic_id = p.clinic_id AND c.id = p.couple_id
      WHERE u.clinic_id = $1 AND u.role = 'client' AND u.email = ANY ($2::text[])
        AND ($3::uuid IS NULL OR c.therapist_id = $3)
      LIMIT 2`,
    [clinicId, normalised, options.therapistId ?? null],
  );
  if (rows.length === 0) return { kind: 'none' };
  if (rows.length > 1) return { kind: 'many' };
  return { kind: 'one', coupleId: rows[0].couple_id };
}
