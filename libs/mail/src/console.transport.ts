import type { Transport } from 'nodemailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message.js';

export interface ConsoleTransportInfo {
  messageId: string;
  envelope: { from: string | false; to: string[] };
}

/**
 * Local-development transport: prints the message instead of sending it, so a developer without
 * SMTP can still follow an invitation link. With `isBodyHidden` (production without SMTP) only
 * the envelope is printed, because bodies carry single-use links.
 */
export function consoleTransport(options: {
  isBodyHidden: boolean;
  write?: (text: string) => void;
}): Transport<ConsoleTransportInfo> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  return {
    name: 'mend-console',
    version: '1',
    send(
      mail: MailMessage<ConsoleTransportInfo>,
      callback: (err: Error | null, info: ConsoleTransportInfo) => void,
    ): void {
      const envelope = mail.message.getEnvelope();
      const messageId = mail.message.messageId();
      const text = typeof mail.data.text === 'string' ? mail.data.text : '(no plain-text body)';
      const lines = [
        '',
        '----- mail (not sent: SMTP_URL is not set) -----',
        `To: ${envelope.to.join(', ')}`,
        `Subject: ${String(mail.data.subject ?? '')}`,
        '',
        options.isBodyHidden ? '(body hidden outside development)' : text,
        '------------------------------------------------',
        '',
      ];
      write(lines.join('\n'));
      callback(null, { messageId, envelope: { from: envelope.from, to: envelope.to } });
    },
  };
}
