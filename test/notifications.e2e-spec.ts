import { DateTime } from 'luxon';
import pg from 'pg';

import { newId } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { dueNotificationIds, notificationDedupeKey, notificationsRepository } from '@mend/reminders';
import {
  builtinExerciseId,
  insertClientUser,
  newApiKey,
  newAssignment,
  newClinic,
  newCouple,
  newStaff,
  type ClinicContext,
  type StaffContext,
} from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const PROBLEM = /^application\/problem\+json/;
const auth = { type: 'bearer' } as const;
const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

interface Seed {
  kind?: string;
  channel?: 'email' | 'in_app' | 'webhook';
  state?: 'scheduled' | 'deferred' | 'sent' | 'skipped' | 'failed';
  sentAt?: Date | null;
  sendAt?: Date;
  occurrenceId?: string | null;
  title?: string;
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Inserts notifications as the app role, inside the clinic's transaction (what the worker will do). */
async function seedNotifications(t: TestApp, clinicId: string, recipientId: string, seeds: Seed[]): Promise<string[]> {
  return withClient(t.db.appUrl, async (c) => {
    await c.query('BEGIN');
    await c.query(`SELECT set_config('app.clinic_id', $1, true)`, [clinicId]);
    const ids: string[] = [];
    for (const seed of seeds) {
      const id = newId();
      const state = seed.state ?? 'sent';
      const sentAt = seed.sentAt === undefined ? (state === 'sent' ? new Date() : null) : seed.sentAt;
      await c.query(
        `INSERT INTO notification (clinic_id, id, recipient_id, kind, channel, occurrence_id, dedupe_key, title, body, send_at, state, skip_reason, sent_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Open Mend to see what is due.', $9, $10, $11, $12)`,
        [
          clinicId,
          id,
          recipientId,
          seed.kind ?? 'digest',
          seed.channel ?? 'in_app',
          seed.occurrenceId ?? null,
          `test.${id}`,
          seed.title ?? '2 check-ins due',
          seed.sendAt ?? sentAt ?? new Date(),
          state,
          state === 'skipped' ? 'already_done' : null,
          sentAt,
        ],
      );
      ids.push(id);
    }
    await c.query('COMMIT');
    return ids;
  });
}

/** Discreet emails: not chosen, and the clinic's discreet mode off. */
const notDiscreet = { discreet: false, isClinicDiscreet: false };

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('in-app notifications', () => {
  let t: TestApp;
  let a: ClinicContext;
  let therapist: StaffContext;
  let client: StaffContext;
  let b: ClinicContext;
  let inbox: string[];
  let hidden: Record<'scheduled' | 'email' | 'skipped' | 'otherUser' | 'otherClinic', string>;

  beforeAll(async () => {
    t = await createTestApp();
    a = await newClinic(t);
    therapist = await newStaff(t, a);
    client = await insertClientUser(t, a);
    b = await newClinic(t);
    const bStaff = await newStaff(t, b);
    // Five delivered in-app notifications for the client, oldest first.
    inbox = await seedNotifications(
      t,
      a.clinicId,
      client.id,
      [50, 40, 30, 20, 10].map((m, i) => ({ sentAt: minutesAgo(m), title: `Digest ${i + 1}` })),
    );
    const [scheduled, email, skipped] = await seedNotifications(t, a.clinicId, client.id, [
      { state: 'scheduled', sentAt: null, sendAt: new Date(Date.now() + 3_600_000) },
      { channel: 'email', sentAt: minutesAgo(5) },
      { state: 'skipped', sentAt: null },
    ]);
    const [otherUser] = await seedNotifications(t, a.clinicId, therapist.id, [{ sentAt: minutesAgo(5) }]);
    const [otherClinic] = await seedNotifications(t, b.clinicId, bStaff.id, [{ sentAt: minutesAgo(5) }]);
    hidden = { scheduled, email, skipped, otherUser, otherClinic };
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists only your delivered in-app notifications, newest first, with the unread count', async () => {
    const res = await t.http().get('/v1/me/notifications').auth(client.accessToken, auth).expect(200);
    expect(res.body.data.map((n: { id: string }) => n.id)).toEqual([...inbox].reverse());
    expect(res.body).toMatchObject({ nextCursor: null, unreadCount: 5 });
    expect(res.body.data[0]).toEqual({
      id: inbox[4],
      kind: 'digest',
      title: 'Digest 5',
      body: 'Open Mend to see what is due.',
      occurrenceId: null,
      sessionId: null,
      alertId: null,
      coupleId: null,
      sentAt: expect.any(String),
      readAt: null,
      isRead: false,
    });
    // The therapist sees their own only.
    const theirs = await t.http().get('/v1/me/notifications').auth(therapist.accessToken, auth).expect(200);
    expect(theirs.body.data.map((n: { id: string }) => n.id)).toEqual([hidden.otherUser]);
    expect(theirs.body.unreadCount).toBe(1);
    // An admin with none gets an empty inbox.
    const admin = await t.http().get('/v1/me/notifications').auth(a.admin.accessToken, auth).expect(200);
    expect(admin.body).toEqual({ data: [], nextCursor: null, unreadCount: 0 });
  });

  it('pages with an opaque cursor, keeping the total unread count on every page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/me/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.http().get(url).auth(client.accessToken, auth).expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      expect(res.body.unreadCount).toBe(5);
      seen.push(...res.body.data.map((n: { id: string }) => n.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...inbox].reverse());
  });

  it('refuses a cursor that is malformed or is not from your own inbox', async () => {
    const bad = await t.http().get('/v1/me/notifications?cursor=nope').auth(client.accessToken, auth).expect(400);
    expect(bad.headers['content-type']).toMatch(PROBLEM);
    const foreign = Buffer.from(hidden.otherUser).toString('base64url');
    await t.http().get(`/v1/me/notifications?cursor=${foreign}`).auth(client.accessToken, auth).expect(400);
    await t.http().get('/v1/me/notifications?limit=0').auth(client.accessToken, auth).expect(400);
  });

  it('marks a notification read (keeping the first read time) and unread again', async () => {
    const id = inbox[1];
    const read = await t
      .http()
      .patch(`/v1/me/notifications/${id}`)
      .auth(client.accessToken, auth)
      .send({ read: true })
      .expect(200);
    expect(read.body).toMatchObject({ id, isRead: true, readAt: expect.any(String) });
    const again = await t
      .http()
      .patch(`/v1/me/notifications/${id}`)
      .auth(client.accessToken, auth)
      .send({ read: true })
      .expect(200);
    expect(again.body.readAt).toBe(read.body.readAt);

    const list = await t.http().get('/v1/me/notifications').auth(client.accessToken, auth).expect(200);
    expect(list.body.unreadCount).toBe(4);
    const unread = await t.http().get('/v1/me/notifications?unread=true').auth(client.accessToken, auth).expect(200);
    expect(unread.body.data.map((n: { id: string }) => n.id)).not.toContain(id);
    expect(unread.body.data).toHaveLength(4);

    const undo = await t
      .http()
      .patch(`/v1/me/notifications/${id}`)
      .auth(client.accessToken, auth)
      .send({ read: false })
      .expect(200);
    expect(undo.body).toMatchObject({ isRead: false, readAt: null });
    expect(
      (await t.http().get('/v1/me/notifications').auth(client.accessToken, auth).expect(200)).body.unreadCount,
    ).toBe(5);
  });

  it('validates the mark-read body', async () => {
    const res = await t
      .http()
      .patch(`/v1/me/notifications/${inbox[0]}`)
      .auth(client.accessToken, auth)
      .send({ read: 'yes', extra: 1 })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'read']);
    await t.http().patch(`/v1/me/notifications/${inbox[0]}`).auth(client.accessToken, auth).send({}).expect(400);
  });

  it("answers 404 for another user's or another clinic's notification, one not delivered in-app, and unknown ids — and changes nothing", async () => {
    for (const id of [...Object.values(hidden), UNKNOWN_ID, 'not-a-uuid']) {
      const res = await t
        .http()
        .patch(`/v1/me/notifications/${id}`)
        .auth(client.accessToken, auth)
        .send({ read: true });
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
      expect(res.headers['content-type']).toMatch(PROBLEM);
    }
    // Another clinic's admin, with a valid token of their own, cannot reach clinic A's rows either.
    await t
      .http()
      .patch(`/v1/me/notifications/${inbox[0]}`)
      .auth(b.admin.accessToken, auth)
      .send({ read: true })
      .expect(404);
    const readAt = await withClient(t.db.ownerUrl, (c) =>
      c.query(`SELECT count(*)::int AS n FROM notification WHERE id = ANY($1::uuid[]) AND read_at IS NOT NULL`, [
        [...Object.values(hidden), inbox[0]],
      ]),
    );
    expect(readAt.rows[0].n).toBe(0);
  });

  it('refuses API keys and anonymous callers', async () => {
    const key = await newApiKey(t, a, ['sessions:read', 'couples:read']);
    await t.http().get('/v1/me/notifications').auth(key.key, auth).expect(403);
    await t.http().get('/v1/me/notifications').expect(401);
    await t.http().patch(`/v1/me/notifications/${inbox[0]}`).send({ read: true }).expect(401);
  });
});

describe('notification preferences', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;

  beforeAll(async () => {
    t = await createTestApp();
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
  });
  afterAll(async () => {
    await t.close();
  });

  it('defaults to every channel on, and merges changes', async () => {
    const initial = await t.http().get('/v1/me/notification-preferences').auth(therapist.accessToken, auth).expect(200);
    expect(initial.body).toEqual({ email: true, inApp: true, ...notDiscreet });
    const off = await t
      .http()
      .patch('/v1/me/notification-preferences')
      .auth(therapist.accessToken, auth)
      .send({ email: false })
      .expect(200);
    expect(off.body).toEqual({ email: false, inApp: true, ...notDiscreet });
    const both = await t
      .http()
      .patch('/v1/me/notification-preferences')
      .auth(therapist.accessToken, auth)
      .send({ inApp: false })
      .expect(200);
    expect(both.body).toEqual({ email: false, inApp: false, ...notDiscreet });
    const none = await t
      .http()
      .patch('/v1/me/notification-preferences')
      .auth(therapist.accessToken, auth)
      .send({})
      .expect(200);
    expect(none.body).toEqual({ email: false, inApp: false, ...notDiscreet });
    expect(
      (await t.http().get('/v1/me/notification-preferences').auth(therapist.accessToken, auth).expect(200)).body,
    ).toEqual({ email: false, inApp: false, ...notDiscreet });
    // Another user's preferences are their own.
    expect(
      (await t.http().get('/v1/me/notification-preferences').auth(clinic.admin.accessToken, auth).expect(200)).body,
    ).toEqual({ email: true, inApp: true, ...notDiscreet });
  });

  it('rejects anything but booleans, and records changes in the audit log', async () => {
    const res = await t
      .http()
      .patch('/v1/me/notification-preferences')
      .auth(therapist.accessToken, auth)
      .send({ email: 'no', sms: true })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'sms']);
    const audit = await t
      .http()
      .get('/v1/audit-events?action=user.update_notification_preferences')
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data).toHaveLength(2);
    expect(audit.body.data[0]).toMatchObject({
      actorId: therapist.id,
      resourceType: 'user',
      resourceId: therapist.id,
      outcome: 'success',
    });
  });
});

describe('the notification table', () => {
  let t: TestApp;
  let a: ClinicContext;
  let b: ClinicContext;
  let aUser: StaffContext;
  let bUser: StaffContext;

  beforeAll(async () => {
    t = await createTestApp();
    a = await newClinic(t);
    b = await newClinic(t);
    aUser = await newStaff(t, a);
    bUser = await newStaff(t, b);
    await seedNotifications(t, a.clinicId, aUser.id, [{}, {}]);
    await seedNotifications(t, b.clinicId, bUser.id, [{}]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('is invisible to the app role without a clinic, and shows only its own clinic with one', async () => {
    await withClient(t.db.appUrl, async (c) => {
      expect((await c.query(`SELECT count(*)::int AS n FROM notification`)).rows[0].n).toBe(0);
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.clinic_id', $1, true)`, [a.clinicId]);
      const { rows } = await c.query(`SELECT DISTINCT clinic_id FROM notification`);
      expect(rows).toEqual([{ clinic_id: a.clinicId }]);
      await expect(
        c.query(
          `INSERT INTO notification (clinic_id, id, recipient_id, kind, channel, dedupe_key, title, send_at) VALUES ($1, $2, $3, 'digest', 'in_app', 'x', 'x', now())`,
          [b.clinicId, newId(), bUser.id],
        ),
      ).rejects.toThrow(/row-level security/);
      await c.query('ROLLBACK');
    });
    const forced = await withClient(t.db.ownerUrl, (c) =>
      c.query(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'notification'`),
    );
    expect(forced.rows[0]).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('plans each (recipient, kind, subject, channel) once: a second insert with the same key is a no-op', async () => {
    const db = t.app.get(TenantDatabase);
    const key = notificationDedupeKey(aUser.id, 'in_app', { kind: 'digest', localDate: '2025-03-09' });
    const plan = (title: string) =>
      db.withClinic(a.clinicId, (tx) =>
        notificationsRepository.insert(tx, {
          clinicId: a.clinicId,
          id: newId(),
          recipientId: aUser.id,
          kind: 'digest',
          channel: 'in_app',
          dedupeKey: key,
          title,
          body: '',
          sendAt: new Date(),
          state: 'scheduled',
        }),
      );
    const [first, second] = await Promise.all([plan('first'), plan('second')]);
    expect([first.isNew, second.isNew].sort()).toEqual([false, true]);
    expect(second.id).toBe(first.id);
    const rows = await withClient(t.db.ownerUrl, (c) =>
      c.query(`SELECT title FROM notification WHERE clinic_id = $1 AND dedupe_key = $2`, [a.clinicId, key]),
    );
    expect(rows.rows).toHaveLength(1);
  });

  it('keeps kind, subject, state and read time consistent', async () => {
    const insert = (columns: string, values: string) =>
      withClient(t.db.appUrl, async (c) => {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('app.clinic_id', $1, true)`, [a.clinicId]);
        try {
          await c.query(
            `INSERT INTO notification (clinic_id, id, recipient_id, dedupe_key, title, send_at, ${columns}) VALUES ($1, $2, $3, $4, 'x', now(), ${values})`,
            [a.clinicId, newId(), aUser.id, `check.${newId()}`],
          );
        } finally {
          await c.query('ROLLBACK');
        }
      });
    await expect(insert('kind, channel', `'homework_due', 'email'`)).rejects.toThrow(/notification_subject_check/);
    await expect(insert('kind, channel, state', `'digest', 'email', 'skipped'`)).rejects.toThrow(
      /notification_skip_check/,
    );
    await expect(insert('kind, channel, state', `'digest', 'email', 'sent'`)).rejects.toThrow(
      /notification_sent_check/,
    );
    await expect(
      insert('kind, channel, state, sent_at, read_at', `'digest', 'email', 'sent', now(), now()`),
    ).rejects.toThrow(/notification_read_check/);
    await expect(insert('kind, channel', `'reminder', 'email'`)).rejects.toThrow(/check constraint/);
    await expect(insert('kind, channel, occurrence_id', `'homework_due', 'email', gen_random_uuid()`)).rejects.toThrow(
      /notification_occurrence_fk/,
    );
  });

  it('lists due unsent notifications across clinics, ids only, through the definer function', async () => {
    const past = new Date(Date.now() - 60_000);
    const [aDue, aDeferred] = await seedNotifications(t, a.clinicId, aUser.id, [
      { state: 'scheduled', sentAt: null, sendAt: past },
      { state: 'deferred', sentAt: null, sendAt: past },
      { state: 'scheduled', sentAt: null, sendAt: new Date(Date.now() + 3_600_000) },
      { state: 'failed', sentAt: null, sendAt: past },
    ]);
    const [bDue] = await seedNotifications(t, b.clinicId, bUser.id, [
      { state: 'scheduled', sentAt: null, sendAt: past },
    ]);
    const db = t.app.get(TenantDatabase);
    const due = await dueNotificationIds(db.source, new Date(), 100);
    expect(due).toEqual(
      expect.arrayContaining([
        { clinicId: a.clinicId, id: aDue },
        { clinicId: a.clinicId, id: aDeferred },
        { clinicId: b.clinicId, id: bDue },
      ]),
    );
    // Only scheduled or deferred sends that are due: the plan row created above (send_at ≈ now) may be among them.
    expect(due.length).toBeLessThanOrEqual(4);
    // A fake clock: nothing is due an hour ago.
    expect(await dueNotificationIds(db.source, new Date(Date.now() - 3_600_000), 100)).toEqual([]);
    const fn = await withClient(t.db.ownerUrl, (c) =>
      c.query(`SELECT p.prosecdef, pg_get_userbyid(p.proowner) AS owner, has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec
                 FROM pg_proc p WHERE p.proname = 'mend_notifications_due'`),
    );
    expect(fn.rows).toEqual([{ prosecdef: true, owner: 'mend_owner', public_exec: false }]);
  });

  it('stores channel preferences as an object on the user', async () => {
    await withClient(t.db.appUrl, async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.clinic_id', $1, true)`, [a.clinicId]);
      await expect(
        c.query(`UPDATE "user" SET notification_preferences = '[]'::jsonb WHERE clinic_id = $1`, [a.clinicId]),
      ).rejects.toThrow(/user_notification_preferences_check/);
      await c.query('ROLLBACK');
    });
  });
});

describe('notifications and erasure', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("go with the couple's occurrences and partners when a couple is erased", async () => {
    const clinic = await newClinic(t);
    const therapist = await newStaff(t, clinic);
    const couple = await newCouple(t, therapist);
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ days: 2 }).toISO() },
    });
    const occurrences = await withClient(t.db.ownerUrl, (c) =>
      c.query<{ id: string; partner_id: string }>(
        `SELECT id, partner_id FROM occurrence WHERE clinic_id = $1 AND partner_id IS NOT NULL`,
        [clinic.clinicId],
      ),
    );
    expect(occurrences.rows.length).toBeGreaterThan(0);
    const [occurrence] = occurrences.rows;
    const [id] = await seedNotifications(t, clinic.clinicId, occurrence.partner_id, [
      { kind: 'homework_due', occurrenceId: occurrence.id, title: 'Due: Trust pulse' },
    ]);
    const partner = couple.partners.find((p) => p.id === occurrence.partner_id)!;
    const listed = await t.http().get('/v1/me/notifications').auth(partner.accessToken, auth).expect(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id, kind: 'homework_due', occurrenceId: occurrence.id, title: 'Due: Trust pulse' }),
    ]);

    await t.http().delete(`/v1/couples/${couple.coupleId}`).auth(clinic.admin.accessToken, auth).expect(204);
    const left = await withClient(t.db.ownerUrl, (c) =>
      c.query(`SELECT count(*)::int AS n FROM notification WHERE clinic_id = $1`, [clinic.clinicId]),
    );
    expect(left.rows[0].n).toBe(0);
  });
});
