import type { Role } from '@mend/core';

export type UserStatus = 'invited' | 'active' | 'disabled';

export interface QuietHours {
  start: string;
  end: string;
}

export interface UserView {
  id: string;
  clinicId: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
  locale: string;
  quietHours: QuietHours | null;
  status: UserStatus;
  createdAt: Date;
}

export interface ClinicView {
  id: string;
  name: string;
  slug: string;
  timezone: string;
  createdAt: Date;
}

export interface UserRow {
  clinic_id: string;
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  timezone: string;
  locale: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  disabled_at: Date | null;
  /** Set once the user confirmed a TOTP authenticator (their sign-in then has a code step). */
  mfa_enabled_at: Date | null;
  created_at: Date;
}

export interface ClinicRow {
  id: string;
  name: string;
  slug: string;
  timezone: string;
  settings: Record<string, unknown>;
  created_at: Date;
}

const hhmm = (t: string) => t.slice(0, 5);

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    clinicId: row.clinic_id,
    email: row.email,
    name: row.name,
    role: row.role,
    timezone: row.timezone,
    locale: row.locale,
    quietHours:
      row.quiet_hours_start && row.quiet_hours_end
        ? { start: hhmm(row.quiet_hours_start), end: hhmm(row.quiet_hours_end) }
        : null,
    status: row.disabled_at ? 'disabled' : row.password_hash ? 'active' : 'invited',
    createdAt: row.created_at,
  };
}

export function toClinicView(row: ClinicRow): ClinicView {
  return { id: row.id, name: row.name, slug: row.slug, timezone: row.timezone, createdAt: row.created_at };
}
