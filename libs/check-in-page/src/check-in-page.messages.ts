import { DateTime } from 'luxon';

export * from '@mend/check-in-form';

/** "Tuesday, November 25 at 8:00 PM EST", in the partner's zone and language. */
export function formatDateTime(at: Date, zone: string, locale: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale(locale).toLocaleString({
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** "Tuesday, November 25", in the partner's zone and language. */
export function formatDate(at: Date, zone: string, locale: string): string {
  return DateTime.fromJSDate(at, { zone })
    .setLocale(locale)
    .toLocaleString({ weekday: 'long', month: 'long', day: 'numeric' });
}
