import { Injectable } from '@nestjs/common';

import { AuditService } from '@mend/audit';
import { Clock, type UserPrincipal } from '@mend/core';
import { TenantDatabase } from '@mend/database';

import { requireCouple } from './couple-access.js';

/** Everything Mend holds about one couple, for a records request. */
export interface CoupleExport {
  exportedAt: Date;
  couple: Record<string, unknown>;
  partners: Record<string, unknown>[];
  assignments: Record<string, unknown>[];
  occurrences: Record<string, unknown>[];
  checkIns: Record<string, unknown>[];
  sessions: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
}

/**
 * Data rights: export and erasure. These are the one place an admin may read clinical content,
 * and both are audited. Erasure deletes the couple and its partners' accounts; audit events keep
 * only ids, so the log still shows who did what without the data.
 */
@Injectable()
export class CoupleRecordsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async export(principal: UserPrincipal, coupleId: string): Promise<CoupleExport> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      await requireCouple(tx, principal, coupleId, { admin: true });
      const p = [principal.clinicId, coupleId];
      const [couple] = await tx.query(
        `SELECT id, label, therapist_id AS "therapistId", status, created_at AS "createdAt", updated_at AS "updatedAt" FROM couple WHERE clinic_id = $1 AND id = $2`,
        p,
      );
      const partners = await tx.query(
        `SELECT u.id, u.name, u.email, u.timezone, u.locale, u.quiet_hours_start::text AS "quietHoursStart", u.quiet_hours_end::text AS "quietHoursEnd",
                u.created_at AS "createdAt", u.disabled_at AS "disabledAt"
         FROM couple_partner cp JOIN "user" u ON u.clinic_id = cp.clinic_id AND u.id = cp.user_id
         WHERE cp.clinic_id = $1 AND cp.couple_id = $2 ORDER BY cp.position`,
        p,
      );
      const assignments = await tx.query(
        `SELECT a.id, a.exercise_id AS "exerciseId", a.exercise_version AS "exerciseVersion", v.title, a.instructions, a.schedule_type AS "scheduleType",
                a.due_at AS "dueAt", a.rrule, a.starts_on::text AS "startsOn", a.until::text AS until, a.status, a.reminders, a.created_at AS "createdAt"
         FROM assignment a JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
         WHERE a.clinic_id = $1 AND a.couple_id = $2 ORDER BY a.id`,
        p,
      );
      const occurrences = await tx.query(
        `SELECT id, assignment_id AS "assignmentId", partner_id AS "partnerId", due_at AS "dueAt", closes_at AS "closesAt"
         FROM occurrence WHERE clinic_id = $1 AND couple_id = $2 ORDER BY due_at, id`,
        p,
      );
      const checkIns = await tx.query(
        `SELECT id, occurrence_id AS "occurrenceId", assignment_id AS "assignmentId", author_id AS "authorId", answers, score, visibility,
                is_late AS "isLate", submitted_at AS "submittedAt"
         FROM check_in WHERE clinic_id = $1 AND couple_id = $2 ORDER BY submitted_at, id`,
        p,
      );
      const sessions = await tx.query(
        `SELECT id, therapist_id AS "therapistId", starts_at AS "startsAt", ends_at AS "endsAt", status, notes, source, external_id AS "externalId"
         FROM therapy_session WHERE clinic_id = $1 AND couple_id = $2 ORDER BY starts_at, id`,
        p,
      );
      const alerts = await tx.query(
        `SELECT id, partner_id AS "partnerId", kind, window_start AS "windowStart", detail, status, opened_at AS "openedAt", acknowledged_at AS "acknowledgedAt"
         FROM alert WHERE clinic_id = $1 AND couple_id = $2 ORDER BY opened_at, id`,
        p,
      );
      await this.audit.record(tx, this.audit.entryFor(principal, 'couple.export', 'couple', coupleId));
      return { exportedAt: this.clock.now(), couple, partners, assignments, occurrences, checkIns, sessions, alerts };
    });
  }

  async erase(principal: UserPrincipal, coupleId: string): Promise<void> {
    await this.db.withClinic(principal.clinicId, async (tx) => {
      const couple = await requireCouple(tx, principal, coupleId, { admin: true }, { lock: true });
      await tx.query(`DELETE FROM couple WHERE clinic_id = $1 AND id = $2`, [principal.clinicId, coupleId]);
      if (couple.partnerIds.length > 0) {
        // Cascades remove their check-ins, tokens, invitations and notifications.
        await tx.query(`DELETE FROM "user" WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND role = 'client'`, [
          principal.clinicId,
          couple.partnerIds,
        ]);
      }
      await this.audit.record(tx, this.audit.entryFor(principal, 'couple.erase', 'couple', coupleId));
    });
  }
}
