/**
 * Issue #14, separation of duties, with the production behaviour (INVITATION_LINKS_IN_RESPONSES
 * off; every other suite runs with the development behaviour): invitation links reach only the
 * invitee's mailbox, and moving a couple to another therapist is audited with its reason, flagged
 * when the new therapist joined in the last 7 days, and shown to the previous therapist.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

import { newClinic, TEST_PASSWORD, type ClinicContext } from '@mend/testing';

import { InvitationMailbox } from './support/invitation-mailbox.js';
import { startSmtpCatcher, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = { type: 'bearer' } as const;

describe('separation of duties', () => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let mailbox: InvitationMailbox;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp({
      env: { INVITATION_LINKS_IN_RESPONSES: 'false', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
    });
    mailbox = new InvitationMailbox(t, smtp);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  async function ownerQuery(sql: string, params: unknown[]): Promise<void> {
    const client = new pg.Client({ connectionString: t.db.ownerUrl });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  /** Invites a therapist; the link comes from their mailbox, never from the API's answer. */
  async function therapist(clinic: ClinicContext, name: string) {
    const email = `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@${clinic.slug}.example`;
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, auth)
      .send({ name, email, role: 'therapist' })
      .expect(201);
    expect(invited.body.invitationUrl).toBeUndefined();
    expect(JSON.stringify(invited.body)).not.toMatch(/inv_/);
    const accepted = await t
      .http()
      .post(`/v1/invitations/${await mailbox.tokenFor(email)}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(200);
    return { id: invited.body.user.id as string, email, accessToken: accepted.body.accessToken as string };
  }

  it('answers no invitation link to the inviter; the invitee gets it by email (was: POST /v1/users returned it)', async () => {
    const clinic = await newClinic(t);
    const theo = await therapist(clinic, 'Theo');
    await t.http().get('/v1/me').auth(theo.accessToken, auth).expect(200);
    const reissued = await t
      .http()
      .post(
        `/v1/users/${
          (
            await t
              .http()
              .post('/v1/users')
              .auth(clinic.admin.accessToken, auth)
              .send({ name: 'Una', email: `una@${clinic.slug}.example`, role: 'therapist' })
              .expect(201)
          ).body.user.id
        }/invitations`,
      )
      .auth(clinic.admin.accessToken, auth)
      .expect(201);
    expect(reissued.body.invitationUrl).toBeUndefined();
    // Partners' links go to their own mailboxes too, not to the therapist who added them.
    const couple = await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({
        partners: [
          { name: 'Alex', email: `alex-${clinic.slug}@couples.example`, timezone: 'UTC' },
          { name: 'Blake', email: `blake-${clinic.slug}@couples.example`, timezone: 'UTC' },
        ],
      })
      .expect(201);
    for (const partner of couple.body.partners) expect(partner.invitationUrl).toBeUndefined();
    await t
      .http()
      .post(`/v1/invitations/${await mailbox.tokenFor(`alex-${clinic.slug}@couples.example`)}/accept`)
      .send({ password: TEST_PASSWORD })
      .expect(200);
  });

  it('audits a reassignment with its reason and therapists, flags a therapist who joined this week, and tells the previous therapist', async () => {
    const clinic = await newClinic(t);
    const theo = await therapist(clinic, 'Theo');
    const tara = await therapist(clinic, 'Tara');
    const nico = await therapist(clinic, 'Nico');
    // Tara has been with the clinic for a month; Nico joined today.
    await ownerQuery(`UPDATE "user" SET created_at = mend_now() - interval '30 days' WHERE id = $1;`, [tara.id]);
    await ownerQuery(`UPDATE invitation SET accepted_at = mend_now() - interval '29 days' WHERE user_id = $1`, [
      tara.id,
    ]);
    const couple = await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [{ name: 'Alex', email: `alex2-${clinic.slug}@couples.example`, timezone: 'UTC' }] })
      .expect(201);
    const coupleId = couple.body.id as string;
    const move = (therapistId: string, reassignmentReason?: string) =>
      t
        .http()
        .patch(`/v1/couples/${coupleId}`)
        .auth(clinic.admin.accessToken, auth)
        .send({ therapistId, ...(reassignmentReason === undefined ? {} : { reassignmentReason }) });

    const refused = await move(tara.id).expect(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'reassignmentReason' })]);
    await move(tara.id, 'Theo is on leave until March').expect(200);
    await move(nico.id, 'Tara’s caseload is full').expect(200);

    const audit = await t
      .http()
      .get('/v1/audit-events')
      .query({ action: 'couple.reassign', resourceId: coupleId })
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(audit.body.data.map((e: { actorId: string; detail: unknown }) => [e.actorId, e.detail])).toEqual([
      [
        clinic.admin.id,
        expect.objectContaining({ fromTherapistId: tara.id, toTherapistId: nico.id, isNewStaff: true }),
      ],
      [
        clinic.admin.id,
        expect.objectContaining({ fromTherapistId: theo.id, toTherapistId: tara.id, isNewStaff: false }),
      ],
    ]);

    // Theo no longer reaches the couple, but sees that and why it left him: a notice and the history.
    await t.http().get(`/v1/couples/${coupleId}`).auth(theo.accessToken, auth).expect(404);
    const inbox = await t.http().get('/v1/me/notifications').auth(theo.accessToken, auth).expect(200);
    expect(inbox.body.data).toEqual([expect.objectContaining({ kind: 'couple_reassigned', coupleId, isRead: false })]);
    const history = await t
      .http()
      .get(`/v1/couples/${coupleId}/reassignments`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(history.body.map((r: { reason: string; isNewStaff: boolean }) => [r.reason, r.isNewStaff])).toEqual([
      ['Theo is on leave until March', false],
      ['Tara’s caseload is full', true],
    ]);
    const taraInbox = await t.http().get('/v1/me/notifications').auth(tara.accessToken, auth).expect(200);
    expect(taraInbox.body.data.map((n: { kind: string }) => n.kind)).toEqual(['couple_reassigned']);
    await t.http().get(`/v1/couples/${coupleId}/reassignments`).auth(nico.accessToken, auth).expect(200);
    // A therapist the couple never had sees nothing of it.
    const other = await therapist(clinic, 'Olive');
    await t.http().get(`/v1/couples/${coupleId}/reassignments`).auth(other.accessToken, auth).expect(404);
  });
});
