import { DEFAULT_SAFETY_THRESHOLD } from './progress.compute.js';

/**
 * The safety keys of `clinic.settings` (jsonb), under "safety":
 *
 * ```json
 * { "safety": { "threshold": 2, "crisisResources": "Emergency: 112\nCrisis line: 0800 111 0111" } }
 * ```
 *
 * - threshold: a safety answer at or below it (0–10) opens a safety concern.
 * - crisisResources: what the partner who answered sees on the check-in confirmation (local
 *   emergency number, hotlines), as plain text; paragraphs are separated by blank lines.
 *
 * Whether the therapist's notice may break quiet hours is a reminder setting
 * (`reminders.urgentAlertsBreakQuietHours`), decided where notices are sent.
 */
export interface ClinicSafetySettings {
  threshold: number;
  crisisResources: string;
}

export const MAX_CRISIS_RESOURCES_LENGTH = 2000;

/**
 * Shown when a clinic has not written its own: never nothing, since the partner may be in danger.
 * Only where to get help: the confirmation that shows it already says the therapist has been told.
 */
export const DEFAULT_CRISIS_RESOURCES =
  'If you are in danger right now, call your local emergency number. ' +
  'You can also contact a domestic abuse or crisis helpline in your area at any time, day or night.';

export function clinicSafetySettings(settings: unknown): ClinicSafetySettings {
  const root =
    settings !== null && typeof settings === 'object' ? (settings as Record<string, unknown>).safety : undefined;
  const r = root !== null && typeof root === 'object' ? (root as Record<string, unknown>) : {};
  const threshold =
    typeof r.threshold === 'number' && Number.isInteger(r.threshold) && r.threshold >= 0 && r.threshold <= 10
      ? r.threshold
      : DEFAULT_SAFETY_THRESHOLD;
  const crisis =
    typeof r.crisisResources === 'string' && r.crisisResources.trim().length > 0
      ? r.crisisResources.slice(0, MAX_CRISIS_RESOURCES_LENGTH)
      : DEFAULT_CRISIS_RESOURCES;
  return { threshold, crisisResources: crisis };
}

/** True when this safety answer is a concern under the clinic's threshold. */
export function isSafetyConcern(safety: number | undefined, settings: ClinicSafetySettings): boolean {
  return typeof safety === 'number' && safety <= settings.threshold;
}
