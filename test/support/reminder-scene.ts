/**
 * The common ground of the reminder suites: a clinic without quiet hours (so reminders due now
 * go out now), a therapist, a couple, SQL inside the clinic's tenancy, and a way to make many
 * reminders due at one instant (sessions a day later: partners and therapist, email and in-app).
 */
import { TenantDatabase } from '@mend/database';
import {
  bookSession,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { type TestApp } from './test-app.js';

export interface ReminderScene {
  clinic: ClinicContext;
  therapist: StaffContext;
  couple: CoupleContext;
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** Books `count` sessions whose 24-hour reminders fall due at `dueAt` (10 ms apart): 6 reminders each. */
  bookSessionsRemindedAt(dueAt: number, count: number): Promise<void>;
}

export async function newReminderScene(t: TestApp, options: { dailyCap?: number } = {}): Promise<ReminderScene> {
  const clinic = await newClinic(t);
  const therapist = await newStaff(t, clinic);
  const couple = await newCouple(t, therapist);
  const db = t.app.get(TenantDatabase);
  const sql = <T>(query: string, params: unknown[] = []): Promise<T[]> =>
    db.withClinic(clinic.clinicId, (tx) => tx.query(query, params));
  const reminders = {
    quietHours: { start: '00:00', end: '00:00' },
    ...(options.dailyCap ? { dailyCap: options.dailyCap } : {}),
  };
  await sql(`UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', $2::jsonb) WHERE id = $1`, [
    clinic.clinicId,
    JSON.stringify(reminders),
  ]);
  return {
    clinic,
    therapist,
    couple,
    sql,
    async bookSessionsRemindedAt(dueAt, count) {
      for (let i = 0; i < count; i++) await bookSession(t, therapist, couple, new Date(dueAt + 24 * 3600_000 + i * 10));
    },
  };
}
