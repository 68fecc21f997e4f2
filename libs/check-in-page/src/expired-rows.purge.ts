import { Inject, Injectable, Logger } from '@nestjs/common';

import { purgeEndedRefreshFamilies, purgeSpentPasswordResets } from '@mend/auth';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { purgeExpiredIdempotencyRecords, TenantDatabase } from '@mend/database';
import { invitationsRepository } from '@mend/identity';
import { purgeOldInboundEvents, purgeOldWebhookDeliveries } from '@mend/integrations';
import { ALL_CLINICS, JobName, JobProducer, type ExpiredRowsPurgeJobData } from '@mend/queue';

import { purgeEndedCheckInLinks, purgeEndedCheckInSessions } from './check-in-links.repository.js';

/** How often the job scheduler runs the purge. */
export const EXPIRED_ROWS_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Spent invitations are kept this long after they stopped working, so someone opening an old
 * invitation still reads "expired, ask for a new one" or "already accepted" instead of "not found".
 */
export const SPENT_INVITATION_RETENTION_DAYS = 30;

/** Rows deleted in one clinic's pass, per table. */
export interface PurgeCounts {
  idempotencyRecords: number;
  checkInPageSessions: number;
  checkInLinks: number;
  passwordResets: number;
  invitations: number;
  refreshTokens: number;
  /** Webhook deliveries finished more than WEBHOOK_DELIVERY_RETENTION_DAYS ago. */
  webhookDeliveries: number;
  /** Scheduling-tool events received more than INBOUND_EVENT_RETENTION_DAYS ago (they carry attendee emails). */
  inboundEvents: number;
}

/**
 * Retention: rows that stopped working (and webhook deliveries and inbound scheduling events past their retention) are deleted on a schedule rather than kept forever (they
 * tie a person to a token, a request or an occurrence). Each table's rule lives with the
 * repository that owns it; this runs them per clinic, each clinic in its own job so that one
 * clinic's failure is retried on its own and does not stop the others.
 */
@Injectable()
export class ExpiredRowsPurge {
  private readonly logger = new Logger(ExpiredRowsPurge.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly producer: JobProducer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A retention.purge job: the scheduled fan-out over every clinic, or one clinic's pass. */
  async run(data: ExpiredRowsPurgeJobData, now: Date): Promise<void> {
    if (data.clinicId !== ALL_CLINICS) {
      await this.purgeClinic(data.clinicId, now);
      return;
    }
    // Ids carry the pass, so several schedulers (or a retried fan-out) add each clinic's job once.
    const pass = Math.floor(now.getTime() / EXPIRED_ROWS_PURGE_INTERVAL_MS);
    for (const clinicId of await this.db.clinicIds()) {
      await this.producer.add(
        { name: JobName.ExpiredRowsPurge, data: { clinicId } },
        { jobId: `retention-purge.${clinicId}.pass-${pass}` },
      );
    }
  }

  async purgeClinic(clinicId: string, now: Date): Promise<PurgeCounts> {
    const invitationCutoff = new Date(now.getTime() - SPENT_INVITATION_RETENTION_DAYS * 86_400_000);
    const counts = await this.db.withClinic(clinicId, async (tx) => ({
      idempotencyRecords: await purgeExpiredIdempotencyRecords(tx, clinicId, now),
      checkInPageSessions: await purgeEndedCheckInSessions(tx, clinicId, now),
      checkInLinks: await purgeEndedCheckInLinks(tx, clinicId, now),
      passwordResets: await purgeSpentPasswordResets(tx, clinicId, now),
      invitations: await invitationsRepository.purgeSpent(tx, clinicId, invitationCutoff),
      refreshTokens: await purgeEndedRefreshFamilies(tx, clinicId, now),
      webhookDeliveries: await purgeOldWebhookDeliveries(tx, clinicId, now, this.config.webhooks.deliveryRetentionDays),
      inboundEvents: await purgeOldInboundEvents(tx, clinicId, now, this.config.inbound.eventRetentionDays),
    }));
    if (Object.values(counts).some((n) => n > 0)) this.logger.log({ msg: 'expired rows purged', clinicId, ...counts });
    return counts;
  }
}
