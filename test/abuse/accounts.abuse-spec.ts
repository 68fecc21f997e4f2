/**
 * Issue #14 from outside: a stranger cannot lock an account out from ten addresses, and the
 * admin-escalation chain (an admin invites a "therapist" whose mailbox they control, moves a
 * couple to it and reads the check-ins) is fully audited — every link of it names its actor, the
 * reassignment carries its reason and the new-staff flag, and the previous therapist is told.
 * Runs like production: the API never hands the invitation link to the admin.
 */
import { randomBytes } from 'node:crypto';

import { loginDelayMs } from '@mend/auth';
import { newAssignment, newClinic, TEST_PASSWORD } from '@mend/testing';

import { InvitationMailbox } from '../support/invitation-mailbox.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const auth = { type: 'bearer' } as const;

describe('abuse: accounts', () => {
  let t: TestApp;
  let smtp: SmtpCatcher;
  let mailbox: InvitationMailbox;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp({
      env: {
        TRUST_PROXY: 'true',
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        // Production: links go only to the invitee's mailbox (read through the local SMTP catcher).
        INVITATION_LINKS_IN_RESPONSES: 'false',
      },
    });
    mailbox = new InvitationMailbox(t, smtp);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('ten wrong passwords from ten addresses: the right password still works, after at most 2 s of delay', async () => {
    const clinic = await newClinic(t);
    for (let i = 1; i <= 10; i++) {
      await t
        .http()
        .post('/v1/auth/login')
        .set('X-Forwarded-For', `198.51.100.${i}`)
        .send({ clinic: clinic.slug, email: clinic.admin.email, password: `wrong-${i}-password` })
        .expect(401);
    }
    const owner = await t
      .http()
      .post('/v1/auth/login')
      .set('X-Forwarded-For', '203.0.113.77')
      .send({ clinic: clinic.slug, email: clinic.admin.email, password: TEST_PASSWORD });
    expect(owner.status).toBe(200);
    expect(owner.body.accessToken).toEqual(expect.any(String));
    // The delay an account's failures add never exceeds 2 s, however many strangers tried.
    for (const failures of [10, 11, 50, 1_000, 1_000_000]) expect(loginDelayMs(failures, 3)).toBeLessThanOrEqual(2000);
  });

  it('the admin-escalation chain is fully audited and the previous therapist is told', async () => {
    const clinic = await newClinic(t);
    const therapistEmail = `theo-${randomBytes(3).toString('hex')}@${clinic.slug}.example`;
    const invitedTheo = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, auth)
      .send({ name: 'Theo', email: therapistEmail, role: 'therapist' })
      .expect(201);
    const theo = (
      await t
        .http()
        .post(`/v1/invitations/${await mailbox.tokenFor(therapistEmail)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(200)
    ).body as { accessToken: string; user: { id: string } };
    const couple = await t
      .http()
      .post('/v1/couples')
      .auth(theo.accessToken, auth)
      .send({ partners: [{ name: 'Alex', email: `alex-${clinic.slug}@couples.example`, timezone: 'UTC' }] })
      .expect(201);
    const alex = (
      await t
        .http()
        .post(`/v1/invitations/${await mailbox.tokenFor(`alex-${clinic.slug}@couples.example`)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(200)
    ).body as { accessToken: string };
    const exercises = (await t.http().get('/v1/exercises?limit=200').auth(theo.accessToken, auth).expect(200)).body
      .data as Array<{ id: string; builtinKey: string }>;
    const pulse = await newAssignment(
      t,
      theo,
      { coupleId: couple.body.id, partners: [{ timezone: 'UTC' }] },
      exercises.find((e) => e.builtinKey === 'trust_pulse')!.id,
    );
    const mine = (await t.http().get('/v1/me/assignments').auth(alex.accessToken, auth).expect(200)).body
      .data as Array<{
      id: string;
      occurrences: Array<{ dueAt: string; state: string }>;
    }>;
    const due = mine.find((a) => a.id === pulse.id)!.occurrences.find((o) => o.state === 'due')!.dueAt;
    await t
      .http()
      .post(`/v1/assignments/${pulse.id}/check-ins`)
      .auth(alex.accessToken, auth)
      .send({ occurrenceAt: due, answers: { trust: 8, safety: 7, note: 'private words' }, visibility: 'private' })
      .expect(201);

    // The chain: the admin invites a "therapist" whose mailbox they control …
    const puppetEmail = `puppet-${randomBytes(3).toString('hex')}@${clinic.slug}.example`;
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, auth)
      .send({ name: 'Puppet', email: puppetEmail, role: 'therapist' })
      .expect(201);
    expect(invited.body.invitationUrl).toBeUndefined();
    const puppet = (
      await t
        .http()
        .post(`/v1/invitations/${await mailbox.tokenFor(puppetEmail)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(200)
    ).body as { accessToken: string; user: { id: string } };
    // … moves the couple to it (a reason is required) …
    await t
      .http()
      .patch(`/v1/couples/${couple.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .send({ therapistId: puppet.user.id })
      .expect(400);
    await t
      .http()
      .patch(`/v1/couples/${couple.body.id}`)
      .auth(clinic.admin.accessToken, auth)
      .send({ therapistId: puppet.user.id, reassignmentReason: 'Covering' })
      .expect(200);
    // … and reads the check-ins.
    await t.http().get(`/v1/couples/${couple.body.id}/check-ins`).auth(puppet.accessToken, auth).expect(200);

    const events = (await t.http().get('/v1/audit-events?limit=200').auth(clinic.admin.accessToken, auth).expect(200))
      .body.data as Array<{
      action: string;
      actorId: string;
      resourceId: string;
      detail: Record<string, unknown> | null;
    }>;
    const find = (action: string, actorId: string) => events.find((e) => e.action === action && e.actorId === actorId);
    expect(find('user.invite', clinic.admin.id)).toMatchObject({ resourceId: puppet.user.id });
    expect(find('invitation.accept', puppet.user.id)).toMatchObject({ resourceId: puppet.user.id });
    expect(find('couple.reassign', clinic.admin.id)).toMatchObject({
      resourceId: couple.body.id,
      detail: expect.objectContaining({
        fromTherapistId: theo.user.id,
        toTherapistId: puppet.user.id,
        isNewStaff: true,
      }),
    });
    expect(find('check_in.read', puppet.user.id)).toBeDefined();
    expect(invitedTheo.body.user.id).toBe(theo.user.id);
    // The therapist the couple was taken from is told, and sees why.
    const inbox = await t.http().get('/v1/me/notifications').auth(theo.accessToken, auth).expect(200);
    expect(inbox.body.data).toEqual([expect.objectContaining({ kind: 'couple_reassigned', coupleId: couple.body.id })]);
    const history = await t
      .http()
      .get(`/v1/couples/${couple.body.id}/reassignments`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(history.body).toEqual([expect.objectContaining({ reason: 'Covering', isNewStaff: true })]);
  });
});
