/**
 * The local mailbox of `npm start` when no SMTP_URL is configured: an SMTP server on loopback
 * (smtp-server, from the nodemailer project) that the API and worker send to, and a small web
 * page listing what they sent, so invitation and password-reset links can be clicked. Development
 * only: it binds to 127.0.0.1, keeps mail in memory, and the page runs no script.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

interface StoredMail {
  id: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  receivedAt: Date;
}

export interface LocalMailbox {
  smtpUrl: string;
  webUrl: string;
  close(): Promise<void>;
}

const KEEP = 200;

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Escapes the text and turns http(s) URLs into links. */
function linkify(text: string): string {
  return escapeHtml(text).replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>
body{font:16px/1.5 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1b1f23}
a{color:#155a62}li{margin:.5rem 0}pre{white-space:pre-wrap;background:#f6f8fa;padding:1rem;border-radius:8px}
.meta{color:#495057;font-size:.9rem}
</style></head><body>${body}</body></html>`;
}

export async function startLocalMailbox(options: { webPort?: number } = {}): Promise<LocalMailbox> {
  const mails: StoredMail[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Mend local mailbox',
    logger: false,
    onData(stream, session, done) {
      simpleParser(stream)
        .then((parsed) => {
          mails.unshift({
            id: nextId++,
            from: parsed.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address).join(', '),
            subject: parsed.subject ?? '(no subject)',
            text: parsed.text ?? '',
            receivedAt: new Date(),
          });
          mails.length = Math.min(mails.length, KEEP);
          done();
        })
        .catch((error: Error) => done(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const web: Server = createServer((req, res) => {
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'");
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    const match = /^\/m\/(\d+)$/.exec(req.url ?? '/');
    if (match) {
      const mail = mails.find((m) => m.id === Number(match[1]));
      if (!mail) {
        res.statusCode = 404;
        res.end(
          page('Not found', '<p>That email is gone (the mailbox keeps the latest 200). <a href="/">Back</a></p>'),
        );
        return;
      }
      res.end(
        page(
          mail.subject,
          `<p><a href="/">← All emails</a></p><h1>${escapeHtml(mail.subject)}</h1>
<p class="meta">To ${escapeHtml(mail.to)} · from ${escapeHtml(mail.from)} · ${mail.receivedAt.toLocaleString()}</p>
<pre>${linkify(mail.text)}</pre>`,
        ),
      );
      return;
    }
    const items = mails
      .map(
        (m) =>
          `<li><a href="/m/${m.id}">${escapeHtml(m.subject)}</a><br><span class="meta">to ${escapeHtml(m.to)} · ${m.receivedAt.toLocaleTimeString()}</span></li>`,
      )
      .join('');
    res.end(
      page(
        'Mend local mailbox',
        `<h1>Mend local mailbox</h1><p class="meta">Emails the local Mend sent (SMTP_URL is not set, so nothing leaves this machine). Reload to see new ones.</p>${
          items ? `<ul>${items}</ul>` : '<p>No emails yet.</p>'
        }`,
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject);
    web.listen(options.webPort ?? 0, '127.0.0.1', () => resolve());
  });
  const webPort = (web.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    webUrl: `http://localhost:${webPort}`,
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}
