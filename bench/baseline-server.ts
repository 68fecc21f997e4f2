/**
 * The baseline for the check-in submit benchmark: bare Fastify + pg, no Nest, no TypeORM, no
 * passport, no class-validator, no logger. It issues the same SQL statements as the API's
 * `POST /v1/assignments/:id/check-ins` in the same order and the same transactions — the
 * access-token re-check (one call of the id-only `mend_access_role` function) and the submit
 * transaction with set_config, locks, reads, inserts — so the ratio measures what the framework
 * costs, not the database.
 * The bench compares per-request transaction and row counts of both to show they match.
 *
 * Domain rules that are pure functions (check-in window, form validation, scoring)
 * are imported straight from their lib files, as the API uses them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';

import Fastify from 'fastify';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

import type { Answers, CheckInForm, Scoring } from '../libs/exercises/src/form.types.js';
import { validateAnswers } from '../libs/exercises/src/form.validator.js';
import { scoreAnswers } from '../libs/exercises/src/scoring.js';
import { SUBMIT_TARGET, SUBMITTED_INSERT, submittedInsert } from '../libs/homework/src/check-ins.repository.js';
import { checkInWindow } from '../libs/homework/src/occurrence-state.js';
import { SAFETY_STATE } from '../libs/progress/src/safety.repository.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'database-url': { type: 'string' },
    'jwt-secret': { type: 'string' },
    'pool-size': { type: 'string' },
  },
});
const secret = values['jwt-secret']!;
const pool = new pg.Pool({ connectionString: values['database-url'], max: Number(values['pool-size'] ?? 10) });
/** The default safety threshold (libs/progress DEFAULT_SAFETY_THRESHOLD): the bench's clinics keep it. */
const SAFETY_THRESHOLD = 2;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class HttpError extends Error {
  constructor(readonly status: number) {
    super(String(status));
  }
}

interface Claims {
  sub: string;
  cid: string;
  fam: string;
  typ: string;
  iss: string;
  aud: string;
  exp: number;
}

/** HS256 verification with the checks passport-jwt makes: algorithm, signature, issuer, audience, expiry. */
function verify(header: string | undefined): Claims {
  const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) throw new HttpError(401);
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (head.alg !== 'HS256') throw new HttpError(401);
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401);
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims;
  if (claims.iss !== 'mend' || claims.aud !== 'mend-api' || claims.exp * 1000 < Date.now() || claims.typ !== 'access')
    throw new HttpError(401);
  if (!UUID.test(claims.cid) || !UUID.test(claims.sub) || !UUID.test(claims.fam)) throw new HttpError(401);
  return claims;
}

async function inClinic<T>(clinicId: string, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    await client.query(`SELECT set_config('app.clinic_id', $1, true), set_config('mend.now', $2, true)`, [
      clinicId,
      new Date().toISOString(),
    ]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });

app.get('/ready', async () => ({ ok: true }));

app.post<{
  Params: { id: string };
  Body: { occurrenceAt: string; answers: unknown; visibility: 'private' | 'shared' };
}>('/v1/assignments/:id/check-ins', async (request, reply) => {
  try {
    const claims = verify(request.headers.authorization);
    const role = (await pool.query(`SELECT mend_access_role($1, $2, $3) AS role`, [claims.cid, claims.sub, claims.fam]))
      .rows[0]?.role as string | null | undefined;
    if (!role) throw new HttpError(401);
    if (role !== 'client') throw new HttpError(403);
    const assignmentId = request.params.id;
    const body = request.body;
    if (
      !UUID.test(assignmentId) ||
      typeof body?.occurrenceAt !== 'string' ||
      typeof body.answers !== 'object' ||
      !['private', 'shared'].includes(body.visibility)
    ) {
      throw new HttpError(400);
    }
    const occurrenceAt = new Date(body.occurrenceAt);
    const clinicId = claims.cid;
    const view = await inClinic(clinicId, async (c) => {
      const now = new Date();
      // CheckInsService.submitIn: one locking read of assignment, couple, form and occurrence. Named
      // prepared statements, as the API issues them with DATABASE_PREPARED_STATEMENTS on (its default).
      const target = (await c.query({ ...SUBMIT_TARGET, values: [clinicId, assignmentId, claims.sub, occurrenceAt] }))
        .rows[0] as
        | {
            id: string;
            couple_id: string;
            reveal_together: boolean;
            schedule_type: string;
            status: string;
            couple_status: string;
            is_partner: boolean;
            form: CheckInForm;
            scoring: Scoring | null;
            occurrence_id: string | null;
            partner_id: string | null;
            due_at: Date;
            closes_at: Date;
            opens_at: Date;
            late_after: Date;
            has_check_in: boolean;
          }
        | undefined;
      if (!target || !target.is_partner) throw new HttpError(404);
      if (target.status === 'cancelled' || target.couple_status === 'closed') throw new HttpError(422);
      // The bench's occurrences are all materialised (the API would lay out the horizon here otherwise).
      if (!target.occurrence_id) throw new HttpError(422);
      const occurrence = { id: target.occurrence_id, due_at: target.due_at };
      const window = checkInWindow(
        { dueAt: target.due_at, opensAt: target.opens_at, lateAfter: target.late_after, closesAt: target.closes_at },
        now,
      );
      if (!window.isOpen) throw new HttpError(422);
      if (target.has_check_in) throw new HttpError(409);
      if (validateAnswers(target.form, body.answers).length) throw new HttpError(400);
      const answers = body.answers as Answers;
      const score = scoreAnswers(target.scoring, answers);
      // insertSubmitted: the check-in with its reminders skipped, audit row, refresh job and event, in one statement.
      const checkInId = uuidv7();
      const eventId = uuidv7();
      const inserted = await c.query({
        ...SUBMITTED_INSERT,
        values: submittedInsert(
          {
            clinicId,
            id: checkInId,
            occurrenceId: occurrence.id,
            assignmentId,
            coupleId: target.couple_id,
            authorId: claims.sub,
            answers,
            score,
            visibility: body.visibility,
            isLate: window.isLate,
            submittedAt: now,
          },
          {
            audit: { id: uuidv7(), requestId: request.id, ip: request.ip },
            refreshJob: {
              id: uuidv7(),
              queue: 'maintenance',
              jobName: 'progress.refresh',
              payload: JSON.stringify({ clinicId, coupleId: target.couple_id }),
            },
            event: {
              id: eventId,
              data: {
                checkInId,
                assignmentId,
                occurrenceId: occurrence.id,
                coupleId: target.couple_id,
                partnerId: claims.sub,
              },
              fanoutJob: {
                id: uuidv7(),
                queue: 'webhooks',
                jobName: 'webhook.fanout',
                payload: JSON.stringify({ clinicId, eventId }),
              },
            },
          },
        )[1],
      });
      const id = inserted.rows[0]?.id as string | undefined;
      if (!id) throw new HttpError(409);
      // SafetyService.checkedIn: a safety answer reads the clinic's settings, the partner's evidence
      // and whether a concern is open in one statement; the alert statements run only when the
      // condition holds or an open concern resolves (never with the bench's answers).
      if (typeof score?.safety === 'number') {
        const state = (await c.query({ ...SAFETY_STATE, values: [clinicId, target.couple_id, claims.sub] })).rows[0] as
          { pulse_value: number | null; screen_is_concern: boolean | null; has_open_concern: boolean } | undefined;
        if (!state) throw new HttpError(404);
        if ((state.pulse_value ?? 10) <= SAFETY_THRESHOLD || state.screen_is_concern || state.has_open_concern)
          throw new HttpError(500); // the bench's answers never open or resolve a concern
      }
      // revealOf runs only for a shared check-in of a reveal-together assignment (not the bench's).
      if (body.visibility === 'shared' && target.reveal_together) throw new HttpError(500);
      // The row as written: no read-back.
      return {
        id,
        assignmentId,
        coupleId: target.couple_id,
        occurrenceAt: occurrence.due_at,
        partnerId: target.partner_id,
        authorId: claims.sub,
        answers,
        score,
        visibility: body.visibility,
        isLate: window.isLate,
        submittedAt: now,
      };
    });
    return reply.status(201).send(view);
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) console.error(error);
    return reply.status(status).header('content-type', 'application/problem+json').send({ status });
  }
});

await app.listen({ port: Number(values.port), host: '127.0.0.1' });
