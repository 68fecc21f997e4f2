import { DateTime } from 'luxon';
import pg from 'pg';

import { newId, type Clock } from '@mend/core';
import { scoreAnswers, type Answers } from '@mend/exercises';
import { closesAtFor, expandRecurrence } from '@mend/homework';

/**
 * The demo couple: created through the API like any other, then given four weeks of history
 * (occurrences, check-ins, completed sessions) written straight to the database as the app role
 * inside the clinic's transaction — the API rightly refuses to backdate — so a new user opens a
 * real progress report and chart.
 */
export const DEMO_COUPLE_LABEL = 'Jordan & Sam';
export const DEMO_PARTNERS = [
  { name: 'Jordan Avery', email: 'jordan@demo.mend.local', timezone: 'America/New_York' },
  { name: 'Sam Okafor', email: 'sam@demo.mend.local', timezone: 'America/Chicago' },
] as const;

const HISTORY_DAYS = 28;

export interface DemoApi {
  request<T>(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string },
  ): Promise<{ status: number; body: T }>;
}

interface AssignmentRow {
  id: string;
  rrule: string | null;
  builtin_key: string | null;
}

/** A small deterministic generator so every fresh demo looks the same. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));

export async function seedDemoCouple(
  api: DemoApi,
  options: {
    therapistToken: string;
    databaseUrl: string;
    clinicSlug: string;
    password: string;
    invitationToken: (url: string) => string;
    /** The product's clock: "today" and the history end at its now. */
    clock: Clock;
  },
): Promise<string> {
  const now = DateTime.fromJSDate(options.clock.now());
  const existing = await api.request<{ data: Array<{ id: string; label: string | null }> }>(
    'GET',
    '/v1/couples?limit=200',
    { token: options.therapistToken },
  );
  if (existing.status !== 200) throw new Error(`GET /v1/couples answered ${existing.status}`);
  if (existing.body.data.some((c) => c.label === DEMO_COUPLE_LABEL)) return `found couple "${DEMO_COUPLE_LABEL}"`;

  const created = await api.request<{ id: string; partners: Array<{ id: string; invitationUrl: string }> }>(
    'POST',
    '/v1/couples',
    {
      token: options.therapistToken,
      body: { label: DEMO_COUPLE_LABEL, partners: DEMO_PARTNERS },
    },
  );
  if (created.status !== 201) throw new Error(`POST /v1/couples answered ${created.status}`);
  const coupleId = created.body.id;
  for (const partner of created.body.partners) {
    const accepted = await api.request(
      'POST',
      `/v1/invitations/${options.invitationToken(partner.invitationUrl)}/accept`,
      { body: { password: options.password } },
    );
    if (accepted.status !== 200) throw new Error(`accepting a demo partner's invitation answered ${accepted.status}`);
  }

  const exercises = await api.request<{ data: Array<{ id: string; builtinKey: string | null }> }>(
    'GET',
    '/v1/exercises?limit=200',
    { token: options.therapistToken },
  );
  const idOf = (key: string) => exercises.body.data.find((e) => e.builtinKey === key)!.id;
  // The couple's today: the earliest of the partners' local dates. The UTC date would start the
  // homework tomorrow for partners still on the evening before (after 00:00 UTC in the Americas).
  const today = DEMO_PARTNERS.map((p) => now.setZone(p.timezone).toISODate()!).sort()[0];
  const assign = async (body: object) => {
    const res = await api.request('POST', `/v1/couples/${coupleId}/assignments`, {
      token: options.therapistToken,
      body,
    });
    if (res.status !== 201) throw new Error(`assigning demo homework answered ${res.status}`);
  };
  await assign({
    exerciseId: idOf('trust_pulse'),
    schedule: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: today },
    instructions: 'A minute each evening, on your own.',
  });
  await assign({
    exerciseId: idOf('csi4'),
    schedule: { type: 'recurring', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0', startsOn: today },
  });
  await assign({
    exerciseId: idOf('letter_instead_of_fight'),
    schedule: { type: 'once', dueAt: now.toUTC().plus({ days: 3 }).startOf('hour').toISO() },
  });

  await writeHistory(options.databaseUrl, options.clinicSlug, coupleId, now.toUTC());
  // Reading progress once stores the alerts the history raises, so caseloads show them.
  await api.request('GET', `/v1/couples/${coupleId}/progress`, { token: options.therapistToken });
  return `created couple "${DEMO_COUPLE_LABEL}" with ${HISTORY_DAYS} days of check-ins and sessions`;
}

async function writeHistory(databaseUrl: string, clinicSlug: string, coupleId: string, now: DateTime): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const random = mulberry32(20261125);
  const start = now.minus({ days: HISTORY_DAYS }).startOf('day');
  try {
    await client.query('BEGIN');
    // Row-level security hides everything until the clinic is pinned; the slug lookup returns only its id.
    const { rows: clinics } = await client.query<{ id: string }>(`SELECT mend_clinic_id_by_slug($1) AS id`, [
      clinicSlug,
    ]);
    const clinicId = clinics[0].id;
    await client.query(`SELECT set_config('app.clinic_id', $1, true), set_config('mend.now', $2, true)`, [
      clinicId,
      now.toISO(),
    ]);
    const {
      rows: [couple],
    } = await client.query<{ therapist_id: string }>(
      `SELECT therapist_id FROM couple WHERE clinic_id = $1 AND id = $2`,
      [clinicId, coupleId],
    );
    const { rows: partners } = await client.query<{ id: string; timezone: string }>(
      `SELECT u.id, u.timezone FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id WHERE p.clinic_id = $1 AND p.couple_id = $2 ORDER BY p.position`,
      [clinicId, coupleId],
    );
    await client.query(`UPDATE couple SET created_at = $3 WHERE clinic_id = $1 AND id = $2`, [
      clinicId,
      coupleId,
      start.toJSDate(),
    ]);
    const { rows: assignments } = await client.query<AssignmentRow>(
      `SELECT a.id, a.rrule, e.builtin_key FROM assignment a JOIN exercise e ON e.clinic_id = a.clinic_id AND e.id = a.exercise_id
       WHERE a.clinic_id = $1 AND a.couple_id = $2 AND a.schedule_type = 'recurring'`,
      [clinicId, coupleId],
    );
    const { rows: versions } = await client.query<{ id: string; scoring: unknown }>(
      `SELECT a.id, v.scoring FROM assignment a JOIN exercise_version v ON v.clinic_id = a.clinic_id AND v.exercise_id = a.exercise_id AND v.version = a.exercise_version
       WHERE a.clinic_id = $1 AND a.couple_id = $2`,
      [clinicId, coupleId],
    );
    const scoringOf = new Map(versions.map((v) => [v.id, v.scoring as Parameters<typeof scoreAnswers>[0]]));

    for (const assignment of assignments) {
      await client.query(`UPDATE assignment SET created_at = $3, starts_on = $4 WHERE clinic_id = $1 AND id = $2`, [
        clinicId,
        assignment.id,
        start.toJSDate(),
        start.toISODate(),
      ]);
      for (const [index, partner] of partners.entries()) {
        const dues = expandRecurrence(
          { rrule: assignment.rrule!, startsOn: start.setZone(partner.timezone).toISODate()! },
          partner.timezone,
          start.toJSDate(),
          now.toJSDate(),
        );
        for (const due of dues) {
          const occurrenceId = newId();
          const inserted = await client.query(
            `INSERT INTO occurrence (clinic_id, id, assignment_id, couple_id, partner_id, due_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
            [clinicId, occurrenceId, assignment.id, coupleId, partner.id, due, closesAtFor(due)],
          );
          if (!inserted.rowCount) continue;
          const progress = (due.getTime() - start.toMillis()) / (now.toMillis() - start.toMillis());
          // Jordan (hurt partner) starts lower and skips more often early on; both warm up.
          const skipChance = index === 0 ? 0.3 - 0.25 * progress : 0.15;
          if (random() < skipChance) continue;
          const answers: Answers =
            assignment.builtin_key === 'csi4'
              ? index === 0
                ? {
                    happiness: clamp(2 + 2 * progress, 0, 6),
                    warm_comfortable: clamp(2 + 2 * progress, 0, 5),
                    rewarding: clamp(2 + 2 * progress, 0, 5),
                    satisfied: clamp(2 + 2 * progress, 0, 5),
                  }
                : { happiness: 4, warm_comfortable: 4, rewarding: clamp(3 + progress, 0, 5), satisfied: 4 }
              : {
                  trust: clamp((index === 0 ? 3 : 5) + 4 * progress + (random() - 0.5) * 2, 0, 10),
                  safety: clamp((index === 0 ? 4 : 6) + 3 * progress + (random() - 0.5) * 2, 0, 10),
                };
          const submittedAt = new Date(Math.min(due.getTime() + random() * 3 * 3600_000, now.toMillis()));
          await client.query(
            `INSERT INTO check_in (clinic_id, id, occurrence_id, assignment_id, couple_id, author_id, answers, score, visibility, is_late, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10)`,
            [
              clinicId,
              newId(),
              occurrenceId,
              assignment.id,
              coupleId,
              partner.id,
              JSON.stringify(answers),
              JSON.stringify(scoreAnswers(scoringOf.get(assignment.id) ?? null, answers)),
              random() < 0.4 ? 'shared' : 'private',
              submittedAt,
            ],
          );
        }
      }
    }
    // Weekly sessions: three completed, the next one scheduled.
    for (let week = 1; week <= 4; week++) {
      const startsAt = start.plus({ days: 7 * week - 1, hours: 17 });
      const isPast = startsAt < now;
      await client.query(
        `INSERT INTO therapy_session (clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status, notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          clinicId,
          newId(),
          coupleId,
          couple.therapist_id,
          startsAt.toJSDate(),
          startsAt.plus({ minutes: 50 }).toJSDate(),
          isPast ? 'completed' : 'scheduled',
          isPast ? `Week ${week}: reviewed the repair plan together.` : null,
        ],
      );
    }
    await client.query(
      `INSERT INTO therapy_session (clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status) VALUES ($1, $2, $3, $4, $5, $6, 'scheduled')`,
      [
        clinicId,
        newId(),
        coupleId,
        couple.therapist_id,
        now.plus({ days: 3 }).startOf('hour').toJSDate(),
        now.plus({ days: 3 }).startOf('hour').plus({ minutes: 50 }).toJSDate(),
      ],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
