import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock } from '@mend/core';
import { ReminderLinkIssuer } from '@mend/reminders';

import { issueCheckInLink } from './check-in-links.service.js';

/** Homework reminder emails link straight to the partner's check-in page for that occurrence. */
@Injectable()
export class CheckInLinkReminderIssuer extends ReminderLinkIssuer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async linkFor(tx: EntityManager, clinicId: string, partnerId: string, occurrenceId: string): Promise<string | null> {
    return (
      await issueCheckInLink(tx, clinicId, partnerId, occurrenceId, {
        publicUrl: this.config.http.publicUrl,
        now: this.clock.now(),
      })
    ).url;
  }
}
