import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import pLimit, { type LimitFunction } from 'p-limit';

import { APP_CONFIG, type AppConfig } from '@mend/config';

import { consoleTransport } from './console.transport.js';
import { toMailDeliveryError } from './mail.errors.js';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body (always sent). */
  text: string;
  /** HTML body; escape every interpolated value. */
  html?: string;
  /**
   * A stable Message-ID (`<local@domain>`) for a message that may be sent again after a crash:
   * mailboxes that collapse repeated Message-IDs then show it once.
   */
  messageId?: string;
  /**
   * A discreet reminder (a shared inbox may show it): sent from the bare address, without the
   * product's display name of MAIL_FROM.
   */
  isDiscreet?: boolean;
}

export interface MailDelivery {
  messageId: string;
}

/**
 * Sends email over SMTP_URL, or prints it to stdout when SMTP is not configured (local
 * development). Content rule: no clinical content, ever — a subject and a link back to Mend.
 */
@Injectable()
export class MailerService implements OnModuleDestroy {
  private readonly logger = new Logger(MailerService.name);
  private readonly transporter: Transporter;
  /**
   * At most `SMTP_MAX_CONNECTIONS` messages on the wire at once: a reminder burst runs up to
   * NOTIFICATIONS_WORKER_CONCURRENCY jobs together, and each unpooled send opens its own SMTP
   * connection, which providers throttle or refuse past a few dozen. The rest wait their turn
   * here (well inside the send's claim lease).
   */
  private readonly onTheWire: LimitFunction;
  readonly isConsole: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.isConsole = !config.mail.smtpUrl;
    this.onTheWire = pLimit(config.mail.maxConnections);
    if (config.mail.smtpUrl) {
      this.transporter = nodemailer.createTransport(config.mail.smtpUrl);
    } else {
      const isBodyHidden = config.env === 'production';
      if (isBodyHidden) this.logger.warn('SMTP_URL is not set: email is printed (without bodies) instead of sent');
      this.transporter = nodemailer.createTransport(consoleTransport({ isBodyHidden }));
    }
  }

  /** Throws MailDeliveryError; its `isPermanent` says whether a retry can help. */
  async send(message: MailMessage): Promise<MailDelivery> {
    try {
      const info = await this.onTheWire(() =>
        this.transporter.sendMail({
          from: message.isDiscreet ? bareAddress(this.config.mail.from) : this.config.mail.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          ...(message.messageId ? { messageId: message.messageId } : {}),
        }),
      );
      return { messageId: String(info.messageId) };
    } catch (error) {
      throw toMailDeliveryError(error);
    }
  }

  onModuleDestroy(): void {
    this.transporter.close();
  }
}

/** `Name <address>` → `address`; a bare address stays as it is. */
export function bareAddress(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim();
}

/** Escapes text for interpolation into an HTML email body. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
