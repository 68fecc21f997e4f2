import nodemailer from 'nodemailer';

import { consoleTransport } from './console.transport.js';
import { toMailDeliveryError } from './mail.errors.js';
import { bareAddress, escapeHtml } from './mailer.service.js';

describe('consoleTransport', () => {
  const message = {
    from: 'Mend <no-reply@mend.local>',
    to: 'robin@example.test',
    subject: 'You are invited',
    text: 'Open http://x/v1/invitations/tok',
  };

  it('prints recipient, subject and text for local development', async () => {
    const out: string[] = [];
    await nodemailer
      .createTransport(consoleTransport({ isBodyHidden: false, write: (t) => out.push(t) }))
      .sendMail(message);
    expect(out.join('')).toMatch(
      /To: robin@example\.test[\s\S]*Subject: You are invited[\s\S]*Open http:\/\/x\/v1\/invitations\/tok/,
    );
  });

  it('hides the body (single-use links) when asked', async () => {
    const out: string[] = [];
    await nodemailer
      .createTransport(consoleTransport({ isBodyHidden: true, write: (t) => out.push(t) }))
      .sendMail(message);
    expect(out.join('')).not.toContain('invitations/tok');
  });
});

describe('toMailDeliveryError', () => {
  it('treats 5xx and envelope errors as permanent, the rest as transient', () => {
    expect(toMailDeliveryError({ responseCode: 550, message: '550 no such user robin@example.test' })).toMatchObject({
      isPermanent: true,
      message: 'Mail was not accepted (SMTP 550)',
    });
    expect(toMailDeliveryError({ code: 'EENVELOPE' }).isPermanent).toBe(true);
    expect(toMailDeliveryError({ responseCode: 451 }).isPermanent).toBe(false);
    expect(toMailDeliveryError({ code: 'EENVELOPE', responseCode: 451 }).isPermanent).toBe(false);
    expect(toMailDeliveryError({ code: 'EENVELOPE', responseCode: 550 }).isPermanent).toBe(true);
    expect(toMailDeliveryError({ code: 'ECONNECTION' }).isPermanent).toBe(false);
  });
});

describe('bareAddress', () => {
  it('drops the display name (a discreet email names no product), keeping a bare address as it is', () => {
    expect(bareAddress('Mend <no-reply@mend.local>')).toBe('no-reply@mend.local');
    expect(bareAddress('"Harbor, Care" <care@clinic.example> ')).toBe('care@clinic.example');
    expect(bareAddress(' care@clinic.example')).toBe('care@clinic.example');
  });
});

describe('escapeHtml', () => {
  it('escapes markup characters', () => {
    expect(escapeHtml(`<a href="x">O'Neil & co</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;');
  });
});
