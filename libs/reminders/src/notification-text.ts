import { DateTime } from 'luxon';

import { escapeHtml } from '@mend/mail';

import type { NotificationChannel, NotificationKind, NotificationPreferences } from './notification.types.js';

/**
 * The words of a notification (in-app title/body, email subject/text). A reminder may be seen
 * on a lock screen or a shared inbox, so it carries no clinical content: never a check-in
 * answer, a note, a partner's or couple's name, a score or an alert's kind. The title is also the
 * email subject, so it never names the exercise either; the body may (the exercise title is the
 * only exception). Discreet text (a discreet clinic, or a partner who chose discreet emails, e.g.
 * for an inbox they share) is neutral: no exercise title and not even the product's name.
 */
export type NotificationTextInput =
  | { kind: 'homework_due' | 'overdue_nudge'; isDiscreet: boolean; exerciseTitle: string }
  | { kind: 'session_reminder'; startsAt: Date; zone: string }
  | { kind: 'alert_notice'; isUrgent?: boolean }
  | { kind: 'digest'; isDiscreet: boolean; exerciseTitles: string[] }
  | { kind: 'plan_rating_due'; isDiscreet: boolean };

export interface NotificationText {
  title: string;
  body: string;
}

const MAX_TITLE = 200;
const MAX_BODY = 1000;
const MAX_EXERCISE_TITLE = 120;

/** One line, no control characters, bounded: an exercise title goes into subjects and lock screens. */
function cleanTitle(title: string): string {
  const line = [...title]
    .map((ch) => (/\p{Cc}|\p{Cf}|\p{Zl}|\p{Zp}/u.test(ch) ? ' ' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  if (line.length === 0) return 'your exercise';
  return line.length > MAX_EXERCISE_TITLE ? `${line.slice(0, MAX_EXERCISE_TITLE - 1)}…` : line;
}

function bounded(text: NotificationText): NotificationText {
  return { title: text.title.slice(0, MAX_TITLE), body: text.body.slice(0, MAX_BODY) };
}

function listOf(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function notificationText(input: NotificationTextInput): NotificationText {
  switch (input.kind) {
    case 'homework_due':
      return bounded(
        input.isDiscreet
          ? { title: 'A check-in is ready for you', body: 'You have a check-in due. Use the link to complete it.' }
          : {
              title: 'A check-in is ready for you',
              body: `Your check-in for "${cleanTitle(input.exerciseTitle)}" is due. Open Mend to complete it.`,
            },
      );
    case 'overdue_nudge':
      return bounded(
        input.isDiscreet
          ? {
              title: 'A check-in is still open',
              body: 'A check-in is still waiting for you. Use the link to complete it.',
            }
          : {
              title: 'A check-in is still open',
              body: `Your check-in for "${cleanTitle(input.exerciseTitle)}" is still open. Open Mend to complete it.`,
            },
      );
    case 'session_reminder': {
      const local = DateTime.fromJSDate(input.startsAt, { zone: input.zone }).setLocale('en');
      return bounded({
        title: 'Upcoming appointment',
        body: `You have an appointment on ${local.toFormat("cccc d LLLL 'at' HH:mm")} (${input.zone}).`,
      });
    }
    case 'alert_notice':
      // Urgent says only that it is urgent: never that it is about safety, nor whose.
      if (input.isUrgent)
        return {
          title: 'Urgent: an alert needs your attention',
          body: 'An urgent alert opened for a couple on your caseload. Open Mend now to review it.',
        };
      return {
        title: 'New alert on your caseload',
        body: 'An alert opened for a couple on your caseload. Open Mend to review it.',
      };
    case 'plan_rating_due':
      // Never an agreement's words, nor who keeps it: only that a weekly rating is open.
      return input.isDiscreet
        ? { title: 'A check-in is ready for you', body: 'You have a check-in due. Use the link to complete it.' }
        : {
            title: 'Time for your weekly review',
            body: 'Rate how this week went with your plan: a minute is enough. Open Mend to add your ratings.',
          };
    case 'digest': {
      const count = input.exerciseTitles.length;
      const noun = count === 1 ? 'check-in' : 'check-ins';
      if (input.isDiscreet || count === 0)
        return {
          title: `${count} ${noun} due`,
          body: input.isDiscreet ? 'Use the link to see what is due.' : 'Open Mend to see what is due.',
        };
      const titles = [...new Set(input.exerciseTitles.map(cleanTitle))];
      return bounded({ title: `${count} ${noun} due`, body: `Due: ${listOf(titles)}. Open Mend to complete them.` });
    }
  }
}

/**
 * Whether a recipient's reminders use the discreet text: the clinic's discreet mode wins when on;
 * otherwise the recipient's own choice, which is about emails (a shared inbox), so the in-app
 * copy inside Mend keeps its words.
 */
export function isDiscreetFor(
  clinic: { isDiscreet: boolean },
  preferences: Pick<NotificationPreferences, 'discreet'>,
  channel: NotificationChannel,
): boolean {
  return clinic.isDiscreet || (channel === 'email' && preferences.discreet === true);
}

/** A reminder email's plain and HTML bodies; a discreet one is neither signed nor linked in the product's name. */
export function emailBodies(body: string, link: string, isDiscreet = false): { text: string; html: string } {
  if (isDiscreet)
    return {
      text: `${body}\n\n${link}`,
      html: `<!doctype html><html><body><p>${escapeHtml(body)}</p><p><a href="${escapeHtml(link)}">Open the link</a></p></body></html>`,
    };
  return {
    text: `${body}\n\n${link}\n\n— Mend`,
    html: `<!doctype html><html><body><p>${escapeHtml(body)}</p><p><a href="${escapeHtml(link)}">Open Mend</a></p><p>— Mend</p></body></html>`,
  };
}

/** Every kind has a text; a new kind that forgets one does not compile. */
const everyKindHasText: Record<NotificationKind, true> = {
  homework_due: true,
  overdue_nudge: true,
  session_reminder: true,
  alert_notice: true,
  digest: true,
  // Its text is written where the reassignment is (libs/couples reassignments.repository).
  couple_reassigned: true,
  plan_rating_due: true,
};
void everyKindHasText;
