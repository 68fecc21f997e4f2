import type { EntityManager } from 'typeorm';

import type { ClinicReminderSettings } from './reminder-settings.js';

/** SQL for a clinic's settings document (the `reminders` part is this lib's). */
export const clinicSettingsRepository = {
  /** The clinic's whole settings document (undefined: no such clinic); `lock` holds the row for an update. */
  async find(
    tx: EntityManager,
    clinicId: string,
    options: { lock?: boolean } = {},
  ): Promise<{ settings: unknown } | undefined> {
    const rows: Array<{ settings: unknown }> = await tx.query(
      options.lock
        ? `SELECT settings FROM clinic WHERE id = $1 FOR UPDATE`
        : `SELECT settings FROM clinic WHERE id = $1`,
      [clinicId],
    );
    return rows[0];
  },

  async writeReminderSettings(tx: EntityManager, clinicId: string, settings: ClinicReminderSettings): Promise<void> {
    await tx.query(
      `UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', $2::jsonb), updated_at = mend_now() WHERE id = $1`,
      [clinicId, JSON.stringify(settings)],
    );
  },
};
