import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';

import { notificationText } from './notification-text.js';
import { notificationDedupeKey, planRatingWeekOf, type SkipReason } from './notification.types.js';
import type { NotificationRow } from './notifications.repository.js';
import { loadClinicReminderSettings, scheduleNotification, USER_CHANNELS, windowFor } from './reminder-planner.js';
import { homeworkReminderAt } from './reminder-time.js';

/**
 * Reminders to rate the repair plan. A partner rates the couple's plan for their own week
 * (Monday to Sunday in their zone; libs/progress RepairPlanService.rate), so once a week, on the
 * clinic's day and time in the partner's zone (default Sunday 18:00), each partner of an active
 * couple whose plan holds agreements is asked to rate it — in-app and by email, through the same
 * planner and sender as homework reminders (preferences, quiet hours, daily cap). A plan written
 * after that time in the week asks at once, if the week has not ended. Planned by the plan's
 * change and by the reminder reconciler's pass; whether it still applies (the partner has rated
 * the week, the couple is paused or closed, the plan is empty, the week is over) is decided again
 * at send time. The words never carry an agreement, only that a review is open.
 */

/** The partner's week at `now` and when its rating reminder falls (the clinic's weekday and local time). */
export function planRatingWeek(
  now: Date,
  zone: string,
  weekday: number,
  time: string,
): { weekStart: string; remindAt: Date; weekEnd: Date } {
  const monday = DateTime.fromJSDate(now, { zone }).startOf('week');
  const [hour, minute] = time.split(':').map(Number);
  return {
    weekStart: monday.toISODate()!,
    // A time the clock skips that day (a spring change) resolves forward, as Luxon does.
    remindAt: monday
      .plus({ days: weekday - 1 })
      .set({ hour, minute })
      .toJSDate(),
    weekEnd: monday.plus({ weeks: 1 }).toJSDate(),
  };
}

/** The partner's rating screen in the web app (apps/web/src/partner/routes.tsx); no id, nothing personal. */
export function planRatingUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}/home/plan/rate`;
}

interface PartnerRow {
  couple_id: string;
  id: string;
  timezone: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
}

/**
 * Plans this week's rating reminder of each partner of the active couples with agreements in
 * their plan (one couple, or the whole clinic), once per partner and week. Answers how many
 * notifications were planned.
 */
export async function planPlanRatingReminders(
  tx: EntityManager,
  clinicId: string,
  scope: { coupleId?: string },
  now: Date,
): Promise<number> {
  const partners: PartnerRow[] = await tx.query(
    `SELECT p.couple_id, u.id, u.timezone, u.quiet_hours_start::text, u.quiet_hours_end::text
       FROM couple c
       JOIN couple_partner p ON p.clinic_id = c.clinic_id AND p.couple_id = c.id
       JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id AND u.disabled_at IS NULL
      WHERE c.clinic_id = $1 AND ($2::uuid IS NULL OR c.id = $2) AND c.status = 'active'
        AND EXISTS (SELECT 1 FROM repair_agreement a
                     WHERE a.clinic_id = c.clinic_id AND a.couple_id = c.id AND a.retired_version IS NULL)`,
    [clinicId, scope.coupleId ?? null],
  );
  if (partners.length === 0) return 0;
  const settings = await loadClinicReminderSettings(tx, clinicId);
  const candidates = partners.map((partner) => {
    const week = planRatingWeek(now, partner.timezone, settings.planRatingWeekday, settings.planRatingTime);
    const subject = { kind: 'plan_rating_due' as const, coupleId: partner.couple_id, weekStart: week.weekStart };
    return { partner, week, keys: USER_CHANNELS.map((channel) => notificationDedupeKey(partner.id, channel, subject)) };
  });
  // Planned once per partner and week: a pass that finds this week's rows leaves them as they are.
  const existing: Array<{ dedupe_key: string }> = await tx.query(
    `SELECT dedupe_key FROM notification WHERE clinic_id = $1 AND dedupe_key = ANY($2::text[])`,
    [clinicId, candidates.flatMap((c) => c.keys)],
  );
  const planned = new Set(existing.map((row) => row.dedupe_key));
  const text = notificationText({ kind: 'plan_rating_due', isDiscreet: settings.isDiscreet });
  let count = 0;
  for (const { partner, week, keys } of candidates) {
    const recipient = {
      id: partner.id,
      timezone: partner.timezone,
      quietHoursStart: partner.quiet_hours_start,
      quietHoursEnd: partner.quiet_hours_end,
    };
    // At the week's reminder time, or now when that has passed; none once quiet hours would carry it past the week.
    const time = homeworkReminderAt(week.remindAt, 0, windowFor(recipient, settings, now, week.weekEnd));
    if (!time) continue;
    for (const [i, channel] of USER_CHANNELS.entries()) {
      if (planned.has(keys[i])) continue;
      const id = await scheduleNotification(tx, {
        clinicId,
        recipientId: partner.id,
        kind: 'plan_rating_due',
        channel,
        coupleId: partner.couple_id,
        weekStart: week.weekStart,
        ...text,
        time,
      });
      if (id) count++;
    }
  }
  return count;
}

/** What decides at send time whether a plan-rating reminder still applies (planRatingSkip). */
export interface PlanRatingFacts {
  couple_status: string;
  has_agreements: boolean;
  has_rated: boolean;
  /** The end of the partner's week the reminder is about. */
  weekEnd: Date;
}

/**
 * The facts of a batch's plan-rating reminders (each with its recipient's zone), keyed by
 * notification id, in one statement: the couple's status, whether its plan holds agreements and
 * whether the partner has rated that week (a rating for the week, or one at a session held in
 * it). A reminder missing from the answer has no couple or no week: it is cancelled.
 */
export async function loadPlanRatingFacts(
  tx: EntityManager,
  clinicId: string,
  rows: Array<{ n: NotificationRow; zone: string }>,
): Promise<Map<string, PlanRatingFacts>> {
  const weeks = rows.flatMap(({ n, zone }) => {
    const weekStart = planRatingWeekOf(n.dedupe_key);
    if (!weekStart || !n.couple_id) return [];
    const start = DateTime.fromISO(weekStart, { zone });
    return [{ n, weekStart, start: start.toJSDate(), end: start.plus({ weeks: 1 }).toJSDate() }];
  });
  if (weeks.length === 0) return new Map();
  const found: Array<{ id: string; couple_status: string; has_agreements: boolean; has_rated: boolean }> =
    await tx.query(
      `SELECT k.id, c.status AS couple_status,
              EXISTS (SELECT 1 FROM repair_agreement a
                       WHERE a.clinic_id = c.clinic_id AND a.couple_id = c.id AND a.retired_version IS NULL) AS has_agreements,
              EXISTS (SELECT 1 FROM repair_agreement_rating r
                       WHERE r.clinic_id = c.clinic_id AND r.couple_id = c.id AND r.partner_id = k.recipient_id
                         AND (r.week_start = k.week_start OR (r.session_id IS NOT NULL AND r.rated_at >= k.week_from AND r.rated_at < k.week_to))) AS has_rated
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::date[], $6::timestamptz[], $7::timestamptz[])
                AS k(id, couple_id, recipient_id, week_start, week_from, week_to)
         JOIN couple c ON c.clinic_id = $1 AND c.id = k.couple_id`,
      [
        clinicId,
        weeks.map((w) => w.n.id),
        weeks.map((w) => w.n.couple_id),
        weeks.map((w) => w.n.recipient_id),
        weeks.map((w) => w.weekStart),
        weeks.map((w) => w.start),
        weeks.map((w) => w.end),
      ],
    );
  const endOf = new Map(weeks.map((w) => [w.n.id, w.end]));
  return new Map(found.map((f) => [f.id, { ...f, weekEnd: endOf.get(f.id)! }]));
}

/**
 * Why a plan-rating reminder no longer applies at send time, or null when it does: the couple
 * closed or paused (or is gone), the plan emptied, the partner's week ended, or the partner has
 * rated that week.
 */
export function planRatingSkip(facts: PlanRatingFacts | undefined, now: Date): SkipReason | null {
  if (!facts) return 'cancelled';
  if (facts.couple_status === 'closed') return 'closed';
  if (facts.couple_status === 'paused') return 'paused';
  if (!facts.has_agreements) return 'cancelled';
  if (facts.has_rated) return 'already_done';
  if (facts.weekEnd.getTime() <= now.getTime()) return 'too_late';
  return null;
}
