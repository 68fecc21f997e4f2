/**
 * The check-in wording and form rules, shared by the server-rendered check-in page
 * (libs/check-in-page) and the partner's home in the web app (apps/web): one catalog, one set of
 * rules. Nothing here may import Node, Nest or a @mend lib at run time, so Vite can bundle it.
 */
/**
 * Every word of the client check-in page, keyed by locale. Titles (the browser tab, the history,
 * a shared screen) stay generic: no exercise title, no name, no clinical word. `{name}` marks a
 * value filled in by `format`.
 */
export interface CheckInMessages {
  titles: {
    page: string;
    error: string;
    sent: string;
    done: string;
    unavailable: string;
    sessionEnded: string;
    notOpen: string;
    tooMany: string;
    failed: string;
  };
  landing: { lead: string; continue: string; personal: string };
  form: {
    due: string;
    dueLate: string;
    therapistNote: string;
    aboutExercise: string;
    optional: string;
    yes: string;
    no: string;
    scaleHint: string;
    anchorHint: string;
    multiHint: string;
    textHint: string;
    visibilityLegend: string;
    visibilityPrivate: string;
    visibilityShared: string;
    visibilityHint: string;
    visibilitySolo: string;
    submit: string;
  };
  errors: {
    summaryHeading: string;
    /** A summary entry: the question, then what to do. */
    summaryItem: string;
    prefix: string;
    scale: string;
    boolean: string;
    choice: string;
    multiAtLeast: string;
    multiAtMost: string;
    multiInvalid: string;
    textMissing: string;
    textTooLong: string;
    /** The answer held control characters (e.g. NUL), which were removed; the partner checks it and sends again. */
    controlCharacters: string;
    visibility: string;
  };
  sent: { heading: string; private: string; shared: string; sharedLater: string; close: string; safety: string };
  done: { heading: string; body: string };
  unavailable: { heading: string; body: string; newLink: string };
  sessionEnded: { heading: string; body: string };
  notOpen: { heading: string; body: string };
  tooMany: { heading: string; body: string };
  failed: { heading: string; body: string };
}

const en: CheckInMessages = {
  titles: {
    page: 'Check-in',
    error: 'Error: Check-in',
    sent: 'Sent: Check-in',
    done: 'Already sent: Check-in',
    unavailable: 'Link no longer works',
    sessionEnded: 'Page closed',
    notOpen: 'Not open yet',
    tooMany: 'Too many attempts',
    failed: 'Something went wrong',
  },
  landing: {
    lead: 'You have a check-in waiting. Select Continue to open it.',
    continue: 'Continue',
    personal: 'This link is personal. Please do not forward the email it came in.',
  },
  form: {
    due: 'Due {date}',
    dueLate: 'This was due {date}. You can still send it until {closes}.',
    therapistNote: 'Note from your therapist',
    aboutExercise: 'About this exercise',
    optional: '(optional)',
    yes: 'Yes',
    no: 'No',
    scaleHint: 'Choose a number from {min} to {max}.',
    anchorHint: '{value} means “{label}”.',
    multiHint: 'Select all that apply.',
    textHint: 'Up to {max} characters.',
    visibilityLegend: 'Who can see your answers?',
    visibilityPrivate: 'Only my therapist',
    visibilityShared: 'My therapist and {partner}',
    visibilityHint:
      'If you choose {partner}, they can read your answers in Mend as soon as you send them; otherwise they never see them.',
    visibilitySolo: 'Only your therapist will see your answers.',
    submit: 'Send check-in',
  },
  errors: {
    summaryHeading: 'There is a problem',
    summaryItem: '{question} – {message}',
    prefix: 'Error:',
    scale: 'Choose a number from {min} to {max}',
    boolean: 'Choose yes or no',
    choice: 'Choose one answer',
    multiAtLeast: 'Choose at least {count}',
    multiAtMost: 'Choose no more than {count}',
    multiInvalid: 'Choose from the answers shown',
    textMissing: 'Write an answer',
    textTooLong: 'Use {max} characters or fewer',
    controlCharacters:
      'Some invisible characters could not be saved and were removed. Check your answer and send it again',
    visibility: 'Choose who can see your answers',
  },
  sent: {
    heading: 'Thank you. Your check-in was sent.',
    private: 'Only your therapist can see it.',
    shared: 'Your therapist and {partner} can see it.',
    sharedLater:
      'Your therapist can see it now; {partner} will see it once they have checked in too, or on {date} at the latest.',
    close: 'You can close this page now.',
    safety: 'You said you did not feel safe. Your therapist has been told. If you need help now:',
  },
  done: {
    heading: 'Already submitted on {date}',
    body: 'There is nothing more to do here. You can close this page.',
  },
  unavailable: {
    heading: 'This link no longer works',
    body: 'Check-in links stop working a few days after the check-in was due, or when your therapist closes them.',
    newLink: 'To get a new link, wait for your next reminder email, or contact your therapist.',
  },
  sessionEnded: {
    heading: 'This page has closed',
    body: 'For your privacy, the check-in page closes after 30 minutes without activity. Open the link in your email again to continue.',
  },
  notOpen: {
    heading: 'This check-in is not open yet',
    body: 'It opens {date}. Please open the link again then.',
  },
  tooMany: {
    heading: 'Too many attempts',
    body: 'Please wait a few minutes, then open the link in your email again.',
  },
  failed: {
    heading: 'Something went wrong',
    body: 'Your answers were not sent. Please try again in a few minutes.',
  },
};

export const CHECK_IN_MESSAGES: Readonly<Record<string, CheckInMessages>> = Object.freeze({ en });
export const DEFAULT_LOCALE = 'en';

/** The catalog locale for a user's locale (`en-GB` → `en`), falling back to English. */
export function catalogLocale(locale: string | null | undefined): string {
  if (!locale) return DEFAULT_LOCALE;
  const wanted = locale.toLowerCase();
  if (Object.hasOwn(CHECK_IN_MESSAGES, wanted)) return wanted;
  const language = wanted.split(/[-_]/)[0];
  return Object.hasOwn(CHECK_IN_MESSAGES, language) ? language : DEFAULT_LOCALE;
}

/**
 * For pages shown before anyone is known (an unusable link): the first catalog language the
 * browser asks for. Unknown, expired and revoked links all go through here, so they read alike.
 */
export function localeFromAcceptLanguage(header: string | undefined): string {
  for (const part of (header ?? '').split(',')) {
    const tag = part.split(';')[0].trim();
    if (!tag || tag === '*') continue;
    const locale = catalogLocale(tag);
    if (locale !== DEFAULT_LOCALE || tag.toLowerCase().startsWith(DEFAULT_LOCALE)) return locale;
  }
  return DEFAULT_LOCALE;
}

export function messagesFor(locale: string): CheckInMessages {
  return CHECK_IN_MESSAGES[catalogLocale(locale)];
}

export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) =>
    Object.hasOwn(values, key) ? String(values[key]) : match,
  );
}

/** The first word of a display name ("Sam Okafor" → "Sam"), for the visibility choice only. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}
