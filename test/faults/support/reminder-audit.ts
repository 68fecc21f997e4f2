/**
 * Counts what became of a batch of session reminders, from the recipient's side: what each
 * in-app inbox shows (through the API), and which mails reached the SMTP server, attributed to
 * their notification row by the Message-ID every attempt of a reminder email carries.
 */
import type pg from 'pg';

import type { SmtpCatcher } from '../../support/smtp-catcher.js';
import { inbox, type ApiClient } from './api-client.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const INVITATION = /You're invited to/;

export interface ReminderRow {
  id: string;
  channel: 'in_app' | 'email';
  state: string;
  recipient_id: string;
  session_id: string;
}

/** A recipient and the sessions they should each be reminded of once. */
export interface Recipient {
  member: { id: string; email: string; accessToken: string };
  sessions: string[];
}

export interface ReminderAudit {
  inApp: { rows: number; delivered: number; lost: number; duplicated: number };
  email: {
    rows: number;
    delivered: number;
    lost: number;
    /** Distinct Message-IDs (what a mailbox shows) beyond one per mailed row. */
    duplicated: number;
    mailsOnTheWire: number;
    /** The same Message-ID received more than once (a resend after a crash). */
    rawWireRepeats: number;
    /** Mails to these recipients that are neither an invitation nor attributable to a row. */
    unattributed: number;
    misaddressed: number;
  };
}

export async function reminderRows(owner: pg.Pool, clinicId: string, sessionIds: string[]): Promise<ReminderRow[]> {
  const result = await owner.query<ReminderRow>(
    `SELECT id, channel, state, recipient_id, session_id FROM notification
      WHERE clinic_id = $1 AND kind = 'session_reminder' AND session_id = ANY($2::uuid[])`,
    [clinicId, sessionIds],
  );
  return result.rows;
}

export async function sentCount(owner: pg.Pool, clinicId: string, sessionIds: string[]): Promise<number> {
  const result = await owner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1 AND kind = 'session_reminder' AND session_id = ANY($2::uuid[]) AND state = 'sent'`,
    [clinicId, sessionIds],
  );
  return result.rows[0].n;
}

/** Email rows of `rows` that have reached the SMTP server at least once. */
export function mailedRowIds(smtp: SmtpCatcher, rows: ReminderRow[]): Set<string> {
  const emailIds = new Set(rows.filter((r) => r.channel === 'email').map((r) => r.id));
  const out = new Set<string>();
  for (const mail of smtp.mails) {
    const id = UUID.exec(mail.messageId ?? '')?.[0].toLowerCase();
    if (id && emailIds.has(id)) out.add(id);
  }
  return out;
}

export async function auditReminders(
  http: ApiClient,
  smtp: SmtpCatcher,
  rows: ReminderRow[],
  recipients: Recipient[],
): Promise<ReminderAudit> {
  const inApp = rows.filter((r) => r.channel === 'in_app');
  const email = rows.filter((r) => r.channel === 'email');

  let inAppLost = 0;
  let inAppDuplicated = 0;
  for (const { member, sessions } of recipients) {
    const shown = (await inbox(http, member.accessToken))
      .filter((n) => n.kind === 'session_reminder' && n.sessionId && sessions.includes(n.sessionId))
      .map((n) => n.sessionId!);
    inAppLost += sessions.filter((s) => !shown.includes(s)).length;
    inAppDuplicated += shown.length - new Set(shown).size;
  }

  const emailOf = new Map(recipients.map((r) => [r.member.id, r.member.email]));
  const addresses = new Set(emailOf.values());
  const byId = new Map(email.map((r) => [r.id, r]));
  const reminderMails = smtp.mails.filter((m) => m.to.some((to) => addresses.has(to)) && !INVITATION.test(m.body));
  const mailsById = new Map<string, number>();
  let unattributed = 0;
  let misaddressed = 0;
  for (const mail of reminderMails) {
    const id = UUID.exec(mail.messageId ?? '')?.[0].toLowerCase();
    const row = id ? byId.get(id) : undefined;
    if (!id || !row) {
      unattributed++;
      continue;
    }
    mailsById.set(id, (mailsById.get(id) ?? 0) + 1);
    if (mail.to.join(',') !== emailOf.get(row.recipient_id)) misaddressed++;
  }
  const distinctMessageIds = new Set(reminderMails.map((m, i) => m.messageId ?? `missing-${i}`)).size;
  return {
    inApp: {
      rows: inApp.length,
      delivered: inApp.filter((r) => r.state === 'sent').length,
      lost: inAppLost,
      duplicated: inAppDuplicated,
    },
    email: {
      rows: email.length,
      delivered: email.filter((r) => r.state === 'sent').length,
      lost: email.filter((r) => !mailsById.has(r.id) || r.state !== 'sent').length,
      duplicated: distinctMessageIds - mailsById.size,
      mailsOnTheWire: reminderMails.length,
      rawWireRepeats: [...mailsById.values()].reduce((sum, n) => sum + n - 1, 0),
      unattributed,
      misaddressed,
    },
  };
}
