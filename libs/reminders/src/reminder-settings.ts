import {
  clockMinutes,
  DEFAULT_QUIET_HOURS,
  DEFAULT_SESSION_REMINDER_HOURS,
  MAX_OVERDUE_AFTER_MINUTES,
  MAX_SESSION_REMINDER_HOURS,
  type QuietHours,
} from './reminder-time.js';

/** Homework reminders go this long before the due time unless the clinic or the assignment says otherwise. */
export const DEFAULT_HOMEWORK_LEAD_MINUTES = 120;
/** The weekly repair-plan review reminder: Sunday (ISO weekday 7) at 18:00, in each partner's zone. */
export const DEFAULT_PLAN_RATING_WEEKDAY = 7;
export const DEFAULT_PLAN_RATING_TIME = '18:00';

/** A lead of more than a day would remind before a recurring occurrence opens (24 h before it is due). */
export const MAX_HOMEWORK_LEAD_MINUTES = 1440;

/**
 * The reminder keys of `clinic.settings` (jsonb), under "reminders":
 *
 * ```json
 * { "reminders": { "quietHours": { "start": "21:00", "end": "08:00" }, "dailyCap": 10,
 *                  "isDiscreet": false, "overdueAfterMinutes": 720, "sessionReminderHours": 24,
 *                  "homeworkLeadMinutes": 120, "planRatingWeekday": 7, "planRatingTime": "18:00" } }
 * ```
 *
 * - quietHours: the default for users who have not set their own (local clock times).
 * - dailyCap: individual reminders per recipient per local day; the rest merge into one digest.
 * - isDiscreet: when true, no reminder names the exercise (titles read "a check-in").
 * - overdueAfterMinutes: delay of the overdue nudge when the assignment sets none.
 * - sessionReminderHours: how long before a session its reminder goes out.
 * - homeworkLeadMinutes: how long before a homework due time its reminder goes out when the
 *   assignment sets none (default 2 h: a reminder at the due time makes everyone reminded late).
 * - planRatingWeekday / planRatingTime: when each partner is reminded to rate the couple's repair
 *   plan for their week (ISO weekday 1 = Monday … 7 = Sunday, local clock time; default Sunday
 *   18:00, late enough to look back on the week, early enough to answer before it ends).
 * - urgentAlertsBreakQuietHours: whether a high-severity alert's notice (a safety concern) reaches
 *   the therapist at once, quiet hours or not, and outside the daily cap (default true).
 *
 * Reading is lenient: a missing or invalid value falls back to its default, so a bad setting
 * never stops reminders (whatever writes the settings validates them).
 */
export interface ClinicReminderSettings {
  quietHours: QuietHours;
  dailyCap: number;
  isDiscreet: boolean;
  overdueAfterMinutes: number;
  sessionReminderHours: number;
  homeworkLeadMinutes: number;
  urgentAlertsBreakQuietHours: boolean;
  planRatingWeekday: number;
  planRatingTime: string;
}

export const DEFAULT_CLINIC_REMINDER_SETTINGS: Readonly<ClinicReminderSettings> = Object.freeze({
  quietHours: DEFAULT_QUIET_HOURS,
  dailyCap: 10,
  isDiscreet: false,
  overdueAfterMinutes: 12 * 60,
  sessionReminderHours: DEFAULT_SESSION_REMINDER_HOURS,
  homeworkLeadMinutes: DEFAULT_HOMEWORK_LEAD_MINUTES,
  urgentAlertsBreakQuietHours: true,
  planRatingWeekday: DEFAULT_PLAN_RATING_WEEKDAY,
  planRatingTime: DEFAULT_PLAN_RATING_TIME,
});

export const MAX_DAILY_CAP = 100;

function isClockTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    clockMinutes(value);
    return true;
  } catch {
    return false;
  }
}

function wholeIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function clinicReminderSettings(settings: unknown): ClinicReminderSettings {
  const root =
    settings !== null && typeof settings === 'object' ? (settings as Record<string, unknown>).reminders : undefined;
  const r = root !== null && typeof root === 'object' ? (root as Record<string, unknown>) : {};
  const quiet =
    r.quietHours !== null && typeof r.quietHours === 'object' ? (r.quietHours as Record<string, unknown>) : {};
  const defaults = DEFAULT_CLINIC_REMINDER_SETTINGS;
  return {
    quietHours:
      isClockTime(quiet.start) && isClockTime(quiet.end)
        ? { start: quiet.start, end: quiet.end }
        : { ...defaults.quietHours },
    dailyCap: wholeIn(r.dailyCap, 1, MAX_DAILY_CAP) ? r.dailyCap : defaults.dailyCap,
    isDiscreet: typeof r.isDiscreet === 'boolean' ? r.isDiscreet : defaults.isDiscreet,
    overdueAfterMinutes: wholeIn(r.overdueAfterMinutes, 1, MAX_OVERDUE_AFTER_MINUTES)
      ? r.overdueAfterMinutes
      : defaults.overdueAfterMinutes,
    sessionReminderHours: wholeIn(r.sessionReminderHours, 1, MAX_SESSION_REMINDER_HOURS)
      ? r.sessionReminderHours
      : defaults.sessionReminderHours,
    homeworkLeadMinutes: wholeIn(r.homeworkLeadMinutes, 0, MAX_HOMEWORK_LEAD_MINUTES)
      ? r.homeworkLeadMinutes
      : defaults.homeworkLeadMinutes,
    urgentAlertsBreakQuietHours:
      typeof r.urgentAlertsBreakQuietHours === 'boolean'
        ? r.urgentAlertsBreakQuietHours
        : defaults.urgentAlertsBreakQuietHours,
    planRatingWeekday: wholeIn(r.planRatingWeekday, 1, 7) ? r.planRatingWeekday : defaults.planRatingWeekday,
    planRatingTime: isClockTime(r.planRatingTime) ? r.planRatingTime : defaults.planRatingTime,
  };
}

/**
 * A user's own quiet hours (the `quiet_hours_start/end` columns, HH:MM or HH:MM:SS), else the
 * clinic's default.
 */
export function effectiveQuietHours(
  user: { quietHoursStart: string | null; quietHoursEnd: string | null },
  clinic: ClinicReminderSettings,
): QuietHours {
  const start = user.quietHoursStart?.slice(0, 5);
  const end = user.quietHoursEnd?.slice(0, 5);
  return isClockTime(start) && isClockTime(end) ? { start, end } : { ...clinic.quietHours };
}
