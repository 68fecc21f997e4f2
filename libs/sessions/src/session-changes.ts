import type { EntityManager } from 'typeorm';

import { newId } from '@mend/core';
import { announceEvent } from '@mend/queue';
import { planSessionReminders } from '@mend/reminders';

import { sessionsRepository, type SessionChanges, type SessionRow, type SessionStatus } from './sessions.repository.js';

/**
 * Every change of a session's time or status goes through the functions below (the API, the
 * `PUT /v1/sessions/external/…` upsert and the scheduling-tool integrations alike), so each one
 * is announced the same way: `session.created`, `session.updated`, or `session.cancelled`
 * when the status turns to cancelled. Runs in the caller's clinic-pinned transaction.
 */
export async function announceSessionChange(
  tx: EntityManager,
  before: SessionRow | null,
  after: SessionRow,
  now: Date,
): Promise<void> {
  const data = { sessionId: after.id, coupleId: after.couple_id };
  // Reminders move with the session and drop when it is cancelled, in the same transaction.
  if (!before || isDifferent(before, after)) await planSessionReminders(tx, after.clinic_id, after.id, now);
  if (!before) await announceEvent(tx, after.clinic_id, 'session.created', data);
  else if (after.status === 'cancelled' && before.status !== 'cancelled')
    await announceEvent(tx, after.clinic_id, 'session.cancelled', data);
  else if (isDifferent(before, after)) await announceEvent(tx, after.clinic_id, 'session.updated', data);
}

function isDifferent(a: SessionRow, b: SessionRow): boolean {
  return (
    a.starts_at.getTime() !== b.starts_at.getTime() ||
    a.ends_at.getTime() !== b.ends_at.getTime() ||
    a.status !== b.status ||
    a.couple_id !== b.couple_id
  );
}

export interface ExternalSessionUpsert {
  clinicId: string;
  coupleId: string;
  therapistId: string;
  source: string;
  externalId: string;
  startsAt: Date;
  endsAt: Date;
  /** Omitted: a new session is scheduled, an existing one keeps its status. */
  status?: SessionStatus;
}

/**
 * Creates or updates a session by (source, externalId) inside the caller's clinic-pinned
 * transaction and announces the change. The caller has already checked access to the couple
 * and the times. Notes are never touched; an identical repeat changes and announces nothing.
 */
export async function upsertSessionByExternalId(
  tx: EntityManager,
  input: ExternalSessionUpsert,
  now: Date,
): Promise<{ row: SessionRow; isCreated: boolean; isChanged: boolean }> {
  const before = await sessionsRepository.findByExternalId(tx, input.clinicId, input.source, input.externalId, true);
  const result = await sessionsRepository.upsertByExternalId(tx, { ...input, id: newId() });
  if (result.isChanged) await announceSessionChange(tx, result.isCreated ? null : before, result.row, now);
  return result;
}

/**
 * Moves, re-statuses or annotates a session the caller has loaded (and locked) and may change;
 * announces a change of time or status. Answers the row unchanged when nothing changes.
 */
export async function changeSession(
  tx: EntityManager,
  before: SessionRow,
  changes: SessionChanges,
  now: Date,
): Promise<SessionRow> {
  const effective: SessionChanges = {};
  if (changes.startsAt !== undefined && changes.startsAt.getTime() !== before.starts_at.getTime())
    effective.startsAt = changes.startsAt;
  if (changes.endsAt !== undefined && changes.endsAt.getTime() !== before.ends_at.getTime())
    effective.endsAt = changes.endsAt;
  if (changes.status !== undefined && changes.status !== before.status) effective.status = changes.status;
  if (changes.notes !== undefined) effective.notes = changes.notes;
  if (Object.keys(effective).length === 0) return before;
  const after = await sessionsRepository.update(tx, before.clinic_id, before.id, effective);
  await announceSessionChange(tx, before, after, now);
  return after;
}
