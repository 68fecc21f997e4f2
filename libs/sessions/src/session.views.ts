import { DateTime } from 'luxon';

import { DomainException, isUuid } from '@mend/core';

import type { PartnerAttendance, SessionRow, SessionStatus } from './sessions.repository.js';

/** A session as staff and integrations see it. `notes` is present only for the couple's therapist. */
export interface SessionView {
  id: string;
  coupleId: string;
  therapistId: string;
  startsAt: Date;
  endsAt: Date;
  status: SessionStatus;
  source: string;
  externalId: string | null;
  notes?: string | null;
  /** Partners a scheduling tool reported as not attending (cancelled) or absent (no_show); empty: all attending. */
  attendance: PartnerAttendance[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Maps a row to its view. Notes are copied only when asked for: admins, clients and API keys
 * never receive them, so the default leaves them out.
 */
export function toSessionView(row: SessionRow, options: { withNotes: boolean } = { withNotes: false }): SessionView {
  const view: SessionView = {
    id: row.id,
    coupleId: row.couple_id,
    therapistId: row.therapist_id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    source: row.source,
    externalId: row.external_id,
    attendance: row.attendance ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (options.withNotes) view.notes = row.notes;
  return view;
}

/**
 * A session as one of the couple's partners sees it: when (in the partner's own zone) and its
 * status. Never the therapist's notes, who booked it or from which scheduling tool, nor either
 * partner's attendance (one partner cancelling their place is not the other's to learn here).
 */
export interface PartnerSessionView {
  id: string;
  /** ISO 8601 with the offset of `timeZone` at that instant. */
  startsAt: string;
  endsAt: string;
  /** The partner's own IANA zone, the one the times are written in. */
  timeZone: string;
  status: SessionStatus;
}

export function toPartnerSessionView(row: SessionRow, zone: string): PartnerSessionView {
  const inZone = (at: Date) => DateTime.fromJSDate(at, { zone }).toISO({ suppressMilliseconds: true })!;
  return {
    id: row.id,
    startsAt: inZone(row.starts_at),
    endsAt: inZone(row.ends_at),
    timeZone: zone,
    status: row.status,
  };
}

/** Sessions are listed by start time, so the cursor carries the last (starts_at, id). */
export function encodeSessionCursor(row: SessionRow): string {
  return Buffer.from(`${row.starts_at.toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

export function decodeSessionCursor(cursor: string | undefined): { startsAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startsAt = new Date(at ?? '');
  if (!id || !isUuid(id) || Number.isNaN(startsAt.getTime())) {
    throw new DomainException('invalid', 'The cursor is not valid', {
      errors: [{ field: 'cursor', message: 'cursor is not valid' }],
    });
  }
  return { startsAt, id };
}
