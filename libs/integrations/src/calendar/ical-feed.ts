import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical from 'ical-generator';
import { DateTime } from 'luxon';

export interface FeedEvent {
  /** Stable across renders and edits, so calendars update the event instead of duplicating it. */
  uid: string;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  /** When this event last changed (DTSTAMP and LAST-MODIFIED; keeps a render stable between changes). */
  changedAt: Date;
  /** RFC 5545 SEQUENCE: grows with every change of the event, so calendars take the newer version. */
  sequence: number;
}

const CALENDAR_PROPERTY = /^(REFRESH-INTERVAL|X-PUBLISHED-TTL|NAME|X-WR-CALNAME|X-WR-TIMEZONE|METHOD|CALSCALE)[;:]/;

/**
 * RFC 5545 §3.4/§3.6: a calendar's properties come before its components. ical-generator writes
 * REFRESH-INTERVAL and X-PUBLISHED-TTL after the VTIMEZONE; move every calendar-level property up.
 */
function calendarPropertiesFirst(text: string): string {
  const lines = text.split('\r\n');
  const firstComponent = lines.findIndex((line, i) => i > 0 && line.startsWith('BEGIN:'));
  if (firstComponent < 0) return text;
  let depth = 0;
  const moved: string[] = [];
  const rest: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (i < firstComponent) continue;
    if (line.startsWith('BEGIN:')) depth++;
    if (depth === 0 && CALENDAR_PROPERTY.test(line)) moved.push(line);
    else rest.push(line);
    if (line.startsWith('END:') && line !== 'END:VCALENDAR') depth--;
  }
  return [...lines.slice(0, firstComponent), ...moved, ...rest].join('\r\n');
}

/**
 * An RFC 5545 calendar for a subscription URL. Times are written in the owner's IANA zone with
 * its VTIMEZONE (DTSTART;TZID=Europe/Berlin:…), or in UTC for UTC users, so Google and Apple
 * Calendar show them at the right local time on both sides of a DST change.
 */
export function renderFeed(input: { name: string; zone: string; events: FeedEvent[] }): string {
  const calendar = ical({
    name: input.name,
    prodId: { company: 'Mend', product: 'Mend calendar feed', language: 'EN' },
    ttl: 60 * 60,
  });
  // Any fixed instant answers whether the zone is UTC or unknown; no clock needed.
  const zone = DateTime.fromMillis(0).setZone(input.zone);
  const isUtc = zone.zoneName === 'UTC' || !zone.isValid;
  if (!isUtc) calendar.timezone({ name: null, generator: getVtimezoneComponent });
  for (const event of input.events) {
    // ical-generator writes a luxon DateTime in its own zone when the event names that zone;
    // a plain Date would be written with UTC digits under the TZID.
    const at = (date: Date) => (isUtc ? date : DateTime.fromJSDate(date, { zone: input.zone }));
    calendar.createEvent({
      id: event.uid,
      start: at(event.startsAt),
      end: at(event.endsAt),
      timezone: isUtc ? null : input.zone,
      summary: event.summary,
      stamp: event.changedAt,
      lastModified: event.changedAt,
      sequence: event.sequence,
    });
  }
  return calendarPropertiesFirst(calendar.toString());
}
