/**
 * The partner's home in a real browser (Debian's Chromium through playwright-core), against the
 * real API serving the built web app, the real worker and an in-test SMTP server.
 *
 * Through the UI only, for each partner: the invitation email → a password → their home (what is
 * due, in their zone) → a check-in in the app (the check-in page's form, errors and wording) →
 * their history; a quiet-hours change that moves a pending reminder (seen in the couple's
 * reminder log, in the therapist's browser); discreet emails; their upcoming sessions (booked by the
 * therapist) beside the calendar link; notifications. The privacy sweep: the other
 * partner's browser records every response it loads, and the marker one partner sent privately
 * is in none of them (while what was shared is).
 *
 * Every screen and state: 0 axe violations at 1280×800 and 390×844, no console error, nothing
 * past the right edge, no token readable by page script, a screenshot of each under
 * test-output/web-partner/. First-load JavaScript is at most 250 kB gzip.
 */
import { resolve } from 'node:path';

import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';

import { DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';
import {
  apiClient,
  JS_BUDGET_GZIP,
  LAPTOP,
  launchBrowser,
  linkInMail,
  Person,
  PHONE,
  Shots,
} from './support/web-browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

const PASSWORD = 'harbor lantern quietly 73 mosaic';
const PRIVATE_MARKER = 'PRIVATE-MARKER-7Q4Z';
const SHARED_MARKER = 'SHARED-MARKER-3K8W';
const ALEX = { name: 'Alex Moreno', email: 'alex.partner@mend.test', timezone: 'America/New_York' };
const CASEY = { name: 'Casey Lin', email: 'casey.partner@mend.test', timezone: 'America/Chicago' };
const PULSE = 'Daily trust pulse';

interface Reminder {
  id: string;
  recipientId: string;
  kind: string;
  channel: string;
  occurrenceId: string | null;
  sendAt: string;
  state: string;
}

describe('web app in Chromium: the partner’s home', () => {
  let stack: WebStack;
  let browser: Browser;
  let api: ReturnType<typeof apiClient>;
  let therapistToken: string;
  let coupleId: string;
  let alexId: string;
  let onceTitle: string;
  /** The session the therapist booked (two days ahead, on the hour) and the one they cancelled. */
  let sessionStartsAt: DateTime;
  const shots = new Shots(resolve('test-output/web-partner'));
  let alex: Person;

  const invitationOf = (email: string) =>
    linkInMail(
      stack.smtp.mails,
      email,
      new RegExp(`${stack.origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/invitations/inv_[A-Za-z0-9_-]+`),
    );

  /** Answers every question of the open form the simple way: first option, the marker as text. */
  async function fillForm(person: Person, marker: string): Promise<void> {
    const page = person.page;
    const sets = page.locator('form fieldset');
    const count = await sets.count();
    for (let i = 0; i < count; i++) {
      const set = sets.nth(i);
      if ((await set.locator('input[name=visibility]').count()) > 0) continue;
      await set.locator('input').first().check();
    }
    const texts = page.locator('form textarea');
    for (let i = 0; i < (await texts.count()); i++) await texts.nth(i).fill(`${marker} line ${i}`);
  }

  /** The main navigation: behind the menu button on a phone, always shown on a laptop. */
  async function navTo(person: Person, label: string): Promise<void> {
    const menu = person.page.getByRole('button', { name: 'Menu' });
    if (await menu.isVisible()) await menu.click();
    await person.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  }

  async function acceptInvitation(person: Person, email: string, firstName: string): Promise<void> {
    await person.page.goto(await invitationOf(email));
    await person.page.getByRole('heading', { name: /^Join / }).waitFor();
    await person.page.locator('input[name=new-password]').fill(PASSWORD);
    await person.page.getByRole('button', { name: 'Set password and continue' }).click();
    await person.page.getByRole('heading', { name: `Hello, ${firstName}` }).waitFor();
  }

  beforeAll(async () => {
    const [started, launched] = await Promise.all([startWebStack(), launchBrowser()]);
    stack = started;
    browser = launched;
    api = apiClient(stack.origin);
    therapistToken = (
      await api<{ accessToken: string }>('POST', '/v1/auth/login', null, {
        clinic: DEMO_CLINIC.slug,
        email: DEMO_THERAPIST.email,
        password: DEMO_THERAPIST.password,
      })
    ).accessToken;
    // The therapist's part (their own suite drives it through the UI): a couple and two homeworks.
    const couple = await api<{ id: string; partners: Array<{ id: string; email: string }> }>(
      'POST',
      '/v1/couples',
      therapistToken,
      { partners: [ALEX, CASEY] },
    );
    coupleId = couple.id;
    alexId = couple.partners.find((p) => p.email === ALEX.email)!.id;
    const exercises = await api<{ data: Array<{ id: string; title: string }> }>(
      'GET',
      '/v1/exercises?limit=100',
      therapistToken,
    );
    const pulse = exercises.data.find((e) => e.title === PULSE)!;
    const once = exercises.data.find((e) => e.title === 'Honesty and openness log') ?? exercises.data[0]!;
    onceTitle = once.title;
    await api('POST', `/v1/couples/${coupleId}/assignments`, therapistToken, {
      exerciseId: pulse.id,
      schedule: {
        type: 'recurring',
        rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0',
        startsOn: DateTime.utc().minus({ days: 1 }).toISODate(),
      },
    });
    await api('POST', `/v1/couples/${coupleId}/assignments`, therapistToken, {
      exerciseId: once.id,
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 3 }).toISO() },
      instructions: 'Try it after dinner.',
    });
    // The therapist books the next session, and cancels another: the partner's home lists both.
    sessionStartsAt = DateTime.utc().plus({ days: 2 }).startOf('hour');
    await api('POST', `/v1/couples/${coupleId}/sessions`, therapistToken, {
      startsAt: sessionStartsAt.toISO(),
      endsAt: sessionStartsAt.plus({ minutes: 50 }).toISO(),
    });
    const cancelled = await api<{ id: string }>('POST', `/v1/couples/${coupleId}/sessions`, therapistToken, {
      startsAt: sessionStartsAt.plus({ days: 7 }).toISO(),
      endsAt: sessionStartsAt.plus({ days: 7, minutes: 50 }).toISO(),
    });
    await api('PATCH', `/v1/sessions/${cancelled.id}`, therapistToken, { status: 'cancelled' });
    alex = await new Person(browser, shots, { viewport: PHONE, timezoneId: ALEX.timezone }).open();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    shots.report('Partner screenshots');
  });

  it('from the invitation email to their home: what is due now, in their own zone', async () => {
    await acceptInvitation(alex, ALEX.email, 'Alex');
    const page = alex.page;
    await page.getByRole('heading', { name: 'To do now' }).waitFor();
    await page.getByRole('link', { name: `Check in: ${PULSE}` }).waitFor();
    await page.getByRole('link', { name: `Check in: ${onceTitle}` }).waitFor();
    await page.getByText('Times are shown in your time zone, America/New York.').waitFor();
    // The session the therapist booked, in Alex's zone, beside the calendar link.
    const sessions = page.getByRole('region', { name: 'Upcoming sessions' });
    const local = sessionStartsAt.setZone(ALEX.timezone);
    const booked = sessions.getByRole('listitem').filter({ hasText: local.toFormat('LLL d') });
    await booked.first().waitFor();
    expect(await booked.count()).toBe(1);
    expect(await booked.first().textContent()).toContain(local.toFormat('h:mm'));
    expect(await booked.first().textContent()).not.toContain('Cancelled');
    await sessions
      .getByRole('listitem')
      .filter({ hasText: local.plus({ days: 7 }).toFormat('LLL d') })
      .getByText('Cancelled')
      .waitFor();
    await sessions.getByRole('button', { name: 'Subscribe in my calendar' }).waitFor();
    await alex.settled();
    expect(alex.jsTotal()).toBeLessThanOrEqual(JS_BUDGET_GZIP);
    await alex.screen('partner-home');
  }, 120_000);

  it('checks in within the app with the check-in page’s form, errors and wording', async () => {
    const page = alex.page;
    await page.getByRole('link', { name: `Check in: ${PULSE}` }).click();
    await page.getByRole('heading', { name: PULSE }).waitFor();
    await page.getByText('Who can see your answers?').waitFor();
    await page.getByLabel('Only my therapist').waitFor();
    await alex.screen('partner-check-in');

    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.getByText('There is a problem').waitFor();
    await page
      .getByText(/Choose a number from 0 to 10/)
      .first()
      .waitFor();
    expect(await page.title()).toBe('Error: Check-in · Mend');
    await alex.screen('partner-check-in-errors');

    await fillForm(alex, PRIVATE_MARKER);
    await page.getByLabel('Only my therapist').check();
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.getByRole('heading', { name: 'Thank you. Your check-in was sent.' }).waitFor();
    await page.getByText('Only your therapist can see it.').waitFor();
    await alex.screen('partner-check-in-sent');

    // The other homework, shared with the partner.
    await page.getByRole('link', { name: 'Back to home' }).click();
    await page.getByRole('link', { name: `Check in: ${onceTitle}` }).click();
    await page.getByRole('heading', { name: onceTitle }).waitFor();
    await page.getByText('Try it after dinner.').waitFor();
    await fillForm(alex, SHARED_MARKER);
    await page.getByLabel('My therapist and your partner').check();
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.getByText('Your therapist and your partner can see it.').waitFor();
  }, 120_000);

  it('shows their own history, private and shared', async () => {
    const page = alex.page;
    await navTo(alex, 'History');
    await page.getByRole('heading', { name: 'History', level: 1 }).waitFor();
    await page.getByText(`${PRIVATE_MARKER} line 0`).waitFor();
    await page.getByText(`${SHARED_MARKER} line 0`).first().waitFor();
    await page.getByText('Only your therapist').first().waitFor();
    await page.getByText('Shared with your partner').first().waitFor();
    await alex.screen('partner-history');
  }, 120_000);

  it('a quiet-hours change moves a pending reminder (the couple’s reminder log)', async () => {
    const log = async () =>
      (await api<{ data: Reminder[] }>('GET', `/v1/couples/${coupleId}/reminders?limit=100`, therapistToken)).data;
    const soonest = Date.now() + 30 * 60_000;
    const pending = (await log())
      .filter((r) => r.recipientId === alexId && r.state === 'scheduled' && Date.parse(r.sendAt) > soonest)
      .sort((a, b) => a.sendAt.localeCompare(b.sendAt))[0];
    expect(pending).toBeDefined();
    const local = DateTime.fromISO(pending!.sendAt, { zone: ALEX.timezone });
    const start = local.minus({ hours: 1 }).toFormat('HH:mm');
    const end = local.plus({ hours: 2 }).toFormat('HH:mm');

    const page = alex.page;
    await navTo(alex, 'Settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Your time zone' }).waitFor();
    await alex.screen('partner-settings');
    await page.getByLabel('Quiet hours: hold reminders overnight').check();
    await page.getByLabel('Quiet from').fill(start);
    await page.getByLabel('Until').fill(end);
    await page.getByRole('button', { name: 'Save time settings' }).click();
    await page.getByText('Saved. Reminders not yet sent follow the new times.').waitFor();
    await alex.screen('partner-settings-saved');

    // Discreet emails for a shared inbox: on, and still on after a reload.
    const discreet = page.getByRole('switch', { name: 'Discreet emails' });
    expect(await discreet.isChecked()).toBe(false);
    await page.getByText('For an inbox someone else can read', { exact: false }).waitFor();
    const saved = page.waitForResponse(
      (r) => r.url().endsWith('/v1/me/notification-preferences') && r.request().method() === 'PATCH',
    );
    // A click, not check(): the switch follows the saved preference a render later, which check() does not wait for.
    await discreet.click();
    expect((await saved).status()).toBe(200);
    await page.getByRole('switch', { name: 'Discreet emails', checked: true }).waitFor();
    await alex.screen('partner-settings-discreet');
    await page.reload();
    await page.getByRole('switch', { name: 'Discreet emails' }).waitFor();
    expect(await page.getByRole('switch', { name: 'Discreet emails' }).isChecked()).toBe(true);

    const after = await log();
    const same = after.filter(
      (r) =>
        r.recipientId === alexId &&
        r.kind === pending!.kind &&
        r.channel === pending!.channel &&
        r.occurrenceId === pending!.occurrenceId &&
        (r.state === 'scheduled' || r.state === 'deferred'),
    );
    expect(same).toHaveLength(1);
    // Held until the quiet hours end, in Alex's own zone.
    expect(DateTime.fromISO(same[0]!.sendAt, { zone: ALEX.timezone }).toFormat('HH:mm')).toBe(end);
    expect(Date.parse(same[0]!.sendAt)).toBeGreaterThan(Date.parse(pending!.sendAt));

    // The therapist sees it moved in the couple's reminder log, in their own browser.
    const therapist = await new Person(browser, shots, { viewport: LAPTOP, timezoneId: 'America/New_York' }).open();
    const tp = therapist.page;
    await tp.goto(`${stack.origin}/`);
    await tp.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await tp.locator('input[name=email]').fill(DEMO_THERAPIST.email);
    await tp.locator('input[name=password]').fill(DEMO_THERAPIST.password);
    await tp.getByRole('button', { name: 'Sign in' }).click();
    await tp.getByRole('navigation', { name: 'Main' }).waitFor();
    await tp.goto(`${stack.origin}/couples/${coupleId}?tab=reminders`);
    await tp.getByRole('heading', { name: 'Reminder log' }).waitFor();
    // Alex's next pending reminder is homework or a session depending on the hour the suite runs
    // at, so every kind a partner can be reminded of has its label here (as the log shows them).
    const kindLabels: Record<string, string> = {
      homework_due: 'Homework due',
      overdue_nudge: 'Still open',
      session_reminder: 'Session',
      plan_rating_due: 'Plan rating',
      digest: 'Digest',
    };
    const kindLabel = kindLabels[pending!.kind];
    expect(kindLabel).toBeDefined();
    const channelLabel = pending!.channel === 'email' ? 'Email' : 'In the app';
    const rows = tp
      .getByRole('row')
      .filter({ hasText: ALEX.name })
      .filter({ hasText: kindLabel })
      .filter({ hasText: channelLabel })
      .filter({ hasText: /Scheduled|Held \(quiet hours\)/ });
    const moved = DateTime.fromISO(same[0]!.sendAt, { zone: ALEX.timezone });
    await rows
      .filter({ hasText: moved.toFormat('LLL d') })
      .filter({ hasText: moved.toFormat('h:mm') })
      .first()
      .waitFor();
    const original = DateTime.fromISO(pending!.sendAt, { zone: ALEX.timezone });
    expect(
      await rows
        .filter({ hasText: original.toFormat('LLL d') })
        .filter({ hasText: original.toFormat('h:mm') })
        .count(),
    ).toBe(0);
    await therapist.screen('therapist-reminder-log');
    // On a phone each reminder is a card: nothing to scroll sideways.
    expect(await therapist.scrollsSidewaysOnPhone('Reminder log')).toBe(false);
    await therapist.close();
  }, 120_000);

  it('lists notifications and gives a calendar link for the sessions', async () => {
    const page = alex.page;
    await navTo(alex, 'Notifications');
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await page
      .getByText(/No notifications yet|unread|All read/)
      .first()
      .waitFor();
    await alex.screen('partner-notifications');
    if ((await page.getByRole('button', { name: 'Mark all as read' }).count()) > 0) {
      await page.getByRole('button', { name: 'Mark all as read' }).click();
      await page.getByText('All read.').waitFor();
    }

    await page.getByRole('link', { name: 'Mend, home' }).click();
    await page.getByRole('button', { name: 'Subscribe in my calendar' }).click();
    const link = await page.getByRole('textbox', { name: 'Calendar link' }).inputValue();
    expect(link).toMatch(/\/v1\/calendar\/.+\.ics$/);
    expect((await fetch(link)).headers.get('content-type')).toContain('text/calendar');
    await alex.screen('partner-calendar-link');
  }, 120_000);

  it('a safety check given to Alex alone: private wording, no share choice, crisis resources after a danger answer', async () => {
    const exercises = await api<{ data: Array<{ id: string; title: string }> }>(
      'GET',
      '/v1/exercises?limit=100',
      therapistToken,
    );
    const screen = exercises.data.find((e) => e.title === 'Safety check')!;
    await api('POST', `/v1/couples/${coupleId}/assignments`, therapistToken, {
      exerciseId: screen.id,
      schedule: { type: 'once', dueAt: DateTime.utc().plus({ hours: 3 }).toISO() },
      partnerId: alexId,
    });
    const page = alex.page;
    await navTo(alex, 'Home');
    // Given while Alex's home was open: a reload reads their homework again.
    await page.reload();
    await page.getByRole('link', { name: 'Check in: Safety check' }).waitFor();
    await page.getByText('Just for you: only your therapist sees your answers', { exact: false }).waitFor();
    await alex.screen('partner-safety-check-home');
    await page.getByRole('link', { name: 'Check in: Safety check' }).click();
    await page.getByRole('heading', { name: 'Safety check' }).waitFor();
    await page
      .getByText('Your partner does not see this check-in and is not told about it.', { exact: false })
      .waitFor();
    expect(await page.locator('input[name=visibility]').count()).toBe(0);
    await alex.screen('partner-safety-check');
    // The first choice of every question: "Yes" to being threatened and hurt, money controlled.
    await fillForm(alex, 'SAFETY-NOTE');
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.getByRole('heading', { name: 'Thank you. Your check-in was sent.' }).waitFor();
    await page.getByText('Only your therapist can see it.').waitFor();
    await page.getByText('You said you did not feel safe.', { exact: false }).waitFor();
    // Said once: the clinic's crisis text (the built-in one here) follows without repeating it.
    expect((await page.locator('main').innerText()).match(/therapist has been told/gi)).toHaveLength(1);
    await alex.screen('partner-safety-check-sent');
    await page.getByRole('link', { name: 'Back to home' }).click();
  }, 120_000);

  it('the other partner sees what was shared and never the private marker, in any page or response', async () => {
    const casey = await new Person(browser, shots, { viewport: PHONE, timezoneId: CASEY.timezone }).open();
    await acceptInvitation(casey, CASEY.email, 'Casey');
    const page = casey.page;
    await page.getByText('Times are shown in your time zone, America/Chicago.').waitFor();
    await navTo(casey, 'History');
    await page.getByText('No check-ins yet.', { exact: false }).waitFor();
    await page.getByText('Shared with me', { exact: true }).click();
    await page.getByText(`${SHARED_MARKER} line 0`).first().waitFor();
    await page.getByText('Shared by your partner').first().waitFor();
    await casey.screen('partner-history-shared-with-me');
    for (const link of ['Notifications', 'Settings', 'Home']) {
      await navTo(casey, link);
      await page.waitForLoadState('networkidle');
    }
    // A check-in of Casey's own: the same form, now naming the partner choice.
    await page.getByRole('link', { name: `Check in: ${PULSE}` }).click();
    await page.getByRole('heading', { name: PULSE }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await casey.text()).not.toContain(PRIVATE_MARKER);
    expect(await casey.text()).not.toContain('Safety check');

    const responses = await casey.settled();
    expect(responses.some((r) => r.body.includes(SHARED_MARKER))).toBe(true);
    expect(responses.filter((r) => r.body.includes(PRIVATE_MARKER)).map((r) => r.url)).toEqual([]);
    // The safety check given to Alex alone: no response Casey's pages receive names it or carries its answers.
    expect(
      responses.filter((r) => r.body.includes('Safety check') || r.body.includes('SAFETY-NOTE')).map((r) => r.url),
    ).toEqual([]);
    await casey.close();
  }, 180_000);
});
