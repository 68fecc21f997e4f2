/**
 * The repair plan in a real browser (Debian's Chromium through playwright-core), against the real
 * API serving the built web app, the real worker and an in-test SMTP server.
 *
 * Through the UI only: the therapist writes the plan (agreements, who keeps each, how often),
 * reorders and changes it (a new version, in the history); the partner, on a phone, follows the
 * reminder email's link through sign-in to the rating screen, reads the whole plan, rates each
 * agreement (0–10, still fits, a note for the therapist only); the therapist sees the ratings in
 * the trend, with the low / no-longer-fits flags. The setup (the couple, a completed session
 * rated earlier through the API, the clinic's reminder time) goes through the API.
 *
 * Every screen: 0 axe violations at 1280×800 and 390×844, no console error, nothing past the
 * right edge, a screenshot of each under test-output/web-repair-plan/ (SHOTS_DIR to override).
 */
import { resolve } from 'node:path';

import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';

import { invitationToken } from '@mend/testing';

import { DEMO_ADMIN, DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';
import { apiClient, LAPTOP, launchBrowser, linkInMail, Person, PHONE, Shots } from './support/web-browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

const PASSWORD = 'harbor lantern quietly 73 mosaic';
const FIRST = 'Tell each other about any spending over 100 EUR the same day.';
const SECOND = 'A phone-free walk together on Sundays.';
const NOTE = 'The amount feels too low now, NOTE-MARKER-5R2.';

/** A zone where it is now between 06:00 and 20:00, so "this week's reminder, a minute ago" is mid-day and the week far from its end. */
function middayZone(): string {
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'America/Los_Angeles'];
  const zone = zones.find((z) => {
    const hour = DateTime.now().setZone(z).hour;
    return hour >= 6 && hour < 20;
  });
  if (!zone) throw new Error('no zone of the list is mid-day now');
  return zone;
}

describe('web app in Chromium: the repair plan', () => {
  let stack: WebStack;
  let browser: Browser;
  let api: ReturnType<typeof apiClient>;
  let therapistToken: string;
  let coupleId: string;
  let alexToken: string;
  let zone: string;
  let therapist: Person;
  let alex: Person;
  const shots = new Shots(resolve(process.env.SHOTS_DIR ?? 'test-output/web-repair-plan'));
  const ALEX = { name: 'Alex Moreno', email: 'alex.plan@mend.test' };
  const CASEY = { name: 'Casey Lin', email: 'casey.plan@mend.test' };

  async function signIn(person: Person, email: string, password: string): Promise<void> {
    const page = person.page;
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(email);
    await page.locator('input[name=password]').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    const [started, launched] = await Promise.all([startWebStack(), launchBrowser()]);
    stack = started;
    browser = launched;
    api = apiClient(stack.origin);
    const login = (email: string, password: string) =>
      api<{ accessToken: string }>('POST', '/v1/auth/login', null, { clinic: DEMO_CLINIC.slug, email, password });
    therapistToken = (await login(DEMO_THERAPIST.email, DEMO_THERAPIST.password)).accessToken;
    const adminToken = (await login(DEMO_ADMIN.email, DEMO_ADMIN.password)).accessToken;
    zone = middayZone();
    // This week's rating reminder falls a minute ago in the partners' zone, and no quiet hours hold it.
    const local = DateTime.now().setZone(zone).minus({ minutes: 1 });
    await api('PATCH', '/v1/clinic/reminder-settings', adminToken, {
      quietHours: { start: '00:00', end: '00:00' },
      planRatingWeekday: local.weekday,
      planRatingTime: local.toFormat('HH:mm'),
    });
    const couple = await api<{ id: string; partners: Array<{ id: string; email: string; invitationUrl: string }> }>(
      'POST',
      '/v1/couples',
      therapistToken,
      { partners: [ALEX, CASEY].map((p) => ({ ...p, timezone: zone })) },
    );
    coupleId = couple.id;
    for (const partner of couple.partners) {
      const accepted = await api<{ accessToken: string }>(
        'POST',
        `/v1/invitations/${invitationToken(partner.invitationUrl)}/accept`,
        null,
        { password: PASSWORD },
      );
      if (partner.email === ALEX.email) {
        alexToken = accepted.accessToken;
      }
    }
    therapist = await new Person(browser, shots, { viewport: LAPTOP, timezoneId: 'America/New_York' }).open();
    alex = await new Person(browser, shots, { viewport: PHONE, timezoneId: zone }).open();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    shots.report('Repair plan screenshots');
  });

  it('the therapist writes the plan: agreements, who keeps each, how often; then reorders and changes it', async () => {
    const page = therapist.page;
    await page.goto(`${stack.origin}/`);
    await signIn(therapist, DEMO_THERAPIST.email, DEMO_THERAPIST.password);
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    await page
      .getByRole('link', { name: /Alex Moreno/ })
      .first()
      .click();
    await page.getByRole('tab', { name: 'Repair plan' }).click();
    await page.getByText('No plan yet.').waitFor();
    await therapist.screen('therapist-plan-empty');

    await page.getByRole('button', { name: 'Write the plan' }).click();
    await page.getByRole('button', { name: 'Add an agreement' }).click();
    await page.getByRole('textbox', { name: 'Agreement 1' }).fill(FIRST);
    await page.getByLabel('Who keeps it').first().selectOption({ label: ALEX.name });
    await page.getByLabel('How often').first().selectOption({ label: 'Each time it comes up' });
    await page.getByRole('button', { name: 'Add an agreement' }).click();
    await page.getByRole('textbox', { name: 'Agreement 2' }).fill('A walk together on Sundays.');
    await page.getByLabel('How often').nth(1).selectOption({ label: 'Weekly' });
    await therapist.screen('therapist-plan-editor');
    await page.getByRole('button', { name: 'Save the plan' }).click();
    await page.getByRole('article', { name: `Agreement: ${FIRST}` }).waitFor();
    await page.getByText(`Kept by ${ALEX.name} · Each time it comes up`).waitFor();
    await page.getByText('Kept by Both partners · Weekly').waitFor();
    await page.getByText(/^Version 1/).waitFor();

    // Version 2: the walk first, in new words.
    await page.getByRole('button', { name: 'Edit the plan' }).click();
    await page.getByRole('button', { name: 'Move agreement 2 up' }).click();
    await page.getByRole('textbox', { name: 'Agreement 1' }).fill(SECOND);
    await page.getByRole('button', { name: 'Save the plan' }).click();
    await page.getByText(/^Version 2/).waitFor();
    const order = await page
      .locator('article[aria-label^="Agreement: "]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(order).toEqual([`Agreement: ${SECOND}`, `Agreement: ${FIRST}`]);
    await page.getByRole('button', { name: 'Show version history' }).click();
    await page.getByText(`Changed: “${SECOND}”`).waitFor();
    await page.getByText(`Added: “${FIRST}”`).waitFor();
    await therapist.screen('therapist-plan-history');
  }, 120_000);

  it('the partner follows the reminder to the rating screen, reads the plan and rates it', async () => {
    const page = alex.page;
    // The reminder email: neutral words and a link to the rating screen, nothing the couple agreed.
    const link = await linkInMail(
      stack.smtp.mails,
      ALEX.email,
      new RegExp(`${stack.origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/home/plan/rate`),
    );
    const mail = stack.smtp.mails.find((m) => String(m.to).includes(ALEX.email) && m.body.includes(link))!;
    expect(mail.body).toContain('Subject: Time for your weekly review');
    expect(mail.body).not.toContain('spending');
    expect(mail.body).not.toContain('walk');

    // An earlier rating at a completed session (setup through the API), so the trend has two points.
    const startsAt = DateTime.now().minus({ days: 1 }).startOf('hour');
    const session = await api<{ id: string }>('POST', `/v1/couples/${coupleId}/sessions`, therapistToken, {
      startsAt: startsAt.toISO(),
      endsAt: startsAt.plus({ hours: 1 }).toISO(),
    });
    await api('PATCH', `/v1/sessions/${session.id}`, therapistToken, { status: 'completed' });
    const plan = await api<{ agreements: Array<{ id: string; text: string }> }>(
      'GET',
      `/v1/couples/${coupleId}/repair-plan`,
      alexToken,
    );
    await api('POST', `/v1/couples/${coupleId}/repair-plan/ratings`, alexToken, {
      sessionId: session.id,
      ratings: plan.agreements.map((a) => ({ agreementId: a.id, kept: a.text === SECOND ? 9 : 2, stillFits: true })),
    });

    // Signed out, the link leads through sign-in to the rating screen.
    await page.goto(link);
    await signIn(alex, ALEX.email, PASSWORD);
    await page.getByRole('heading', { name: 'Rate this week' }).waitFor();
    await page.getByText('Your partner does not see your ratings or notes. Your therapist does.').waitFor();
    await alex.screen('partner-rate');

    await page.getByRole('button', { name: 'Save my ratings' }).click();
    await page.getByText('2 agreements have no rating yet.').waitFor();
    await alex.screen('partner-rate-missing');

    const walk = page.getByRole('region', { name: 'Agreement 1' });
    const spending = page.getByRole('region', { name: 'Agreement 2' });
    await walk.getByText(SECOND).waitFor();
    await walk.getByLabel('8', { exact: true }).check();
    await spending.getByLabel('3', { exact: true }).check();
    await spending.getByLabel('This agreement still fits us').uncheck();
    await spending.getByLabel('A note for your therapist (optional)').fill(NOTE);
    await page.getByRole('button', { name: 'Save my ratings' }).click();
    await page.getByText('Thank you: your ratings are saved').waitFor();
    await alex.screen('partner-rate-saved');

    await page.getByRole('link', { name: 'Back to our plan' }).click();
    await page.getByRole('heading', { name: 'Our plan', level: 1 }).waitFor();
    await page.getByText('You rated this week').waitFor();
    await page.getByRole('article', { name: FIRST }).getByText('You keep it · Each time it comes up').waitFor();
    await page.getByRole('article', { name: SECOND }).getByText('Both of you keep it · Weekly').waitFor();
    await alex.screen('partner-plan');

    // From the home: the plan, this week's review done; the reminder in the notifications.
    await page.getByRole('link', { name: '← Home' }).click();
    await page.getByRole('heading', { name: 'Our plan', level: 2 }).waitFor();
    await page.getByRole('link', { name: 'Read our plan' }).waitFor();
    await alex.screen('partner-home-plan');
    await page.goto(`${stack.origin}/home/notifications`);
    await page.getByRole('article', { name: 'Time for your weekly review' }).waitFor();
    await page.getByRole('link', { name: 'Rate our plan' }).click();
    await page.getByRole('heading', { name: 'Rate this week' }).waitFor();
    await page
      .getByText('You rated this week already; saving again replaces those ratings.', { exact: false })
      .waitFor();
    expect(await page.getByRole('region', { name: 'Agreement 2' }).getByLabel('3', { exact: true }).isChecked()).toBe(
      true,
    );
  }, 120_000);

  it('the therapist sees the ratings in each agreement’s trend, with the flags', async () => {
    const page = therapist.page;
    await page.reload();
    await page.getByRole('tab', { name: 'Repair plan' }).click();
    const spending = page.getByRole('article', { name: `Agreement: ${FIRST}` });
    await spending.getByText('Rated low').waitFor();
    await spending.getByText('No longer fits', { exact: true }).waitFor();
    await spending.getByText(`“${NOTE}”`).waitFor();
    const walk = page.getByRole('article', { name: `Agreement: ${SECOND}` });
    await walk
      .getByRole('group', { name: `${ALEX.name}'s ratings` })
      .getByText('Steady (9 → 8)')
      .waitFor();
    await walk
      .getByRole('group', { name: `${CASEY.name}'s ratings` })
      .getByText('Not rated yet')
      .waitFor();
    expect(await walk.getByText('Rated low').count()).toBe(0);
    // The sparkline loads with the plan, not before.
    await page.locator('.mantine-Sparkline-root').first().waitFor();
    await therapist.screen('therapist-plan-trend');
  }, 120_000);
});
