/**
 * A burst of email (a reminder burst runs up to NOTIFICATIONS_WORKER_CONCURRENCY sends at once)
 * reaches the SMTP server over at most SMTP_MAX_CONNECTIONS connections at a time, and every
 * message still arrives.
 */
import { loadConfig } from '@mend/config';
import { MailerService } from '@mend/mail';
import type { TestDatabase } from '@mend/testing';

import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { testEnv } from './support/test-app.js';

describe('email in a burst', () => {
  let smtp: SmtpCatcher;
  let mailer: MailerService;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
  });
  afterAll(async () => {
    mailer?.onModuleDestroy();
    await smtp?.close();
  });

  it('hands at most SMTP_MAX_CONNECTIONS messages to the server at once and delivers all 40 messages', async () => {
    const config = loadConfig(
      // No database is opened here: the mailer needs only the settings.
      testEnv(
        {
          appUrl: 'postgres://unused@127.0.0.1/unused',
          ownerUrl: 'postgres://unused@127.0.0.1/unused',
          name: 'mail-burst',
        } as TestDatabase,
        { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_MAX_CONNECTIONS: '3' },
      ),
    );
    expect(config.mail.maxConnections).toBe(3);
    mailer = new MailerService(config);
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        mailer.send({ to: `p${i}@couples.example`, subject: 'A reminder', text: `Message ${i}` }),
      ),
    );
    expect(sent).toHaveLength(40);
    expect(new Set(smtp.mails.flatMap((m) => m.to))).toEqual(
      new Set(Array.from({ length: 40 }, (_, i) => `p${i}@couples.example`)),
    );
    expect(smtp.peakInTransfer).toBeGreaterThan(0);
    expect(smtp.peakInTransfer).toBeLessThanOrEqual(3);
  });
});
