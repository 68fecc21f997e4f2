import pg from 'pg';

import { Clock } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { InvitationEmailHandler } from '@mend/identity';
import { MailerService } from '@mend/mail';
import { JobName } from '@mend/queue';

import type { SmtpCatcher } from './smtp-catcher.js';
import type { TestApp } from './test-app.js';

/**
 * For suites that run like production (INVITATION_LINKS_IN_RESPONSES=false): the invitee's link
 * only exists in their email. This delivers the invitation emails the API announced in the outbox
 * (through the worker's own handler) to the local SMTP catcher and reads the link from the mail.
 * The test app must be created with SMTP_URL pointing at the catcher.
 */
export class InvitationMailbox {
  private readonly handler: InvitationEmailHandler;
  private readonly delivered = new Set<string>();

  constructor(
    private readonly t: TestApp,
    private readonly smtp: SmtpCatcher,
  ) {
    this.handler = new InvitationEmailHandler(
      t.app.get(TenantDatabase),
      new MailerService(t.config),
      t.config,
      t.app.get(Clock),
    );
  }

  /** The token of the newest invitation link emailed to `email`. */
  async tokenFor(email: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.t.db.ownerUrl });
    await client.connect();
    let jobs: Array<{ id: string; payload: { clinicId: string; invitationId: string } }>;
    try {
      jobs = (
        await client.query(`SELECT id, payload FROM outbox WHERE job_name = $1 ORDER BY created_at`, [
          JobName.InvitationEmail,
        ])
      ).rows;
    } finally {
      await client.end();
    }
    for (const job of jobs) {
      if (this.delivered.has(job.id)) continue;
      this.delivered.add(job.id);
      await this.handler.handle(job.payload);
    }
    const mail = [...this.smtp.mails].reverse().find((m) => m.to.includes(email));
    const token = mail?.body.match(/\/invitations\/(inv_[0-9a-f]{32}_[A-Za-z0-9_-]{43})/)?.[1];
    if (!token) throw new Error(`No invitation email for ${email}`);
    return token;
  }
}
