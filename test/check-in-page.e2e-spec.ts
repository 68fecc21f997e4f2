import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';

import { CheckInLinksService, issueCheckInLink } from '@mend/check-in-page';
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

/**
 * The HTTP contract of the client check-in page (supertest through the real app setup): the
 * scanner-safe landing, the session cookie, the page's headers, CSRF, errors, double submits, and
 * one neutral answer for every unusable link. The real-browser suite is check-in-page.browser.e2e-spec.ts.
 */
const auth = { type: 'bearer' } as const;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
const EXERCISE_TITLE = 'Evening reflection zq7';
const FORM = {
  fields: [
    {
      key: 'closeness',
      type: 'scale',
      label: 'How close did you feel today?',
      required: true,
      min: 0,
      max: 10,
      minLabel: 'Not at all',
      maxLabel: 'Very close',
      anchors: [
        { value: 0, label: 'Not at all' },
        { value: 5, label: 'Somewhat' },
        { value: 10, label: 'Very close' },
      ],
    },
    { key: 'talked', type: 'boolean', label: 'Did you talk for ten minutes?', required: true },
    {
      key: 'mood',
      type: 'choice',
      label: 'Your mood tonight',
      required: true,
      options: [
        { value: 'calm', label: 'Calm' },
        { value: 'tense', label: 'Tense' },
      ],
    },
    {
      key: 'helped',
      type: 'multi',
      label: 'What helped?',
      required: false,
      maxSelected: 2,
      options: [
        { value: 'walk', label: 'A walk' },
        { value: 'meal', label: 'A meal together' },
        { value: 'call', label: 'A phone call' },
      ],
    },
    { key: 'note', type: 'text', label: 'Anything else?', required: false, maxLength: 200 },
  ],
};

interface Snapshot {
  sessions: number;
  checkIns: number;
  audit: number;
  links: string;
}

function cookieFrom(setCookie: string | string[] | undefined): string {
  const header = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).find((c) => c.startsWith('mend_checkin='));
  if (!header) throw new Error('no session cookie set');
  return header.split(';')[0];
}

function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field');
  return match[1];
}

function titleOf(html: string): string {
  return /<title>([^<]*)<\/title>/.exec(html)![1];
}

describe('client check-in page over HTTP', () => {
  let t: TestApp;
  let clinic: ClinicContext;
  let therapist: StaffContext;
  let couple: CoupleContext;
  let exerciseId: string;
  let assignmentId: string;
  let dueAt: Date;
  let db: TenantDatabase;

  const inClinic = <T>(work: (tx: EntityManager) => Promise<T>) => db.withClinic(clinic.clinicId, work);
  const occurrenceOf = async (assignment: string, partnerId: string | null): Promise<{ id: string; due_at: Date }> =>
    (
      await inClinic((tx) =>
        tx.query(
          `SELECT id, due_at FROM occurrence WHERE clinic_id = $1 AND assignment_id = $2 AND partner_id IS NOT DISTINCT FROM $3::uuid ORDER BY due_at LIMIT 1`,
          [clinic.clinicId, assignment, partnerId],
        ),
      )
    )[0];
  const issue = async (partnerIndex: number, assignment = assignmentId, joint = false): Promise<string> => {
    const partnerId = couple.partners[partnerIndex].id;
    const occurrence = await occurrenceOf(assignment, joint ? null : partnerId);
    const link = await inClinic((tx) =>
      t.app.get(CheckInLinksService).issueCheckInLink(tx, clinic.clinicId, partnerId, occurrence.id),
    );
    return new URL(link.url).pathname;
  };
  const snapshot = (): Promise<Snapshot> =>
    inClinic(async (tx) => {
      const [row] = await tx.query(
        `SELECT (SELECT count(*)::int FROM check_in_page_session) AS sessions, (SELECT count(*)::int FROM check_in) AS "checkIns",
                (SELECT count(*)::int FROM audit_event) AS audit,
                (SELECT coalesce(string_agg(id::text || ':' || coalesce(revoked_at::text, '-') || ':' || expires_at::text, ',' ORDER BY id), '') FROM check_in_link) AS links`,
      );
      return row as Snapshot;
    });
  /** GET landing → POST Continue → the session cookie. */
  const open = async (path: string): Promise<string> => {
    const res = await t.http().post(path).type('form').send('').expect(303);
    return cookieFrom(res.headers['set-cookie']);
  };
  const page = (cookie: string) => t.http().get('/check-in').set('Cookie', cookie);
  const submit = (cookie: string, body: string) =>
    t.http().post('/check-in').set('Cookie', cookie).type('form').send(body);
  const validBody = (csrf: string, extra = '') =>
    `csrf=${encodeURIComponent(csrf)}&a_closeness=7&a_talked=yes&a_mood=calm&a_helped=walk&a_helped=meal&a_note=${encodeURIComponent('A calm evening')}${extra}`;

  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(TenantDatabase);
    clinic = await newClinic(t);
    therapist = await newStaff(t, clinic);
    couple = await newCouple(t, therapist, [
      { name: 'Alex Morgan', timezone: 'America/New_York' },
      { name: 'Blake Morgan', timezone: 'Europe/Berlin' },
    ]);
    const exercise = await t
      .http()
      .post('/v1/exercises')
      .auth(therapist.accessToken, auth)
      .send({
        title: EXERCISE_TITLE,
        category: 'communication',
        mode: 'individual',
        instructions: 'Sit together for ten minutes.\n\nThen answer on your own.',
        form: FORM,
      })
      .expect(201);
    exerciseId = exercise.body.id;
    dueAt = DateTime.utc().plus({ hours: 2 }).startOf('minute').toJSDate();
    const assignment = await newAssignment(t, therapist, couple, exerciseId, {
      schedule: { type: 'once', dueAt: dueAt.toISOString() },
      instructions: 'Take your time <b>tonight</b>.',
    });
    assignmentId = assignment.id;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('links', () => {
    it('are built from the configured public URL, last until the occurrence closes, and are stored only as a hash', async () => {
      const occurrence = await occurrenceOf(assignmentId, couple.partners[0].id);
      const link = await inClinic((tx) =>
        t.app.get(CheckInLinksService).issueCheckInLink(tx, clinic.clinicId, couple.partners[0].id, occurrence.id),
      );
      expect(link.url).toMatch(/^http:\/\/mend\.test\/c\/ci_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
      expect(link.expiresAt.getTime()).toBe(dueAt.getTime() + 72 * 3_600_000);
      const token = link.url.split('/').pop()!;
      const stored: Array<Record<string, unknown>> = await inClinic((tx) => tx.query(`SELECT * FROM check_in_link`));
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(JSON.stringify(stored)).not.toContain(token.slice(-43));
    });

    it('are capped at 7 days after issue', async () => {
      const occurrence = await occurrenceOf(assignmentId, couple.partners[0].id);
      const issuedAt = new Date(occurrence.due_at.getTime() - 6 * 86_400_000);
      const link = await inClinic((tx) =>
        issueCheckInLink(tx, clinic.clinicId, couple.partners[0].id, occurrence.id, {
          publicUrl: 'https://mend.example',
          now: issuedAt,
        }),
      );
      expect(link.expiresAt.getTime()).toBe(issuedAt.getTime() + 7 * 86_400_000);
      expect(link.url.startsWith('https://mend.example/c/ci_')).toBe(true);
    });

    it("are refused for another partner's occurrence and for an occurrence that closed", async () => {
      const occurrence = await occurrenceOf(assignmentId, couple.partners[0].id);
      await expect(
        inClinic((tx) =>
          t.app.get(CheckInLinksService).issueCheckInLink(tx, clinic.clinicId, couple.partners[1].id, occurrence.id),
        ),
      ).rejects.toMatchObject({
        code: 'not_found',
      });
      const afterClose = new Date(occurrence.due_at.getTime() + 73 * 3_600_000);
      await expect(
        inClinic((tx) =>
          issueCheckInLink(tx, clinic.clinicId, couple.partners[0].id, occurrence.id, {
            publicUrl: 'http://mend.test',
            now: afterClose,
          }),
        ),
      ).rejects.toMatchObject({
        code: 'gone',
      });
    });
  });

  describe('the landing page', () => {
    it("shows the clinic name and a Continue button in a POST form, with the page's own headers and nothing clinical", async () => {
      const path = await issue(0);
      const res = await t.http().get(path).expect(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.text).toContain(`<h1>Clinic ${clinic.slug}</h1>`);
      expect(res.text).toMatch(
        /<form method="post" data-once>\s*<button type="submit" class="button">Continue<\/button>/,
      );
      expect(res.text).toContain('<html lang="en">');
      expect(titleOf(res.text)).toBe('Check-in');
      for (const secret of [EXERCISE_TITLE, 'Alex', 'Blake', 'close', path.split('/').pop()!])
        expect(res.text).not.toContain(secret);
    });

    it('changes nothing when scanned: 3 GETs and a HEAD without cookies leave the database as it was, then Continue still works', async () => {
      const path = await issue(0);
      const before = await snapshot();
      for (let i = 0; i < 3; i++) await t.http().get(path).expect(200);
      const head = await t.http().head(path).expect(200);
      expect(head.text ?? '').toBe('');
      expect(head.headers['set-cookie']).toBeUndefined();
      expect(await snapshot()).toEqual(before);
      const cookie = await open(path);
      const form = await page(cookie).expect(200);
      expect(form.text).toContain(`<h1>${EXERCISE_TITLE}</h1>`);
    });
  });

  describe('Continue', () => {
    it('sets a short, httpOnly, Secure, SameSite=Lax session cookie scoped to the page, and 303s to a URL without the token', async () => {
      const path = await issue(0);
      const res = await t.http().post(path).type('form').send('').expect(303);
      expect(res.headers.location).toBe('http://mend.test/check-in');
      expect(res.headers.location).not.toContain(path.split('/').pop()!);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      const header = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('mend_checkin='))!;
      const flags = header.split(';').map((p) => p.trim().toLowerCase());
      expect(flags).toEqual(
        expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/check-in', 'max-age=1800']),
      );
      expect(header).toMatch(/^mend_checkin=cs_[0-9a-f]{32}_[A-Za-z0-9_-]{43};/);
    });

    it('is refused from another site (fetch metadata), without opening a session', async () => {
      const path = await issue(0);
      const before = await snapshot();
      const res = await t.http().post(path).set('Sec-Fetch-Site', 'cross-site').type('form').send('').expect(403);
      expect(res.headers['set-cookie'] ?? []).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^mend_checkin=cs_/)]),
      );
      expect((await snapshot()).sessions).toBe(before.sessions);
    });
  });

  describe('the check-in page', () => {
    let cookie: string;
    let html: string;

    beforeAll(async () => {
      cookie = await open(await issue(0));
      html = (await page(cookie).expect(200)).text;
    });

    it("has a generic title, the exercise title, the therapist's note (escaped), the due time in the partner's zone", () => {
      expect(titleOf(html)).toBe('Check-in');
      expect(html).toContain(`<h1>${EXERCISE_TITLE}</h1>`);
      expect(html).toContain('Take your time &lt;b&gt;tonight&lt;/b&gt;.');
      const local = DateTime.fromJSDate(dueAt, { zone: 'America/New_York' }).setLocale('en');
      expect(html).toContain(`Due ${local.toFormat('cccc, MMMM d')}`);
      expect(html).toMatch(/Due [^<]*(EST|EDT)/);
    });

    it('renders scales as radio groups in a fieldset with the anchors in the hint and nothing preselected', () => {
      const group = /<fieldset aria-describedby="f-closeness-hint">([\s\S]*?)<\/fieldset>/.exec(html)![1];
      expect(group).toContain('<legend class="q">How close did you feel today?</legend>');
      expect(group).toContain('0 means “Not at all”. 5 means “Somewhat”. 10 means “Very close”.');
      expect(group.match(/type="radio"/g)).toHaveLength(11);
      expect(group).not.toContain('checked');
      expect(html).not.toContain('type="range"');
    });

    it("renders yes/no and choices as radios, multiple choice as checkboxes, text as a labelled textarea with the server's max length", () => {
      expect(html).toMatch(/name="a_talked" value="yes">[\s\S]*name="a_talked" value="no">/);
      expect(html).toMatch(/type="radio" id="f-mood" name="a_mood" value="calm">/);
      expect(html.match(/type="checkbox"/g)).toHaveLength(3);
      expect(html).toMatch(
        /<label class="q" for="f-note">Anything else\? <span class="opt">\(optional\)<\/span><\/label>/,
      );
      expect(html).toMatch(
        /<textarea id="f-note" name="a_note" rows="6" maxlength="200" aria-describedby="f-note-hint">/,
      );
    });

    it('offers the two visibility choices, "Only my therapist" preselected, with the partner\'s first name and when they see it', () => {
      expect(html).toMatch(/value="private" checked><span>Only my therapist<\/span>/);
      expect(html).toMatch(/value="shared"><span>My therapist and Blake<\/span>/);
      expect(html).toContain('If you choose Blake, they can read your answers in Mend as soon as you send them');
      expect(html).not.toContain('Morgan');
    });

    it("refuses a submit without the session's CSRF token (the cookie alone is not enough)", async () => {
      const before = await snapshot();
      const missing = await submit(cookie, 'a_closeness=7&a_talked=yes&a_mood=calm&visibility=private').expect(403);
      expect(missing.text).toContain('This page has closed');
      const forged = await submit(
        cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        validBody(csrfFrom(html), '&visibility=private'),
      ).expect(403);
      expect(forged.text).toContain('This page has closed');
      const wrong = await submit(cookie, validBody('x'.repeat(43), '&visibility=private')).expect(403);
      expect(wrong.text).not.toContain(EXERCISE_TITLE);
      expect((await snapshot()).checkIns).toBe(before.checkIns);
    });

    it('re-renders errors with a focused summary, "Error:" in the title, inline messages tied to their fields, and every answer kept', async () => {
      const res = await submit(
        cookie,
        `csrf=${encodeURIComponent(csrfFrom(html))}&a_talked=no&a_helped=walk&a_helped=meal&a_helped=call&a_note=${encodeURIComponent('<script>alert(1)</script>')}&visibility=shared`,
      ).expect(400);
      expect(titleOf(res.text)).toBe('Error: Check-in');
      expect(res.text).toMatch(
        /<div class="error-summary" id="error-summary" tabindex="-1" autofocus aria-labelledby="error-summary-title">/,
      );
      expect(res.text).toContain(
        '<a href="#f-closeness">How close did you feel today? – Choose a number from 0 to 10</a>',
      );
      expect(res.text).toContain('<a href="#f-mood">Your mood tonight – Choose one answer</a>');
      expect(res.text).toContain('<a href="#f-helped">What helped? – Choose no more than 2</a>');
      expect(res.text).toContain('<fieldset aria-describedby="f-closeness-hint f-closeness-error">');
      expect(res.text).toContain(
        '<p class="err" id="f-closeness-error"><span class="vh">Error:</span> Choose a number from 0 to 10</p>',
      );
      // Kept: the answers given, and the visibility chosen.
      expect(res.text).toMatch(/name="a_talked" value="no" checked>/);
      expect(res.text).toMatch(/name="a_helped" value="call" checked>/);
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).toMatch(/value="shared" checked>/);
      expect(res.text).toMatch(/value="private">/);
      expect((await snapshot()).checkIns).toBe(0);
    });

    it('answers a NUL in an answer with a 400 page that keeps every answer and names the changed one (was: 500, answers lost)', async () => {
      const res = await submit(
        cookie,
        `csrf=${encodeURIComponent(csrfFrom(html))}&a_closeness=7&a_talked=yes&a_mood=calm&a_helped=walk&a_note=${encodeURIComponent('A calm\u0000 evening\u0007')}&visibility=shared`,
      ).expect(400);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(titleOf(res.text)).toBe('Error: Check-in');
      expect(res.text).toContain('Some invisible characters could not be saved and were removed');
      // Kept: every answer (the note without its control characters) and the visibility chosen.
      expect(res.text).toContain('A calm evening</textarea>');
      expect(res.text).toMatch(/name="a_closeness" value="7" checked>/);
      expect(res.text).toMatch(/name="a_talked" value="yes" checked>/);
      expect(res.text).toMatch(/name="a_helped" value="walk" checked>/);
      expect(res.text).toMatch(/value="shared" checked>/);
      expect(res.text).not.toContain('\u0000');
      expect((await snapshot()).checkIns).toBe(0);
    });

    it("takes a valid submit through the API's service: one private check-in, then a confirmation saying who can see it", async () => {
      const res = await submit(cookie, validBody(csrfFrom(html), '&visibility=private')).expect(303);
      expect(res.headers.location).toBe('http://mend.test/check-in');
      const done = await page(cookie).expect(200);
      expect(done.text).toMatch(
        /<div class="message panel" role="status">\s*<h1>Thank you. Your check-in was sent.<\/h1>\s*<p>Only your therapist can see it.<\/p>/,
      );
      expect(titleOf(done.text)).toBe('Sent: Check-in');
      const mine = await t.http().get('/v1/me/check-ins').auth(couple.partners[0].accessToken, auth).expect(200);
      expect(mine.body.data).toHaveLength(1);
      expect(mine.body.data[0]).toMatchObject({
        assignmentId,
        visibility: 'private',
        answers: { closeness: 7, talked: true, mood: 'calm', helped: ['walk', 'meal'], note: 'A calm evening' },
      });
      const other = await t.http().get('/v1/me/check-ins').auth(couple.partners[1].accessToken, auth).expect(200);
      expect(other.body.data).toHaveLength(0);
    });

    it('shows "Already submitted on …" when the used link is opened again, never an error', async () => {
      const path = await issue(0);
      const res = await t.http().get(path).expect(200);
      const date = DateTime.now().setZone('America/New_York').setLocale('en').toFormat('cccc, MMMM d');
      expect(res.text).toContain(`<h1>Already submitted on ${date}</h1>`);
      const again = await t.http().post(path).type('form').send('').expect(200);
      expect(again.text).toContain('Already submitted on');
    });
  });

  it('turns a double submit into one check-in, and both answers end on the confirmation', async () => {
    const cookie = await open(await issue(1));
    const csrf = csrfFrom((await page(cookie).expect(200)).text);
    const body = validBody(csrf, '&visibility=shared');
    const [first, second] = await Promise.all([submit(cookie, body), submit(cookie, body)]);
    expect([first.status, second.status]).toEqual([303, 303]);
    const rows: Array<{ author_id: string; visibility: string }> = await inClinic((tx) =>
      tx.query(`SELECT author_id, visibility FROM check_in WHERE clinic_id = $1 AND author_id = $2`, [
        clinic.clinicId,
        couple.partners[1].id,
      ]),
    );
    expect(rows).toEqual([{ author_id: couple.partners[1].id, visibility: 'shared' }]);
    const done = await page(cookie).expect(200);
    expect(done.text).toContain('<p>Your therapist and Alex can see it.</p>');
  });

  describe('unusable links', () => {
    let laterAssignment: string;

    beforeAll(async () => {
      const res = await newAssignment(t, therapist, couple, exerciseId, {
        schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 5 }).toISO() },
      });
      laterAssignment = res.id;
    });

    it('answer expired, revoked and unknown tokens with the same neutral page', async () => {
      const expired = await issue(0, laterAssignment);
      await inClinic((tx) =>
        tx.query(
          `UPDATE check_in_link SET created_at = mend_now() - interval '2 days', expires_at = mend_now() - interval '1 minute' WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
          [expired.split('/').pop()],
        ),
      );
      const revoked = await issue(0, laterAssignment);
      const occurrence = await occurrenceOf(laterAssignment, couple.partners[0].id);
      const revocation = await t
        .http()
        .post(`/v1/assignments/${laterAssignment}/check-in-links/revoke`)
        .auth(therapist.accessToken, auth)
        .send({ occurrenceAt: occurrence.due_at.toISOString(), partnerId: couple.partners[0].id })
        .expect(200);
      expect(revocation.body).toEqual({ revoked: 1 });
      const stillGood = await issue(1, laterAssignment);
      const unknownSameClinic = `/c/ci_${clinic.clinicId.replace(/-/g, '')}_${'A'.repeat(43)}`;
      const unknownClinic = `/c/ci_${'0'.repeat(32)}_${'B'.repeat(43)}`;
      const garbage = '/c/not-a-token';

      const answers = [];
      for (const path of [expired, revoked, unknownSameClinic, unknownClinic, garbage]) {
        for (const method of ['get', 'post'] as const) {
          const res = method === 'get' ? await t.http().get(path) : await t.http().post(path).type('form').send('');
          answers.push({
            status: res.status,
            body: res.text,
            type: res.headers['content-type'],
            csp: res.headers['content-security-policy'],
            cookie: res.headers['set-cookie'],
          });
        }
      }
      expect(answers[0].status).toBe(404);
      expect(answers[0].body).toContain('This link no longer works');
      expect(answers[0].body).toContain('To get a new link');
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      await t.http().get(stillGood).expect(200);
    });

    it('close the pages opened from a link once it is revoked', async () => {
      const path = await issue(1, laterAssignment);
      const cookie = await open(path);
      await page(cookie).expect(200);
      await t
        .http()
        .post(`/v1/assignments/${laterAssignment}/check-in-links/revoke`)
        .auth(therapist.accessToken, auth)
        .send({})
        .expect(200);
      const res = await page(cookie).expect(404);
      expect(res.text).toContain('This link no longer works');
      expect(res.headers['set-cookie']).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^mend_checkin=;.*Max-Age=0|^mend_checkin=;.*Expires=Thu, 01 Jan 1970/i),
        ]),
      );
    });

    it('stop working when the assignment is cancelled', async () => {
      const res = await newAssignment(t, therapist, couple, exerciseId, {
        schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 6 }).toISO() },
      });
      const path = await issue(0, res.id);
      await t.http().get(path).expect(200);
      await t
        .http()
        .patch(`/v1/assignments/${res.id}`)
        .auth(therapist.accessToken, auth)
        .send({ status: 'cancelled' })
        .expect(200);
      const gone = await t.http().get(path).expect(404);
      expect(gone.text).toContain('This link no longer works');
    });
  });

  it('accepts a form left open in one tab after the same link was opened again in another, but not one of another link', async () => {
    const res = await newAssignment(t, therapist, couple, exerciseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 4 }).toISO() },
    });
    const path = await issue(0, res.id);
    const firstTab = await open(path);
    const oldForm = csrfFrom((await page(firstTab).expect(200)).text);
    const secondTab = await open(path);
    // Another link of the same partner (another occurrence) shares nothing with this one.
    const otherLink = await open(await issue(1, res.id));
    await submit(otherLink, validBody(oldForm, '&visibility=private')).expect(403);
    // The browser now holds the second tab's cookie; the first tab's form still goes through.
    await submit(secondTab, validBody(oldForm, '&visibility=private')).expect(303);
    expect((await page(secondTab).expect(200)).text).toContain('Your check-in was sent.');
    expect((await page(firstTab).expect(200)).text).toContain('Your check-in was sent.');
  });

  it('after a low safety answer, says once that the therapist has been told, then where to get help', async () => {
    const pulseId = await builtinExerciseId(t, therapist.accessToken, 'trust_pulse');
    const pulse = await newAssignment(t, therapist, couple, pulseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 2 }).toISO() },
    });
    const cookie = await open(await issue(1, pulse.id));
    const form = await page(cookie).expect(200);
    await submit(
      cookie,
      `csrf=${encodeURIComponent(csrfFrom(form.text))}&a_trust=6&a_safety=0&visibility=private`,
    ).expect(303);
    const done = (await page(cookie).expect(200)).text;
    expect(done).toContain('You said you did not feel safe.');
    // The clinic wrote no crisis text of its own: the built-in one follows, without repeating it.
    expect(done).toContain('If you are in danger right now, call your local emergency number.');
    expect(done.match(/therapist has been told/gi)).toHaveLength(1);
  });

  it('says when a check-in is not open yet, without an error', async () => {
    // A recurring exercise opens 24 hours before each due time (a one-off is open from when it is assigned).
    const res = await newAssignment(t, therapist, couple, exerciseId, {
      schedule: {
        type: 'recurring',
        rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0',
        startsOn: DateTime.now().setZone(couple.partners[0].timezone).plus({ days: 3 }).toISODate()!,
      },
    });
    const cookie = await open(await issue(0, res.id));
    const early = await page(cookie).expect(200);
    expect(early.text).toContain('This check-in is not open yet');
    expect(early.text).not.toContain(EXERCISE_TITLE);
  });

  it('ends an idle session: the page closes and the cookie is cleared', async () => {
    const res = await newAssignment(t, therapist, couple, exerciseId, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 7 }).toISO() },
    });
    const cookie = await open(await issue(0, res.id));
    await page(cookie).expect(200);
    await inClinic((tx) =>
      tx.query(`UPDATE check_in_page_session SET idle_expires_at = mend_now() - interval '1 second'`),
    );
    const closed = await page(cookie).expect(403);
    expect(closed.text).toContain('This page has closed');
    expect(closed.text).not.toContain(EXERCISE_TITLE);
    await page(cookie).expect(403);
    await page('mend_checkin=garbage').expect(403);
    await t.http().get('/check-in').expect(403);
  });

  it('lets either partner answer a joint exercise once; the other partner\'s link then reads "Already submitted"', async () => {
    const repairPlan = await builtinExerciseId(t, therapist.accessToken, 'repair_plan');
    const res = await newAssignment(t, therapist, couple, repairPlan, {
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 3 }).toISO() },
    });
    const forA = await issue(0, res.id, true);
    const forB = await issue(1, res.id, true);
    const cookie = await open(forA);
    const form = await page(cookie).expect(200);
    expect(form.text).toContain('Our repair plan');
    const body = [
      `csrf=${encodeURIComponent(csrfFrom(form.text))}`,
      'a_goal=Calm',
      'a_expectations=Honesty',
      'a_first_steps=Weekly%20talk',
      'a_review_after=two_weeks',
      'a_both_agree=yes',
      'visibility=shared',
    ].join('&');
    await submit(cookie, body).expect(303);
    const answered = await inClinic((tx) =>
      tx.query(`SELECT author_id FROM check_in WHERE assignment_id = $1`, [res.id]),
    );
    expect(answered).toEqual([{ author_id: couple.partners[0].id }]);
    const other = await t.http().get(forB).expect(200);
    expect(other.text).toContain('Already submitted on');
    // B's own page session, opened earlier or now, reads the same: the couple's check-in is done.
    await t.http().post(forB).type('form').send('').expect(200);
  });

  it('serves its assets from its own origin, hashed and cacheable', async () => {
    const html = (
      await t
        .http()
        .get(await issue(0))
        .expect(200)
    ).text;
    const css = /href="(\/check-in\/assets\/page-[0-9a-f]{12}\.css)"/.exec(html)![1];
    const js = /src="(\/check-in\/assets\/page-[0-9a-f]{12}\.js)"/.exec(html)![1];
    const cssRes = await t.http().get(css).expect(200);
    expect(cssRes.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(cssRes.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    await t.http().get(js).expect(200).expect('content-type', 'text/javascript; charset=utf-8');
    await t.http().get('/check-in/assets/nothing.css').expect(404);
  });

  it('keeps the page out of the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths as object);
    expect(paths.some((p) => p.startsWith('/c/') || p.startsWith('/check-in'))).toBe(false);
    expect(paths).toContain('/v1/assignments/{id}/check-in-links/revoke');
  });
});

describe('check-in link rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_CHECK_IN_LINK_PER_IP: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits link requests per IP with a 429 page and Retry-After', async () => {
    const path = `/c/ci_${'1'.repeat(32)}_${'C'.repeat(43)}`;
    await t.http().get(path).expect(404);
    await t.http().head(path).expect(404);
    await t.http().post(path).type('form').send('').expect(404);
    const limited = await t.http().get(path).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(limited.headers['content-security-policy']).toBe(CSP);
    expect(limited.text).toContain('Too many attempts');
  });
});
