import { randomBytes } from 'node:crypto';

import { DateTime } from 'luxon';
import type request from 'supertest';

import type { TestDatabase } from './test-database.js';

export const TEST_PASSWORD = 'a-good-long-passphrase';

export interface ClinicContext {
  clinicId: string;
  slug: string;
  admin: { id: string; email: string; accessToken: string; refreshToken: string };
}

export interface StaffContext {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * What the factories need of an app: an HTTP client for it. A TestApp (in process, built in
 * test/support) is one; so is `{ http: () => request(baseUrl) }` for an API running as its own
 * process (the fault suite).
 */
export interface ApiTarget {
  http: () => ReturnType<typeof request>;
}

export function uniqueSlug(prefix = 'clinic'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Signs up a clinic through the public API and returns its admin's tokens. */
export async function newClinic(
  t: ApiTarget,
  overrides: { slug?: string; adminEmail?: string } = {},
): Promise<ClinicContext> {
  const slug = overrides.slug ?? uniqueSlug();
  const email = overrides.adminEmail ?? `admin@${slug}.example`;
  const res = await t
    .http()
    .post('/v1/clinics')
    .send({
      name: `Clinic ${slug}`,
      slug,
      timezone: 'America/New_York',
      admin: { name: 'Avery Admin', email, password: TEST_PASSWORD },
    })
    .expect(201);
  return {
    clinicId: res.body.clinic.id,
    slug,
    admin: { id: res.body.user.id, email, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken },
  };
}

export function invitationToken(invitationUrl: string): string {
  return invitationUrl.split('/').pop()!;
}

/** Invites a staff member as the clinic admin and accepts the invitation. */
export async function newStaff(
  t: ApiTarget,
  clinic: ClinicContext,
  role: 'admin' | 'therapist' = 'therapist',
  name = 'Theo Therapist',
): Promise<StaffContext> {
  const email = `${role}-${randomBytes(3).toString('hex')}@${clinic.slug}.example`;
  const invited = await t
    .http()
    .post('/v1/users')
    .auth(clinic.admin.accessToken, { type: 'bearer' })
    .send({ name, email, role })
    .expect(201);
  const accepted = await t
    .http()
    .post(`/v1/invitations/${invitationToken(invited.body.invitationUrl)}/accept`)
    .send({ password: TEST_PASSWORD })
    .expect(200);
  return {
    id: invited.body.user.id,
    email,
    accessToken: accepted.body.accessToken,
    refreshToken: accepted.body.refreshToken,
  };
}

export async function newApiKey(
  t: ApiTarget,
  clinic: ClinicContext,
  scopes: string[],
): Promise<{ id: string; key: string }> {
  const res = await t
    .http()
    .post('/v1/api-keys')
    .auth(clinic.admin.accessToken, { type: 'bearer' })
    .send({ name: 'integration', scopes })
    .expect(201);
  return { id: res.body.id, key: res.body.key };
}

/**
 * A client user straight in the database (as the app role, inside the clinic's transaction),
 * for access tests that need a client before couples exist in the test's story.
 */
export async function insertClientUser(
  t: ApiTarget & { db: Pick<TestDatabase, 'appUrl'> },
  clinic: ClinicContext,
  email = `client-${randomBytes(3).toString('hex')}@${clinic.slug}.example`,
): Promise<StaffContext> {
  const argon2 = (await import('argon2')).default;
  const { newId } = await import('@mend/core');
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: t.db.appUrl });
  await client.connect();
  const id = newId();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinic.clinicId]);
    await client.query(
      `INSERT INTO "user" (clinic_id, id, email, name, role, timezone, password_hash) VALUES ($1, $2, $3, 'Casey Client', 'client', 'Europe/Berlin', $4)`,
      [clinic.clinicId, id, email, await argon2.hash(TEST_PASSWORD, { type: argon2.argon2id })],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const login = await t
    .http()
    .post('/v1/auth/login')
    .send({ clinic: clinic.slug, email, password: TEST_PASSWORD })
    .expect(200);
  return { id, email, accessToken: login.body.accessToken, refreshToken: login.body.refreshToken };
}

export interface PartnerContext {
  id: string;
  email: string;
  name: string;
  timezone: string;
  accessToken: string;
  refreshToken: string;
}

export interface CoupleContext {
  coupleId: string;
  therapistId: string;
  partners: PartnerContext[];
}

/**
 * A couple created by its therapist through the API, with every partner having accepted their
 * invitation (so each has tokens).
 */
export async function newCouple(
  t: ApiTarget,
  therapist: { accessToken: string },
  partners: Array<{ name: string; timezone: string }> = [
    { name: 'Alex Morgan', timezone: 'America/New_York' },
    { name: 'Blake Morgan', timezone: 'Europe/Berlin' },
  ],
): Promise<CoupleContext> {
  const suffix = randomBytes(3).toString('hex');
  const body = {
    label: `Couple ${suffix}`,
    partners: partners.map((p, i) => ({ ...p, email: `partner${i + 1}-${suffix}@couples.example` })),
  };
  const created = await t
    .http()
    .post('/v1/couples')
    .auth(therapist.accessToken, { type: 'bearer' })
    .send(body)
    .expect(201);
  const out: PartnerContext[] = [];
  for (const partner of created.body.partners as Array<{
    id: string;
    email: string;
    name: string;
    timezone: string;
    invitationUrl: string;
  }>) {
    const accepted = await t
      .http()
      .post(`/v1/invitations/${invitationToken(partner.invitationUrl)}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(200);
    out.push({
      id: partner.id,
      email: partner.email,
      name: partner.name,
      timezone: partner.timezone,
      accessToken: accepted.body.accessToken,
      refreshToken: accepted.body.refreshToken,
    });
  }
  return { coupleId: created.body.id, therapistId: created.body.therapistId, partners: out };
}

/** A one-hour session of the couple booked by their therapist through the API; answers its id. */
export async function bookSession(
  t: ApiTarget,
  therapist: { accessToken: string },
  couple: { coupleId: string },
  startsAt: Date,
): Promise<string> {
  const booked = await t
    .http()
    .post(`/v1/couples/${couple.coupleId}/sessions`)
    .auth(therapist.accessToken, { type: 'bearer' })
    .send({ startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3600_000).toISOString() })
    .expect(201);
  return booked.body.id;
}

/** The id of a built-in exercise (e.g. 'trust_pulse') as the catalogue lists it to a staff member. */
export async function builtinExerciseId(t: ApiTarget, token: string, builtinKey: string): Promise<string> {
  const listed = await t.http().get('/v1/exercises?limit=200').auth(token, { type: 'bearer' }).expect(200);
  const exercise = (listed.body.data as Array<{ id: string; builtinKey: string | null }>).find(
    (e) => e.builtinKey === builtinKey,
  );
  if (!exercise) throw new Error(`no built-in exercise "${builtinKey}"`);
  return exercise.id;
}

/** An assignment's schedule as the API takes it. */
export type AssignmentSchedule =
  | { type: 'once'; dueAt: string }
  | { type: 'once'; localDateTime: string; zone: 'partner' }
  | { type: 'recurring'; rrule: string; startsOn: string; endsOn?: string };

/** The date it is now in a time zone (a partner's "today"). */
export function localToday(zone: string): string {
  return DateTime.now().setZone(zone).toISODate()!;
}

/**
 * Today where the couple's day started last: the earliest of the partners' local dates. A
 * recurring assignment starting then has an open occurrence for every partner at any hour — the
 * UTC date would not: shortly after midnight UTC New York is still on the day before, and its
 * first occurrence would be more than a day away.
 */
export function coupleToday(couple: { partners: Array<{ timezone: string }> }): string {
  return couple.partners.map((p) => localToday(p.timezone)).sort()[0];
}

/** A daily 20:00 schedule starting on the couple's today (see coupleToday). */
export function dailyFromToday(couple: { partners: Array<{ timezone: string }> }): AssignmentSchedule {
  return { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: coupleToday(couple) };
}

/**
 * An exercise assigned to a couple by their therapist through the API; answers the created
 * assignment. Without a schedule it is a daily 20:00 assignment starting on the couple's today.
 */
export async function newAssignment(
  t: ApiTarget,
  therapist: { accessToken: string },
  couple: { coupleId: string; partners: Array<{ timezone: string }> },
  exerciseId: string,
  fields: { schedule?: AssignmentSchedule; instructions?: string } & Record<string, unknown> = {},
): Promise<{ id: string } & Record<string, unknown>> {
  const created = await t
    .http()
    .post(`/v1/couples/${couple.coupleId}/assignments`)
    .auth(therapist.accessToken, { type: 'bearer' })
    .send({ exerciseId, schedule: dailyFromToday(couple), ...fields })
    .expect(201);
  return created.body;
}
