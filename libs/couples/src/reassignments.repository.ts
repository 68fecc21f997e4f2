import type { EntityManager } from 'typeorm';

export interface ReassignmentRow {
  id: string;
  couple_id: string;
  from_therapist_id: string;
  to_therapist_id: string;
  reason: string;
  actor_id: string | null;
  is_new_staff: boolean;
  created_at: Date;
}

/**
 * The in-app notice the previous therapist gets. Like every notification text it names neither the
 * couple nor the reason (the couple's reassignment history shows the reason to them).
 */
const NOTICE = {
  title: 'A couple moved to another therapist',
  body: 'An admin moved a couple on your caseload to another therapist. Open Mend to see when and why.',
};

/** SQL of couple reassignments. Every method takes the transaction that pinned the clinic. */
export const reassignmentsRepository = {
  /** When the user joined the clinic: the later of their creation and their invitation's acceptance. */
  async joinedAt(tx: EntityManager, clinicId: string, userId: string): Promise<Date | null> {
    const rows: Array<{ joined_at: Date }> = await tx.query(
      `SELECT GREATEST(u.created_at, COALESCE(
                (SELECT max(i.accepted_at) FROM invitation i WHERE i.clinic_id = u.clinic_id AND i.user_id = u.id),
                u.created_at)) AS joined_at
         FROM "user" u WHERE u.clinic_id = $1 AND u.id = $2`,
      [clinicId, userId],
    );
    return rows[0]?.joined_at ?? null;
  },

  async insert(
    tx: EntityManager,
    r: {
      clinicId: string;
      id: string;
      coupleId: string;
      fromTherapistId: string;
      toTherapistId: string;
      reason: string;
      actorId: string;
      isNewStaff: boolean;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO couple_reassignment (clinic_id, id, couple_id, from_therapist_id, to_therapist_id, reason, actor_id, is_new_staff)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.clinicId, r.id, r.coupleId, r.fromTherapistId, r.toTherapistId, r.reason, r.actorId, r.isNewStaff],
    );
  },

  async listForCouple(tx: EntityManager, clinicId: string, coupleId: string): Promise<ReassignmentRow[]> {
    return tx.query(
      `SELECT id, couple_id, from_therapist_id, to_therapist_id, reason, actor_id, is_new_staff, created_at
         FROM couple_reassignment WHERE clinic_id = $1 AND couple_id = $2 ORDER BY created_at, id`,
      [clinicId, coupleId],
    );
  },

  /** A delivered in-app notification (it needs no sending) for the therapist the couple left. */
  async insertNotice(
    tx: EntityManager,
    n: { clinicId: string; id: string; recipientId: string; coupleId: string; reassignmentId: string },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO notification (clinic_id, id, recipient_id, kind, channel, couple_id, dedupe_key, title, body, send_at, state, sent_at)
       VALUES ($1, $2, $3, 'couple_reassigned', 'in_app', $4, $5, $6, $7, mend_now(), 'sent', mend_now())
       ON CONFLICT (clinic_id, dedupe_key) DO NOTHING`,
      [
        n.clinicId,
        n.id,
        n.recipientId,
        n.coupleId,
        `couple_reassigned.in_app.${n.recipientId}.reassignment.${n.reassignmentId}`,
        NOTICE.title,
        NOTICE.body,
      ],
    );
  },
};
