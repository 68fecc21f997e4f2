import { createServer, type Server, type Socket } from 'node:net';

import { suiteClock } from '@mend/testing';

export interface CaughtMail {
  to: string[];
  /** The raw message with quoted-printable soft breaks and escapes decoded. */
  body: string;
  /** The Message-ID header without its angle brackets; a resend after a crash repeats it. */
  messageId: string | undefined;
  receivedAt: number;
}

export interface SmtpCatcher {
  port: number;
  mails: CaughtMail[];
  /** Recipients refused with a permanent 550 (a bad address). */
  rejectedRecipients: Set<string>;
  /** Recipients refused with a transient 451 (try again later), until removed. */
  deferredRecipients: Set<string>;
  /** The most messages in transfer at once (from MAIL FROM until the end of their DATA or a dropped connection). */
  readonly peakInTransfer: number;
  close(): Promise<void>;
}

/** Just enough SMTP (RFC 5321, no TLS, no auth) for nodemailer to deliver to the test. */
export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const rejectedRecipients = new Set<string>();
  const deferredRecipients = new Set<string>();
  const sockets = new Set<Socket>();
  const inTransfer = new Set<Socket>();
  let peakInTransfer = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      inTransfer.delete(socket);
    });
    // A sender killed mid-conversation (the fault suite SIGKILLs workers) resets its connection.
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buffer = '';
    let isData = false;
    let to: string[] = [];
    let data: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 mend-test ESMTP');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (isData) {
          if (line === '.') {
            isData = false;
            inTransfer.delete(socket);
            const raw = data.join('\n');
            const body = raw
              .replace(/=\n/g, '')
              .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
            mails.push({ to, body, messageId: messageIdOf(data), receivedAt: suiteClock.nowMs() });
            to = [];
            data = [];
            reply('250 2.0.0 queued');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'MAIL') {
          inTransfer.add(socket);
          peakInTransfer = Math.max(peakInTransfer, inTransfer.size);
        }
        if (verb === 'EHLO' || verb === 'HELO') reply('250 mend-test');
        else if (verb === 'RCPT') {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (rejectedRecipients.has(address)) {
            reply('550 5.1.1 no such user');
            continue;
          }
          if (deferredRecipients.has(address)) {
            reply('451 4.3.0 try again later');
            continue;
          }
          to.push(address);
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          isData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else reply('250 2.0.0 ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('SMTP test server has no port');
  return {
    port: address.port,
    mails,
    rejectedRecipients,
    deferredRecipients,
    get peakInTransfer() {
      return peakInTransfer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The Message-ID of a message's header section (headers may be folded onto indented lines). */
function messageIdOf(lines: string[]): string | undefined {
  const headerEnd = lines.indexOf('');
  const header = (headerEnd < 0 ? lines : lines.slice(0, headerEnd)).join('\n').replace(/\n[ \t]+/g, ' ');
  const value = /^message-id:\s*(.*)$/im.exec(header)?.[1].trim();
  return value ? value.replace(/^<|>$/g, '') : undefined;
}
