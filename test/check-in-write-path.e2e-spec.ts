/**
 * The check-in submit at the database's pace: it no longer lays out the assignment's horizon on
 * every request (the worker and the homework reads keep it), so an ordinary submit leaves the
 * materialised mark where it was; and a submit for an occurrence that is not materialised yet
 * (the worker fell behind, or a schedule was just laid out again) still succeeds, because the
 * submit then lays out the horizon itself.
 */
import { TenantDatabase } from '@mend/database';
import {
  builtinExerciseId,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type CoupleContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;
const answers = { trust: 7, safety: 6, note: 'We talked about the budget calmly.' };

interface OccurrenceBody {
  dueAt: string;
  opensAt: string;
  closesAt: string;
  checkInId: string | null;
}

describe('check-in submit: the request path does not materialise', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let pulseId: string;

  const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> =>
    t.app.get(TenantDatabase).withClinic(clinic.clinicId, (tx) => tx.query(query, params));
  const mark = async (assignmentId: string) =>
    (
      await sql<{ mark: Date | null }>(
        `SELECT materialized_until AS mark FROM assignment WHERE clinic_id = $1 AND id = $2`,
        [clinic.clinicId, assignmentId],
      )
    )[0].mark;
  /** An occurrence of the partner's that is open for check-ins now, as the client app lists it. */
  const openOccurrence = async (couple: CoupleContext, assignmentId: string): Promise<OccurrenceBody> => {
    const listed = await t.http().get('/v1/me/assignments').auth(couple.partners[0].accessToken, auth).expect(200);
    const assignment = (listed.body.data as Array<{ id: string; occurrences: OccurrenceBody[] }>).find(
      (a) => a.id === assignmentId,
    )!;
    const now = Date.now();
    const open = assignment.occurrences.find(
      (o) => o.checkInId === null && Date.parse(o.opensAt) <= now && Date.parse(o.closesAt) > now + 60_000,
    );
    if (!open) throw new Error('no open occurrence');
    return open;
  };

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers an open occurrence without moving the horizon mark', async () => {
    const couple = await newCouple(t, therapist);
    const assignment = await newAssignment(t, therapist, couple, pulseId);
    const occurrence = await openOccurrence(couple, assignment.id);
    const before = await mark(assignment.id);
    expect(before).not.toBeNull();

    const res = await t
      .http()
      .post(`/v1/assignments/${assignment.id}/check-ins`)
      .auth(couple.partners[0].accessToken, auth)
      .send({ occurrenceAt: occurrence.dueAt, answers, visibility: 'shared' })
      .expect(201);
    expect(res.body).toMatchObject({
      assignmentId: assignment.id,
      coupleId: couple.coupleId,
      occurrenceAt: occurrence.dueAt,
      partnerId: couple.partners[0].id,
      authorId: couple.partners[0].id,
      answers,
      visibility: 'shared',
    });
    // The answer is the row as stored.
    const listed = await t
      .http()
      .get(`/v1/couples/${couple.coupleId}/check-ins`)
      .auth(therapist.accessToken, auth)
      .expect(200);
    expect(listed.body.data).toEqual([res.body]);
    expect(await mark(assignment.id)).toEqual(before);

    // The same occurrence again is a conflict, as before.
    await t
      .http()
      .post(`/v1/assignments/${assignment.id}/check-ins`)
      .auth(couple.partners[0].accessToken, auth)
      .send({ occurrenceAt: occurrence.dueAt, answers, visibility: 'shared' })
      .expect(409);
  });

  it('lays out the horizon itself for an occurrence that is not materialised yet', async () => {
    const couple = await newCouple(t, therapist);
    const assignment = await newAssignment(t, therapist, couple, pulseId);
    const occurrence = await openOccurrence(couple, assignment.id);
    // As if the worker had never laid out this assignment's horizon.
    await sql(`DELETE FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2`, [clinic.clinicId, assignment.id]);
    await sql(`UPDATE assignment SET materialized_until = NULL WHERE clinic_id = $1 AND id = $2`, [
      clinic.clinicId,
      assignment.id,
    ]);

    const res = await t
      .http()
      .post(`/v1/assignments/${assignment.id}/check-ins`)
      .auth(couple.partners[0].accessToken, auth)
      .send({ occurrenceAt: occurrence.dueAt, answers, visibility: 'private' })
      .expect(201);
    expect(res.body).toMatchObject({ occurrenceAt: occurrence.dueAt, partnerId: couple.partners[0].id });
    expect(await mark(assignment.id)).not.toBeNull();
    const occurrences = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2`,
      [clinic.clinicId, assignment.id],
    );
    expect(occurrences[0].n).toBeGreaterThan(2);

    // A due time that is no occurrence of the schedule stays a 422.
    await t
      .http()
      .post(`/v1/assignments/${assignment.id}/check-ins`)
      .auth(couple.partners[0].accessToken, auth)
      .send({
        occurrenceAt: new Date(Date.parse(occurrence.dueAt) + 60_000).toISOString(),
        answers,
        visibility: 'private',
      })
      .expect(422);
  });
});
