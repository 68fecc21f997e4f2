import { randomBytes } from 'node:crypto';

import { DateTime } from 'luxon';
import pg from 'pg';

import { InboundEventsService } from '@mend/integrations';
import { builtinExerciseId, newClinic, newCouple, newStaff } from '@mend/testing';

import { calcomEvent, calcomSignature, rawOf } from './support/scheduling-tools.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

/** Tables that keep ids after an erasure: the audit (who did what), the outbox and the queue's own. */
const KEEPS_IDS = new Set(['public.audit_event', 'public.outbox']);

/**
 * Erasure leaves nothing: after DELETE /v1/couples/{id}, no table — listed from the catalog, so a
 * new table is covered without touching this test — holds the partners' emails or a marker from
 * their answers, and none but the audit, the outbox and the queue's own holds the couple's ids.
 */
describe('erasing a couple', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t.close();
  });

  async function hits(needles: string[], skip: (table: string) => boolean): Promise<string[]> {
    const client = new pg.Client({ connectionString: t.db.adminUrl.replace(/\/[^/]*$/, `/${t.db.name}`) });
    await client.connect();
    try {
      const tables = (
        await client.query<{ name: string }>(
          `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
        )
      ).rows.map((r) => r.name);
      expect(tables.length).toBeGreaterThan(20);
      const found: string[] = [];
      for (const table of tables) {
        if (skip(table)) continue;
        for (const needle of needles) {
          const res = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${table} t WHERE t::text ILIKE '%' || $1 || '%'`,
            [needle],
          );
          if (res.rows[0].n > 0) found.push(`${table}: ${needle} (${res.rows[0].n})`);
        }
      }
      return found;
    } finally {
      await client.end();
    }
  }

  it('removes every row carrying its people’s data, in every table', async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const marker = `ANSWER-${randomBytes(6).toString('hex')}`;
    // A webhook endpoint listening, so events about the couple are stored.
    await t
      .http()
      .post('/v1/webhook-endpoints')
      .auth(clinic.admin.accessToken, auth)
      .send({ url: 'http://127.0.0.1:9/hook', events: ['checkin.submitted', 'alert.opened', 'session.created'] })
      .expect(201);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const assignment = await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/assignments`)
      .auth(therapist.accessToken, auth)
      .send({
        exerciseId: pulseId,
        schedule: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: DateTime.utc().toISODate() },
      })
      .expect(201);
    for (const [i, partner] of couple.partners.entries()) {
      const mine = (await t.http().get('/v1/me/assignments').auth(partner.accessToken, auth).expect(200)).body
        .data as Array<{ id: string; occurrences: Array<{ dueAt: string; state: string }> }>;
      const due = mine.find((a) => a.id === assignment.body.id)!.occurrences.find((o) => o.state === 'due')!.dueAt;
      await t
        .http()
        .post(`/v1/assignments/${assignment.body.id}/check-ins`)
        .auth(partner.accessToken, auth)
        .set('Idempotency-Key', `erase-${i}-${randomBytes(4).toString('hex')}`)
        .send({
          occurrenceAt: due,
          answers: { trust: 2 + 5 * i, safety: 1 + 5 * i, note: marker },
          visibility: 'shared',
        })
        .expect(201);
      await t.http().post('/v1/calendar-feeds').auth(partner.accessToken, auth).expect(201);
    }
    await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/sessions`)
      .auth(therapist.accessToken, auth)
      .set('Idempotency-Key', `erase-session-${randomBytes(4).toString('hex')}`)
      .send({
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 90_000_000).toISOString(),
      })
      .expect(201);
    await t.http().get(`/v1/couples/${couple.coupleId}/progress`).auth(therapist.accessToken, auth).expect(200);
    // The repair plan: an agreement in the couple's words and a partner's rating note.
    const plan = await t
      .http()
      .put(`/v1/couples/${couple.coupleId}/repair-plan`)
      .auth(therapist.accessToken, auth)
      .send({ baseVersion: 0, agreements: [{ text: `Agreement ${marker}`, partnerId: null, frequency: 'weekly' }] })
      .expect(200);
    await t
      .http()
      .post(`/v1/couples/${couple.coupleId}/repair-plan/ratings`)
      .auth(couple.partners[0].accessToken, auth)
      .send({ ratings: [{ agreementId: plan.body.agreements[0].id, kept: 3, stillFits: false, note: marker }] })
      .expect(201);

    // A Cal.com integration: bookings applied to the couple (sessions of theirs; a non-partner
    // attendee is ignored), one that matched no couple because it names partners of two couples,
    // and one of another couple only.
    const integration = await t
      .http()
      .post('/v1/integrations')
      .auth(clinic.admin.accessToken, auth)
      .send({ provider: 'calcom', signingSecret: 'erasure-signing-secret' })
      .expect(201);
    const hook = new URL(integration.body.webhookUrl).pathname;
    const startsAt = DateTime.utc().plus({ days: 2 }).startOf('hour');
    const send = async (uid: string, attendees: string[]) => {
      const raw = rawOf(
        calcomEvent('BOOKING_CREATED', {
          uid,
          start: startsAt.toISO()!,
          end: startsAt.plus({ minutes: 50 }).toISO()!,
          attendees,
        }),
      );
      await t
        .http()
        .post(hook)
        .set('content-type', 'application/json')
        .set('x-cal-signature-256', calcomSignature(raw, 'erasure-signing-secret'))
        .send(raw)
        .expect(200);
    };
    await send(
      `erase-${randomBytes(4).toString('hex')}`,
      couple.partners.map((p) => p.email),
    );
    await send(`erase-${randomBytes(4).toString('hex')}`, [couple.partners[1].email, 'stranger@elsewhere.example']);
    const stranger = await newCouple(t, therapist);
    await send(`erase-${randomBytes(4).toString('hex')}`, [couple.partners[0].email, stranger.partners[0].email]);
    await send(
      `keep-${randomBytes(4).toString('hex')}`,
      stranger.partners.map((p) => p.email),
    );
    // Applied here rather than by a worker (this suite runs none): the same service the worker calls.
    const inbound = await t
      .http()
      .get(`/v1/inbound-events?integrationId=${integration.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    for (const event of inbound.body.data as Array<{ id: string }>)
      await t.app.get(InboundEventsService).process({ clinicId: clinic.clinicId, eventId: event.id });
    const outcomes = await t
      .http()
      .get(`/v1/inbound-events?integrationId=${integration.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(outcomes.body.data.map((e: { outcome: string }) => e.outcome).sort()).toEqual([
      'applied',
      'applied',
      'applied',
      'unmatched',
    ]);

    // Idempotency-Key records keep only the created resource's id: never the answers.
    expect(await hits([marker], (table) => table !== 'public.idempotency_record')).toEqual([]);

    const emails = couple.partners.map((p) => p.email);
    const ids = [couple.coupleId, ...couple.partners.map((p) => p.id)];
    // Before: the data is there (the scan can find it).
    expect((await hits([marker, ...emails], () => false)).length).toBeGreaterThan(0);

    await t.http().delete(`/v1/couples/${couple.coupleId}`).auth(clinic.admin.accessToken, auth).expect(204);

    expect(await hits([marker, ...emails], () => false)).toEqual([]);
    // Another couple's booking stays: only events naming the erased couple's people go.
    const left = await t
      .http()
      .get(`/v1/inbound-events?integrationId=${integration.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(left.body.data).toEqual([expect.objectContaining({ outcome: 'applied' })]);
    const queueSchema = t.config.queue.postgresSchema;
    expect(await hits(ids, (table) => KEEPS_IDS.has(table) || table.startsWith(`${queueSchema}.`))).toEqual([]);
  });
});
