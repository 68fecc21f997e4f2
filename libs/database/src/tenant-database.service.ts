import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import { Clock, type Role } from '@mend/core';

/**
 * Every read or write of tenant data goes through here: a transaction whose first statement
 * pins the clinic, so PostgreSQL row-level security scopes everything after it, and binds the
 * clock's "now" as `mend.now`, so SQL decides from the same instant as the code (`mend_now()`).
 */
@Injectable()
export class TenantDatabase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async withClinic<T>(clinicId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('app.clinic_id', $1, true), set_config('mend.now', $2, true)`, [
        clinicId,
        this.clock.now().toISOString(),
      ]);
      return work(tx);
    });
  }

  /** Resolves a clinic slug to its id through the id-only definer function (no row content). */
  async clinicIdBySlug(slug: string): Promise<string | null> {
    const rows: Array<{ id: string | null }> = await this.dataSource.query(`SELECT mend_clinic_id_by_slug($1) AS id`, [
      slug,
    ]);
    return rows[0]?.id ?? null;
  }

  /**
   * The role of a user who exists, is not disabled and whose token family is not revoked, or
   * null: the access-token re-check in one round trip (an id-only definer function) instead of a
   * four-statement tenant transaction on every request.
   */
  async accessRole(clinicId: string, userId: string, familyId: string): Promise<Role | null> {
    const rows: Array<{ role: Role | null }> = await this.dataSource.query(
      `SELECT mend_access_role($1, $2, $3) AS role`,
      [clinicId, userId, familyId],
    );
    return rows[0]?.role ?? null;
  }

  /** All clinic ids, for periodic work that fans out per clinic. */
  async clinicIds(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT mend_clinic_ids() AS id`);
    return rows.map((r) => r.id);
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  get source(): DataSource {
    return this.dataSource;
  }
}
