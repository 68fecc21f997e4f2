/**
 * The baseline for the check-in submit benchmark: bare Fastify + pg, no Nest, no TypeORM, no
 * passport, no class-validator, no logger. It issues the same SQL statements as the API's
 * `POST /v1/assignments/:id/check-ins` in the same order and the same transactions — the
 * access-token re-check (one call of the id-only `mend_access_role` function) and the submit
 * transaction with set_config, locks, reads, inserts — so the ratio measures what the framework
 * costs, not the database.
 * The bench compares per-request transaction and row counts of both to show they match.
 *
 * Domain rules that are pure functions (recurrence, check-in window, form validation, scoring)
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
import { CLOSE_AFTER_HOURS, HORIZON_DAYS } from '../libs/homework/src/homework.constants.js';
import { checkInWindow } from '../libs/homework/src/occurrence-state.js';
import { expandRecurrence } from '../libs/homework/src/recurrence.js';

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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

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
    await client.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinicId]);
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
      const lock = async () =>
        (
          await c.query(`SELECT id FROM assignment WHERE clinic_id = $1 AND id = $2 FOR NO KEY UPDATE`, [
            clinicId,
            assignmentId,
          ])
        ).rows.length === 1;
      if (!(await lock())) throw new HttpError(404);
      const assignment = (
        await c.query(
          `SELECT id, couple_id, exercise_id, exercise_version, schedule_type, status FROM assignment WHERE clinic_id = $1 AND id = $2`,
          [clinicId, assignmentId],
        )
      ).rows[0];
      const couple = (
        await c.query(
          `SELECT c.id, c.clinic_id, c.therapist_id, c.status, c.label,
            (SELECT array_agg(p.user_id ORDER BY p.position) FROM couple_partner p WHERE p.clinic_id = c.clinic_id AND p.couple_id = c.id) AS partner_ids
     FROM couple c WHERE c.clinic_id = $1 AND c.id = $2 `,
          [clinicId, assignment.couple_id],
        )
      ).rows[0];
      if (!couple || !(couple.partner_ids as string[]).includes(claims.sub)) throw new HttpError(404);
      if (assignment.status === 'cancelled' || couple.status === 'closed') throw new HttpError(422);
      const version = (
        await c.query(
          `SELECT v.exercise_id, v.version, e.builtin_key, v.title, v.category, v.instructions, v.mode, v.default_cadence, v.form, v.scoring, v.created_at
       FROM exercise_version v JOIN exercise e ON e.clinic_id = v.clinic_id AND e.id = v.exercise_id
       WHERE v.clinic_id = $1 AND v.exercise_id = $2 AND v.version = $3`,
          [clinicId, assignment.exercise_id, assignment.exercise_version],
        )
      ).rows[0] as { mode: 'individual' | 'joint'; form: CheckInForm; scoring: Scoring | null };

      // materialiseOccurrences: the horizon moves with now, so the mark is behind on every submit.
      const until = new Date(now.getTime() + HORIZON_DAYS * DAY_MS);
      await lock();
      const m = (
        await c.query(
          `SELECT a.id, a.couple_id, a.schedule_type, a.due_at, a.rrule, to_char(a.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(a.until, 'YYYY-MM-DD') AS until,
            a.status, a.materialized_until, a.created_at, c.status AS couple_status, v.mode
     FROM assignment a
     JOIN couple c ON c.clinic_id = a.clinic_id AND c.id = a.couple_id
     JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
     WHERE a.clinic_id = $1 AND a.id = $2`,
          [clinicId, assignmentId],
        )
      ).rows[0];
      const mark: Date = m.materialized_until ?? m.created_at;
      if (m.status === 'active' && m.couple_status === 'active' && mark.getTime() < until.getTime()) {
        const partners = (
          await c.query(
            `SELECT p.user_id, u.timezone FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
     WHERE p.clinic_id = $1 AND p.couple_id = $2 ORDER BY p.position`,
            [clinicId, m.couple_id],
          )
        ).rows as Array<{ user_id: string; timezone: string }>;
        const targets = m.mode === 'joint' ? [{ user_id: null, timezone: partners[0].timezone }] : partners;
        const slots = targets.flatMap((t) =>
          expandRecurrence({ rrule: m.rrule, startsOn: m.starts_on, until: m.until }, t.timezone, mark, until).map(
            (dueAt) => ({ partnerId: t.user_id, dueAt }),
          ),
        );
        if (slots.length > 0) {
          await c.query(
            `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at)
     SELECT $1, s.id, $2, $3, s.partner_id, s.due_at, s.closes_at
     FROM unnest($4::uuid[], $5::uuid[], $6::timestamptz[], $7::timestamptz[]) AS s (id, partner_id, due_at, closes_at)
     ON CONFLICT DO NOTHING
     RETURNING id`,
            [
              clinicId,
              assignmentId,
              m.couple_id,
              slots.map(() => uuidv7()),
              slots.map((s) => s.partnerId),
              slots.map((s) => s.dueAt.toISOString()),
              slots.map((s) => new Date(s.dueAt.getTime() + CLOSE_AFTER_HOURS * HOUR_MS).toISOString()),
            ],
          );
        }
        await c.query(`UPDATE assignment SET materialized_until = $3 WHERE clinic_id = $1 AND id = $2`, [
          clinicId,
          assignmentId,
          until,
        ]);
      }

      const occurrence = (
        await c.query(
          `SELECT id, partner_id, due_at, closes_at FROM occurrence
       WHERE clinic_id = $1 AND assignment_id = $2 AND due_at = $3 AND partner_id IS NOT DISTINCT FROM $4::uuid`,
          [clinicId, assignmentId, occurrenceAt, version.mode === 'joint' ? null : claims.sub],
        )
      ).rows[0];
      if (!occurrence) throw new HttpError(422);
      const window = checkInWindow({ dueAt: occurrence.due_at, closesAt: occurrence.closes_at }, now);
      if (!window.isOpen) throw new HttpError(422);
      if (
        (await c.query(`SELECT 1 FROM check_in WHERE clinic_id = $1 AND occurrence_id = $2`, [clinicId, occurrence.id]))
          .rows.length > 0
      )
        throw new HttpError(409);
      if (validateAnswers(version.form, body.answers).length) throw new HttpError(400);
      const answers = body.answers as Answers;
      const score = scoreAnswers(version.scoring, answers);
      const inserted = await c.query(
        `INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, is_late, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (clinic_id, occurrence_id) DO NOTHING
       RETURNING id`,
        [
          clinicId,
          uuidv7(),
          occurrence.id,
          assignmentId,
          couple.id,
          claims.sub,
          JSON.stringify(answers),
          score === null ? null : JSON.stringify(score),
          body.visibility,
          window.isLate,
          now,
        ],
      );
      const id = inserted.rows[0]?.id as string | undefined;
      if (!id) throw new HttpError(409);
      await c.query(
        `INSERT INTO audit_event (clinic_id, id, actor_type, actor_id, action, resource_type, resource_id, outcome, request_id, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [clinicId, uuidv7(), 'user', claims.sub, 'check_in.create', 'check_in', id, 'success', request.id, request.ip],
      );
      await c.query(
        `INSERT INTO outbox (clinic_id, id, queue, job_name, payload, available_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, COALESCE($6::timestamptz, now()))
       ON CONFLICT (clinic_id, id) DO NOTHING
       RETURNING id`,
        [
          clinicId,
          uuidv7(),
          'maintenance',
          'progress.refresh',
          JSON.stringify({ clinicId, coupleId: assignment.couple_id }),
          null,
        ],
      );
      await c.query(
        `INSERT INTO webhook_event (clinic_id, id, type, data, dedupe_key)
     SELECT $1, $2, $3, $4::jsonb, $5
      WHERE EXISTS (SELECT 1 FROM webhook_endpoint e WHERE e.clinic_id = $1 AND e.disabled_at IS NULL AND $3 = ANY (e.events))
     ON CONFLICT DO NOTHING
     RETURNING id`,
        [
          clinicId,
          uuidv7(),
          'checkin.submitted',
          JSON.stringify({
            checkInId: id,
            assignmentId,
            occurrenceId: occurrence.id,
            coupleId: couple.id,
            partnerId: claims.sub,
          }),
          null,
        ],
      );
      const row = (
        await c.query(
          `SELECT c.id, c.assignment_id, c.couple_id, o.due_at AS occurrence_at, o.partner_id, c.author_id, c.answers, c.score, c.visibility, c.is_late, c.submitted_at
  FROM check_in c JOIN occurrence o ON o.clinic_id = c.clinic_id AND o.id = c.occurrence_id WHERE c.clinic_id = $1 AND c.id = $2`,
          [clinicId, id],
        )
      ).rows[0];
      return {
        id: row.id,
        assignmentId: row.assignment_id,
        coupleId: row.couple_id,
        occurrenceAt: row.occurrence_at,
        partnerId: row.partner_id,
        authorId: row.author_id,
        answers: row.answers,
        score: row.score,
        visibility: row.visibility,
        isLate: row.is_late,
        submittedAt: row.submitted_at,
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
