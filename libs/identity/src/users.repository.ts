import type { EntityManager } from 'typeorm';

import { queryRows } from '@mend/database';

import type { ClinicRow, UserRow } from './identity.views.js';

const USER_COLUMNS = `clinic_id, id, email, name, role, password_hash, timezone, locale,
  quiet_hours_start::text, quiet_hours_end::text, disabled_at, mfa_enabled_at, created_at`;

/** SQL for users and clinics. Every method takes the transaction that pinned the clinic. */
export const usersRepository = {
  async findById(tx: EntityManager, clinicId: string, userId: string): Promise<UserRow | null> {
    const rows: UserRow[] = await tx.query(`SELECT ${USER_COLUMNS} FROM "user" WHERE clinic_id = $1 AND id = $2`, [
      clinicId,
      userId,
    ]);
    return rows[0] ?? null;
  },

  async findByEmail(tx: EntityManager, clinicId: string, email: string): Promise<UserRow | null> {
    const rows: UserRow[] = await tx.query(`SELECT ${USER_COLUMNS} FROM "user" WHERE clinic_id = $1 AND email = $2`, [
      clinicId,
      email,
    ]);
    return rows[0] ?? null;
  },

  async insert(
    tx: EntityManager,
    user: {
      clinicId: string;
      id: string;
      email: string;
      name: string;
      role: string;
      timezone: string;
      passwordHash: string | null;
      locale?: string;
    },
  ): Promise<UserRow> {
    const rows: UserRow[] = await tx.query(
      `INSERT INTO "user" (clinic_id, id, email, name, role, timezone, password_hash, locale)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${USER_COLUMNS}`,
      [user.clinicId, user.id, user.email, user.name, user.role, user.timezone, user.passwordHash, user.locale ?? 'en'],
    );
    return rows[0];
  },

  async update(
    tx: EntityManager,
    clinicId: string,
    userId: string,
    changes: Record<string, unknown>,
  ): Promise<UserRow | null> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return this.findById(tx, clinicId, userId);
    const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
    const rows = await queryRows<UserRow>(
      tx,
      `UPDATE "user" SET ${sets.join(', ')}, updated_at = mend_now() WHERE clinic_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
      [clinicId, userId, ...entries.map(([, v]) => v)],
    );
    return rows[0] ?? null;
  },

  async list(
    tx: EntityManager,
    clinicId: string,
    filter: { role?: string; afterId?: string; limit: number },
  ): Promise<UserRow[]> {
    const params: unknown[] = [clinicId];
    let where = 'clinic_id = $1';
    if (filter.role) {
      params.push(filter.role);
      where += ` AND role = $${params.length}`;
    }
    if (filter.afterId) {
      params.push(filter.afterId);
      where += ` AND id > $${params.length}`;
    }
    params.push(filter.limit + 1);
    return tx.query(`SELECT ${USER_COLUMNS} FROM "user" WHERE ${where} ORDER BY id LIMIT $${params.length}`, params);
  },

  async insertClinic(
    tx: EntityManager,
    clinic: { id: string; name: string; slug: string; timezone: string },
  ): Promise<ClinicRow> {
    const rows: ClinicRow[] = await tx.query(
      `INSERT INTO clinic (id, name, slug, timezone) VALUES ($1, $2, $3, $4) RETURNING id, name, slug, timezone, settings, created_at`,
      [clinic.id, clinic.name, clinic.slug, clinic.timezone],
    );
    return rows[0];
  },

  /** The couple a client user is a partner of (one at most), or null. */
  async coupleOf(tx: EntityManager, clinicId: string, userId: string): Promise<string | null> {
    const rows: Array<{ couple_id: string }> = await tx.query(
      `SELECT couple_id FROM couple_partner WHERE clinic_id = $1 AND user_id = $2`,
      [clinicId, userId],
    );
    return rows[0]?.couple_id ?? null;
  },

  async findClinic(
    tx: EntityManager,
    clinicId: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<ClinicRow | null> {
    const rows: ClinicRow[] = await tx.query(
      `SELECT id, name, slug, timezone, settings, created_at FROM clinic WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [clinicId],
    );
    return rows[0] ?? null;
  },

  /** The clinic's name and zone; an undefined field stays as it is. */
  async updateClinic(
    tx: EntityManager,
    clinicId: string,
    changes: { name?: string; timezone?: string },
  ): Promise<ClinicRow> {
    const rows = await queryRows<ClinicRow>(
      tx,
      `UPDATE clinic SET name = coalesce($2, name), timezone = coalesce($3, timezone), updated_at = mend_now()
        WHERE id = $1 RETURNING id, name, slug, timezone, settings, created_at`,
      [clinicId, changes.name ?? null, changes.timezone ?? null],
    );
    return rows[0];
  },
};
