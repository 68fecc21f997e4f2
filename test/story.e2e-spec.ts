import { DateTime } from 'luxon';

import { invitationToken, newAssignment, newClinic, TEST_PASSWORD } from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The whole clinical story through the real app: an admin invites a therapist, who takes on a
 * couple, assigns homework, both partners check in, a session is completed, and progress and
 * caseloads reflect it. Ends with the privacy sweep: partner B never sees partner A's private words.
 */
describe('the clinical story', () => {
  let t: TestApp;
  const auth = { type: 'bearer' } as const;
  const MARKER = 'PRIVATE-MARKER-7f3a9c';

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks from invitation to progress and caseloads', async () => {
    // An admin sets up the clinic and invites a therapist, who accepts.
    const clinic = await newClinic(t);
    const invited = await t
      .http()
      .post('/v1/users')
      .auth(clinic.admin.accessToken, auth)
      .send({ name: 'Theo Therapist', email: 'theo@story.example', role: 'therapist' })
      .expect(201);
    const theo = (
      await t
        .http()
        .post(`/v1/invitations/${invitationToken(invited.body.invitationUrl)}/accept`)
        .send({ password: TEST_PASSWORD })
        .expect(200)
    ).body;

    // The therapist creates a couple; both partners accept their invitations.
    const couple = (
      await t
        .http()
        .post('/v1/couples')
        .auth(theo.accessToken, auth)
        .send({
          label: 'Story couple',
          partners: [
            { name: 'Alex Rivera', email: 'alex@story.example', timezone: 'America/New_York' },
            { name: 'Blake Chen', email: 'blake@story.example', timezone: 'Europe/Berlin' },
          ],
        })
        .expect(201)
    ).body;
    const [alex, blake] = await Promise.all(
      couple.partners.map(
        async (p: { invitationUrl: string }) =>
          (
            await t
              .http()
              .post(`/v1/invitations/${invitationToken(p.invitationUrl)}/accept`)
              .send({ password: TEST_PASSWORD })
              .expect(200)
          ).body,
      ),
    );

    // Homework: a daily trust pulse and a one-off letter due in two hours.
    const exercises = (await t.http().get('/v1/exercises?limit=200').auth(theo.accessToken, auth).expect(200)).body
      .data as Array<{ id: string; builtinKey: string }>;
    const idOf = (key: string) => exercises.find((e) => e.builtinKey === key)!.id;
    const assignTo = { coupleId: couple.id as string, partners: couple.partners as Array<{ timezone: string }> };
    const pulse = await newAssignment(t, theo, assignTo, idOf('trust_pulse'));
    const letterDue = DateTime.utc().plus({ hours: 2 }).startOf('minute');
    const letter = await newAssignment(t, theo, assignTo, idOf('letter_instead_of_fight'), {
      schedule: { type: 'once', dueAt: letterDue.toISO()! },
      instructions: 'Write when you notice the urge to argue.',
    });

    // Each partner sees the homework due in their own zone: the pulse at 20:00 local.
    const firstDue = async (token: string, assignmentId: string) => {
      const mine = (await t.http().get('/v1/me/assignments').auth(token, auth).expect(200)).body.data as Array<{
        id: string;
        occurrences: Array<{ dueAt: string; state: string }>;
      }>;
      return mine.find((a) => a.id === assignmentId)!.occurrences.find((o) => o.state === 'due')!.dueAt;
    };
    const alexPulseDue = await firstDue(alex.accessToken, pulse.id);
    const blakePulseDue = await firstDue(blake.accessToken, pulse.id);
    expect(DateTime.fromISO(alexPulseDue).setZone('America/New_York').toFormat('HH:mm')).toBe('20:00');
    expect(DateTime.fromISO(blakePulseDue).setZone('Europe/Berlin').toFormat('HH:mm')).toBe('20:00');

    // Alex checks in privately (with the marker), Blake shares.
    const submit = (token: string, assignmentId: string, body: object) =>
      t.http().post(`/v1/assignments/${assignmentId}/check-ins`).auth(token, auth).send(body);
    await submit(alex.accessToken, pulse.id, {
      occurrenceAt: alexPulseDue,
      answers: { trust: 8, safety: 7, note: `${MARKER} pulse` },
      visibility: 'private',
    }).expect(201);
    await submit(blake.accessToken, pulse.id, {
      occurrenceAt: blakePulseDue,
      answers: { trust: 5, safety: 6 },
      visibility: 'shared',
    }).expect(201);
    const letterRes = await submit(alex.accessToken, letter.id, {
      occurrenceAt: letterDue.toISO(),
      answers: { letter: `Dear Blake, ${MARKER}`, next_step: 'session', calmer_after: 7 },
      visibility: 'private',
    });
    expect({ status: letterRes.status, body: letterRes.status === 201 ? null : letterRes.body }).toEqual({
      status: 201,
      body: null,
    });

    // The session under way is marked completed (a session ending later cuts progress at now).
    const session = (
      await t
        .http()
        .post(`/v1/couples/${couple.id}/sessions`)
        .auth(theo.accessToken, auth)
        .send({
          startsAt: DateTime.utc().minus({ minutes: 10 }).toISO(),
          endsAt: DateTime.utc().plus({ minutes: 40 }).toISO(),
        })
        .expect(201)
    ).body;
    await t
      .http()
      .patch(`/v1/sessions/${session.id}`)
      .auth(theo.accessToken, auth)
      .send({ status: 'completed', notes: `Session notes ${MARKER}` })
      .expect(200);

    // Progress: one window closed by the session, the current one holding this week's homework.
    const progress = (await t.http().get(`/v1/couples/${couple.id}/progress`).auth(theo.accessToken, auth).expect(200))
      .body;
    expect(progress.windows).toHaveLength(2);
    expect(progress.windows[0].closedBySessionId).toBe(session.id);
    const current = progress.windows[1];
    expect(current.isCurrent).toBe(true);
    const byPartner = Object.fromEntries(current.partners.map((p: { partnerId: string }) => [p.partnerId, p]));
    expect(byPartner[alex.user.id]).toMatchObject({
      expected: 2,
      completed: 2,
      completionRate: 1,
      trustMean: 8,
      trustReadings: 1,
    });
    expect(byPartner[blake.user.id]).toMatchObject({
      expected: 1,
      completed: 1,
      completionRate: 1,
      trustMean: 5,
      trustReadings: 1,
    });
    expect(current.trustGap).toBe(3);
    expect(progress.alerts.map((a: { kind: string }) => a.kind)).toEqual(['partners_diverging']);

    // Caseloads show the couple: the therapist's own list and the admin's aggregates.
    const caseload = (await t.http().get('/v1/caseload').auth(theo.accessToken, auth).expect(200)).body.data;
    expect(caseload).toHaveLength(1);
    expect(caseload[0]).toMatchObject({ coupleId: couple.id, activeAssignments: 2, openAlerts: 1 });
    const clinicCaseloads = await t.http().get('/v1/clinic/caseloads').auth(clinic.admin.accessToken, auth).expect(200);
    const theoRow = clinicCaseloads.body.data.find((r: { therapistId: string }) => r.therapistId === theo.user.id);
    expect(theoRow).toMatchObject({ activeCouples: 1, openAlerts: 1, couplesWithOpenAlerts: 1 });
    expect(clinicCaseloads.text).not.toContain(MARKER);

    // Admins see statuses, never check-in content or notes.
    await t.http().get(`/v1/couples/${couple.id}/check-ins`).auth(clinic.admin.accessToken, auth).expect(403);
    const adminSessions = await t
      .http()
      .get(`/v1/couples/${couple.id}/sessions`)
      .auth(clinic.admin.accessToken, auth)
      .expect(200);
    expect(adminSessions.text).not.toContain(MARKER);
    await t.http().get(`/v1/couples/${couple.id}/progress`).auth(clinic.admin.accessToken, auth).expect(403);

    // The therapist reads every check-in, private ones included.
    const therapistView = await t
      .http()
      .get(`/v1/couples/${couple.id}/check-ins`)
      .auth(theo.accessToken, auth)
      .expect(200);
    expect(therapistView.body.data).toHaveLength(3);
    expect(therapistView.text).toContain(MARKER);

    // Privacy sweep: every client-reachable GET, as Blake, never carries Alex's private words.
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const clientGets = Object.keys(doc.paths).filter(
      (path) => path.startsWith('/v1/me') && doc.paths[path].get && !path.includes('{'),
    );
    expect(clientGets).toEqual(expect.arrayContaining(['/v1/me', '/v1/me/assignments', '/v1/me/check-ins']));
    const seen: string[] = [];
    for (const path of clientGets) {
      const res = await t.http().get(path).auth(blake.accessToken, auth);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect({ path, leaked: res.text.includes(MARKER) }).toEqual({ path, leaked: false });
      seen.push(res.text);
    }
    // Blake does see their own shared check-in, so the sweep really reads check-ins.
    const blakeCheckIns = (await t.http().get('/v1/me/check-ins').auth(blake.accessToken, auth).expect(200)).body.data;
    expect(blakeCheckIns).toHaveLength(1);
    // And Alex, reading their own, does see the marker — the search would find it if it leaked.
    expect((await t.http().get('/v1/me/check-ins').auth(alex.accessToken, auth).expect(200)).text).toContain(MARKER);
    // Staff-only routes with Blake's token answer 403 and carry nothing either.
    for (const path of [
      `/v1/couples/${couple.id}/check-ins`,
      `/v1/couples/${couple.id}/progress`,
      `/v1/couples/${couple.id}/export`,
      `/v1/couples/${couple.id}/sessions`,
    ]) {
      const res = await t.http().get(path).auth(blake.accessToken, auth);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).not.toContain(MARKER);
    }
    // Blake trying to read Alex's check-in through the assignment list or a guessed id finds nothing.
    const blakeAssignments = (await t.http().get('/v1/me/assignments').auth(blake.accessToken, auth).expect(200)).text;
    expect(blakeAssignments).not.toContain(MARKER);
    expect(seen.join('')).not.toContain(MARKER);
  });
});
