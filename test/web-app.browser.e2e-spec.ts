/**
 * The web app (apps/web, built into dist/web by `npm test`) in a real browser: Debian's Chromium
 * driven by playwright-core, against the real API serving it, the real worker and an in-test SMTP
 * server, with the demo clinic seeded through the API.
 *
 * The therapist's day, through the UI only: the invitation email → a password → the (empty)
 * caseload → a new couple → a daily trust pulse and a weekly CSI-4 assigned with the keyboard
 * only → (the partners check in through the API) → the couple page shows both partners, the
 * chart and an alert → acknowledge → a session completed with notes → sign out; the alert
 * email's link, opened signed out, leads through sign-in to the couple; forgot password through
 * the emailed link, then sign-in with the new password.
 *
 * Every screen and state: 0 axe violations (WCAG 2.0/2.1 A+AA, 2.2 AA) at 1280×800 and 390×844,
 * and at 200 % zoom (a 640×400 CSS viewport) for the caseload and couple pages; nothing in
 * localStorage or sessionStorage and no cookie or token readable by page script (the sign-in
 * survives a reload through the httpOnly refresh cookie); no console
 * error; a screenshot of each under test-output/web/ (git-ignored). First-load JavaScript is at
 * most 250 kB gzip.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

import { DateTime } from 'luxon';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { DEMO_ADMIN, DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

// Functions given to page.evaluate run in the browser; the project itself compiles without the DOM library.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const localStorage: any;
declare const sessionStorage: any;

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** 200 % browser zoom of a 1280×800 window: the page lays out in a 640×400 CSS viewport. */
const ZOOM_200 = { width: 640, height: 400 };
const SCREENSHOTS = resolve('test-output/web');
const JS_BUDGET_GZIP = 250 * 1024;
const PASSWORD = 'harbor lantern quietly 73 mosaic';
const NEW_THERAPIST = { name: 'Robin Rivera', email: 'robin@demo.mend.local' };
const PARTNERS = [
  { name: 'Alex Moreno', email: 'alex.moreno@mend.test', zone: 'America/New_York' },
  { name: 'Casey Lin', email: 'casey.lin@mend.test', zone: 'America/Chicago' },
];

interface Watch {
  errors: string[];
  js: Map<string, number>;
}

describe('web app in Chromium: the therapist’s day', () => {
  let stack: WebStack;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: Watch;
  let axeSource: string;
  let adminToken: string;
  let coupleId: string;
  let alertLink: string;
  const screenshots: string[] = [];

  const api = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const login = async (email: string, password: string) =>
    (await api<{ accessToken: string }>('POST', '/v1/auth/login', null, { clinic: DEMO_CLINIC.slug, email, password }))
      .accessToken;

  /** The first link matching `path` in the newest email to `email` (the worker sent it through SMTP). */
  const linkInEmail = async (email: string, path: string, what: string): Promise<string> => {
    const pattern = new RegExp(`${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${path}`);
    for (let i = 0; i < 600; i++) {
      const mail = [...stack.smtp.mails].reverse().find((m) => m.to.includes(email) && pattern.test(m.body));
      if (mail) return pattern.exec(mail.body)![0];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${what} email reached ${email}`);
  };
  const invitationLinkFor = (email: string) => linkInEmail(email, '/invitations/inv_[A-Za-z0-9_-]+', 'invitation');

  async function newPage(): Promise<void> {
    context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US', timezoneId: 'America/New_York' });
    page = await context.newPage();
    watch = { errors: [], js: new Map() };
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') watch.errors.push(message.text());
    });
    page.on('pageerror', (error) => watch.errors.push(`pageerror: ${error.message}`));
    page.on('response', async (response) => {
      if (!response.url().endsWith('.js')) return;
      const body = await response.body().catch(() => Buffer.alloc(0));
      watch.js.set(response.url(), gzipSync(body).length);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event: { violatedDirective: string }) => {
        console.error(`CSP violation: ${event.violatedDirective}`);
      });
    });
  }

  /** Nothing a script on the page could read holds a credential. */
  async function expectNoReadableToken(): Promise<void> {
    const exposed = await page.evaluate(() => ({
      storage: localStorage.length + sessionStorage.length,
      cookie: document.cookie,
      inDom: /eyJ[A-Za-z0-9_-]{10,}\.|rt_[A-Za-z0-9_-]{10,}/.test(document.documentElement.outerHTML),
    }));
    expect(exposed).toEqual({ storage: 0, cookie: '', inDom: false });
  }

  async function axe(name: string): Promise<void> {
    await page.evaluate(axeSource);
    const result = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
      AXE_TAGS,
    );
    const violations = (result.violations as Array<{ id: string; nodes: Array<{ target: unknown }> }>).map(
      (v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`,
    );
    expect({ name, violations }).toEqual({ name, violations: [] });
  }

  /** A screen or state, checked and photographed at both sizes (and at 200 % zoom when asked). */
  async function screen(name: string, options: { zoom?: boolean } = {}): Promise<void> {
    const sizes: Array<[string, { width: number; height: number }]> = [
      ['1280x800', LAPTOP],
      ['390x844', PHONE],
      ...(options.zoom ? ([['zoom200', ZOOM_200]] as Array<[string, { width: number; height: number }]>) : []),
    ];
    for (const [label, size] of sizes) {
      await page.setViewportSize(size);
      // Charts re-measure their container after a resize.
      await page.waitForTimeout(400);
      // From the top, as a person arriving sees it: a full-page capture of a scrolled page paints
      // the fixed header where the window was, halfway down.
      await page.evaluate(() => window.scrollTo(0, 0));
      // The screenshot first, so a failing state can be looked at.
      const path = join(SCREENSHOTS, `${name}-${label}.png`);
      await page.screenshot({ path, fullPage: true });
      screenshots.push(path);
      await axe(`${name} at ${label}`);
      // Nothing sticks out past the right edge (the page reserves the scrollbar's gutter).
      const overflow: string[] = await page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        return [...document.querySelectorAll('body *')]
          .filter((e: any) => e.getBoundingClientRect().right > width + 1)
          .slice(0, 5)
          .map(
            (e: any) =>
              `${e.tagName}.${String(e.className).slice(0, 60)} right=${Math.round(e.getBoundingClientRect().right)}`,
          );
      });
      expect({ name, label, overflow }).toEqual({ name, label, overflow: [] });
    }
    await page.setViewportSize(LAPTOP);
    await expectNoReadableToken();
    expect({ name, consoleErrors: watch.errors }).toEqual({ name, consoleErrors: [] });
  }

  /** Keyboard only: Tab until the focused control's label matches, never past 120 presses. */
  async function tabTo(label: RegExp): Promise<void> {
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press('Tab');
      const name: string = await page.evaluate(() => {
        const el = document.activeElement;
        return (
          el?.getAttribute('aria-label') ||
          [...(el?.labels ?? [])].map((l: { textContent: string }) => l.textContent).join(' ') ||
          el?.textContent ||
          ''
        ).trim();
      });
      if (label.test(name)) return;
    }
    throw new Error(`never reached ${label} with Tab`);
  }

  const focusedLabel = () =>
    page.evaluate(() =>
      [...(document.activeElement?.labels ?? [])].map((l: { textContent: string }) => l.textContent).join(' '),
    );

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    axeSource = readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8');
    expect(readFileSync(resolve('dist/web/index.html'), 'utf8')).toContain('/assets/');
    const [started, launched] = await Promise.all([
      startWebStack(),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
    stack = started;
    browser = launched;
    origin = stack.origin;
    adminToken = await login(DEMO_ADMIN.email, DEMO_ADMIN.password);
    // No quiet hours in this clinic, so an alert's email reaches the therapist whatever the hour
    // the suite runs at.
    await api('PATCH', '/v1/clinic/reminder-settings', adminToken, { quietHours: { start: '00:00', end: '00:00' } });
    await newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (screenshots.length)
      process.stdout.write(`\nWeb app screenshots:\n${screenshots.map((p) => `  ${p}`).join('\n')}\n`);
  });

  it('serves the app under the API’s CSP, and its client routes, without swallowing API 404s', async () => {
    const index = await fetch(`${origin}/couples/anything`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect((await fetch(`${origin}/v1/nothing-here`)).status).toBe(404);
    expect((await fetch(`${origin}/not-a-page`)).status).toBe(404);
  }, 120_000);

  it('keeps first-load JavaScript within 250 kB gzip', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const signInJs = [...watch.js.values()].reduce((a, b) => a + b, 0);
    expect(signInJs).toBeGreaterThan(10_000);
    expect(signInJs).toBeLessThanOrEqual(JS_BUDGET_GZIP);
    await screen('sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your email address.').waitFor();
    await screen('sign-in-missing-fields');
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(DEMO_THERAPIST.email);
    await page.locator('input[name=password]').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The clinic, email or password is not right').waitFor();
    // The refused login's 401 is the one console line this state may have.
    expect(watch.errors.every((e) => /status of 401/.test(e))).toBe(true);
    watch.errors.length = 0;
    await screen('sign-in-wrong-password');
    await page.locator('input[name=password]').fill(DEMO_THERAPIST.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    await page.getByRole('link', { name: 'Jordan & Sam' }).first().waitFor();
    const total = [...watch.js.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(JS_BUDGET_GZIP);
    await screen('caseload-demo', { zoom: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await context.close();
    await newPage();
  }, 120_000);

  it('invitation → password → the new therapist’s empty caseload; a used or expired link says what to do', async () => {
    await api('POST', '/v1/users', adminToken, { ...NEW_THERAPIST, role: 'therapist' });
    const link = await invitationLinkFor(NEW_THERAPIST.email);
    await page.goto(link);
    await page.getByRole('heading', { name: `Join ${DEMO_CLINIC.name}` }).waitFor();
    await screen('invitation');
    await page.locator('input[name=new-password]').fill('short');
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByText('Use at least 8 characters.').first().waitFor();
    await screen('invitation-short-password');
    await page.locator('input[name=new-password]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    await page.getByText('No couples here yet.').waitFor();
    await screen('caseload-empty', { zoom: true });

    // The sign-in survives a reload (the refresh token is in an httpOnly cookie page script cannot
    // read; the access token lived in memory) and nothing readable remains.
    await page.reload();
    await page.getByText('No couples here yet.').waitFor();
    await expectNoReadableToken();
    // The cookie refresh refuses a request without the CSRF proof, even from the app's own page.
    const refused: number = await page.evaluate(
      async () => (await fetch('/v1/auth/cookie/refresh', { method: 'POST', credentials: 'same-origin' })).status,
    );
    expect(refused).toBe(403);
    watch.errors.splice(0, watch.errors.length, ...watch.errors.filter((e) => !/status of 403/.test(e)));
    await page.reload();
    await page.getByText('No couples here yet.').waitFor();

    const other = await browser.newPage();
    await other.goto(link);
    await other.getByRole('heading', { name: 'This invitation was already used' }).waitFor();
    await other.close();
  }, 120_000);

  it('adds a couple', async () => {
    await page.getByRole('link', { name: 'Add the first couple' }).click();
    await page.getByRole('heading', { name: 'New couple' }).waitFor();
    await page.getByRole('button', { name: 'Add couple and send invitations' }).click();
    await page.getByText('Enter a name.').first().waitFor();
    await screen('new-couple-missing-fields');
    const sets = page.locator('fieldset');
    for (const [i, partner] of PARTNERS.entries()) {
      const set = sets.nth(i);
      await set.getByLabel('Name').fill(partner.name);
      await set.getByLabel('Email').fill(partner.email);
      const zone = set.getByLabel('Time zone');
      await zone.click();
      // The search filters by substring; the whole name would show every zone again.
      await zone.fill(partner.zone.split('/')[1]!);
      await page.getByRole('option', { name: partner.zone, exact: true }).click();
    }
    await page.getByRole('button', { name: 'Add couple and send invitations' }).click();
    await page.getByRole('heading', { name: `${PARTNERS[0]!.name} & ${PARTNERS[1]!.name}` }).waitFor();
    coupleId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('No alerts.').waitFor();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await screen('couple-new');
  }, 120_000);

  it('assigns a daily trust pulse and a weekly CSI-4 with the keyboard only', async () => {
    await page.keyboard.press('Escape');
    await tabTo(/^Assign homework$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Assign homework', level: 1 }).waitFor();
    await page.getByText('Choose an exercise to see its form').waitFor();
    await screen('assign-empty');

    // The daily trust pulse at 20:00 in each partner's zone, from the couple's local today.
    await tabTo(/Daily trust pulse/);
    await page.keyboard.press('Space');
    await page.getByText('Preview: what each partner sees').waitFor();
    await tabTo(/^Assign$/);
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Assignments', selected: true }).waitFor();
    await page
      .getByRole('article', { name: 'Daily trust pulse' })
      .getByText(/^Daily at 20:00 in each partner’s own time, from \w{3} \d{1,2} \w{3}$/)
      .waitFor();

    // The CSI-4 weekly on yesterday, today and tomorrow (in the first partner's zone), so an
    // occurrence is open for a check-in whatever the hour the suite runs at.
    await page.keyboard.press('Escape');
    await tabTo(/^Assign homework$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Assign homework', level: 1 }).waitFor();
    await tabTo(/Daily trust pulse/);
    for (let i = 0; i < 20 && !/CSI-4/.test(await focusedLabel()); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await tabTo(/^Daily$/);
    await page.keyboard.press('ArrowRight');
    await page.getByText('On these days').waitFor();
    const today = DateTime.now().setZone(PARTNERS[0]!.zone);
    const wanted = new Set([today.minus({ days: 1 }), today, today.plus({ days: 1 })].map((d) => d.weekday - 1));
    for (let day = 0; day < 7; day++) {
      await page.keyboard.press('Tab');
      const isChecked: boolean = await page.evaluate(() => document.activeElement.checked);
      if (isChecked !== wanted.has(day)) await page.keyboard.press('Space');
    }
    await page.getByRole('table', { name: /First check-ins/ }).waitFor();
    await screen('assign-weekly-csi4');
    await tabTo(/^Assign$/);
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Assignments', selected: true }).waitFor();
    const weekdays = [...wanted]
      .sort()
      .map((d) => ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][d]!);
    await page
      .getByRole('article', { name: 'Couples Satisfaction Index (CSI-4)' })
      .getByText(
        `Weekly on ${weekdays.slice(0, -1).join(', ')} and ${weekdays.at(-1)} at 20:00 in each partner’s own time`,
        { exact: false },
      )
      .waitFor();
    await screen('couple-assignments');
  }, 180_000);

  it('shows both partners, the chart and an alert after the partners check in; acknowledges it', async () => {
    // The partners accept their emailed invitations and check in through the API.
    for (const partner of PARTNERS) {
      const token = (await invitationLinkFor(partner.email)).split('/').pop()!;
      const signedIn = await api<{ accessToken: string }>('POST', `/v1/invitations/${token}/accept`, null, {
        password: `${PASSWORD} ${partner.zone.length}`,
      });
      const mine = await api<{
        data: Array<{
          id: string;
          title: string;
          form: { fields: Array<{ key: string; type: string; min?: number; options?: Array<{ value: string }> }> };
          occurrences: Array<{ dueAt: string; opensAt: string; state: string }>;
        }>;
      }>('GET', '/v1/me/assignments', signedIn.accessToken);
      expect(mine.data).toHaveLength(2);
      for (const assignment of mine.data) {
        const open = assignment.occurrences.find(
          (o) => (o.state === 'due' || o.state === 'upcoming') && new Date(o.opensAt) <= new Date(),
        );
        expect({ title: assignment.title, open: !!open }).toEqual({ title: assignment.title, open: true });
        // The lowest answers: the CSI-4 lands below its cut-off, which raises an alert.
        const answers: Record<string, unknown> = {};
        for (const field of assignment.form.fields) {
          if (field.type === 'scale') answers[field.key] = field.min ?? 0;
          if (field.type === 'boolean') answers[field.key] = false;
          if (field.type === 'choice') answers[field.key] = field.options![0]!.value;
        }
        await api('POST', `/v1/assignments/${assignment.id}/check-ins`, signedIn.accessToken, {
          occurrenceAt: open!.dueAt,
          answers,
          visibility: partner === PARTNERS[0] ? 'private' : 'shared',
        });
      }
    }
    const therapistToken = await login(NEW_THERAPIST.email, PASSWORD);
    for (let i = 0; ; i++) {
      const report = await api<{ alerts: Array<{ status: string }> }>(
        'GET',
        `/v1/couples/${coupleId}/progress`,
        therapistToken,
      );
      if (report.alerts.some((a) => a.status === 'open')) break;
      if (i > 150) throw new Error('no alert was raised');
      await new Promise((r) => setTimeout(r, 100));
    }

    // The worker emails the therapist about the alert, with a link to the couple's page.
    alertLink = await linkInEmail(NEW_THERAPIST.email, `/couples/${coupleId}`, 'alert');

    await page.getByRole('link', { name: 'Caseload' }).first().click();
    await page
      .getByRole('link', { name: `${PARTNERS[0]!.name} & ${PARTNERS[1]!.name}` })
      .first()
      .waitFor();
    // Each partner's own homework of the last 14 days, checked in ahead of its due time: done.
    for (const partner of PARTNERS)
      await page
        .getByRole('table', { name: 'Caseload' })
        .getByText(`${partner.name.split(' ')[0]}: 100% (2 of 2)`)
        .waitFor();
    await screen('caseload-alert', { zoom: true });
    await page
      .getByRole('link', { name: `${PARTNERS[0]!.name} & ${PARTNERS[1]!.name}` })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    for (const partner of PARTNERS) await page.getByText(partner.name, { exact: true }).first().waitFor();
    // Both accepted their invitations: their emails show, no stale "Invited" mark.
    for (const partner of PARTNERS) await page.getByText(partner.email, { exact: true }).waitFor();
    expect(await page.getByText(/^Invited/).count()).toBe(0);
    await page.locator('.recharts-surface').first().waitFor();
    await page.getByRole('button', { name: 'Acknowledge' }).first().waitFor();
    await screen('couple-alert', { zoom: true });
    // On a phone the progress tables are cards, one per day or period: nothing to scroll sideways.
    await page.setViewportSize(PHONE);
    const sideways = await page
      .getByRole('region', { name: /^(The chart's readings per day|Progress per period), as a table$/ })
      .evaluateAll((regions) => regions.map((e) => e.scrollWidth > e.clientWidth + 1));
    await page.setViewportSize(LAPTOP);
    expect(sideways).toEqual([false, false]);
    while ((await page.getByRole('button', { name: 'Acknowledge' }).count()) > 0) {
      const before = await page.getByRole('button', { name: 'Acknowledge' }).count();
      await page.getByRole('button', { name: 'Acknowledge' }).first().click();
      await page.waitForFunction(
        (n: number) =>
          [...document.querySelectorAll('button')].filter((b: any) => b.textContent === 'Acknowledge').length < n,
        before,
      );
    }
    await page.getByText('No open alerts.').waitFor();
    await screen('couple-acknowledged');

    await page.getByRole('tab', { name: 'Check-ins' }).click();
    await page.getByText('Private: not shared with the partner').first().waitFor();
    await page.getByText('Shared with the partner').first().waitFor();
    // Each occurrence once, both partners side by side (their due instants differ by their zones).
    const pulse = page.getByRole('article', { name: /^Daily trust pulse, / });
    expect(await pulse.count()).toBe(1);
    for (const partner of PARTNERS) await pulse.getByText(partner.name, { exact: true }).waitFor();
    expect(await pulse.getByText('No check-in.').count()).toBe(0);
    await screen('couple-check-ins');
  }, 180_000);

  it('describes a one-off at a local date and time as one, in each partner’s own time', async () => {
    // The web's own builder makes one-offs at one instant; an integrator (or the API) may give a
    // local date and time applied in each partner's zone, and the couple's page must not call it
    // "Recurring".
    const therapistToken = await login(NEW_THERAPIST.email, PASSWORD);
    const exercises = await api<{ data: Array<{ id: string; builtinKey: string | null }> }>(
      'GET',
      '/v1/exercises?limit=200',
      therapistToken,
    );
    const letter = exercises.data.find((e) => e.builtinKey === 'letter_instead_of_fight')!;
    const day = DateTime.now().setZone(PARTNERS[0]!.zone).plus({ days: 3 });
    await api('POST', `/v1/couples/${coupleId}/assignments`, therapistToken, {
      exerciseId: letter.id,
      schedule: { type: 'once', localDateTime: `${day.toISODate()}T19:00`, zone: 'partner' },
    });
    await page.reload();
    await page.getByRole('tab', { name: 'Assignments' }).click();
    const expected = `Once, ${day.setLocale('en-GB').toFormat('ccc d LLL')} at 19:00 in each partner’s own time`;
    await page
      .getByRole('article', { name: 'Write it down instead of fighting' })
      .getByText(expected, { exact: true })
      .waitFor();
    await screen('couple-assignments-local-once');
  }, 60_000);

  it('gives the safety check to one partner, privately, and names that partner on the couple page', async () => {
    await page.getByRole('link', { name: 'Assign homework' }).first().click();
    await page.getByRole('heading', { name: 'Assign homework', level: 1 }).waitFor();
    await page.getByRole('radio', { name: /^Safety check/ }).check();
    await page.getByRole('radiogroup', { name: /Which partner is this for/ }).waitFor();
    await page.getByText('The safety check is private to that partner', { exact: false }).waitFor();
    // Without a partner it is not sent.
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('Choose which partner the safety check is for.').waitFor();
    await page.getByRole('radio', { name: PARTNERS[0]!.name, exact: true }).check();
    await screen('assign-safety-check');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByRole('tab', { name: 'Assignments', selected: true }).waitFor();
    await page
      .getByRole('article', { name: 'Safety check' })
      .getByText(`For ${PARTNERS[0]!.name} only · private`, { exact: false })
      .waitFor();
    await screen('couple-assignments-safety-check');
  }, 90_000);

  it('schedules a session and completes it with notes; signs out', async () => {
    await page.getByRole('tab', { name: 'Sessions' }).click();
    await page.getByText('No sessions yet.').waitFor();
    // Today's session, begun an hour ago in the therapist's zone (a session is completed once it has started).
    const started = DateTime.now().setZone(DEMO_CLINIC.timezone).minus({ hours: 1 });
    await page.getByLabel('Date').fill(started.toISODate()!);
    await page.getByLabel(/^Time/).fill(started.toFormat('HH:mm'));
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('button', { name: 'Complete with notes' }).waitFor();
    await screen('couple-sessions');
    await page.getByRole('button', { name: 'Complete with notes' }).click();
    await page.getByLabel('Session notes').fill('Worked on the repair plan; both engaged.');
    await page.getByRole('button', { name: 'Save and mark completed' }).click();
    await page.getByText('Completed', { exact: true }).waitFor();
    await page.getByText('Worked on the repair plan; both engaged.').waitFor();
    await screen('couple-session-completed');

    await page.getByRole('link', { name: 'Caseload' }).first().click();
    await page
      .getByRole('link', { name: `${PARTNERS[0]!.name} & ${PARTNERS[1]!.name}` })
      .first()
      .waitFor();
    await screen('caseload', { zoom: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectNoReadableToken();
    // The alert email's link, opened while signed out: sign-in first, then the couple's page.
    await page.goto(alertLink);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(NEW_THERAPIST.email);
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: `${PARTNERS[0]!.name} & ${PARTNERS[1]!.name}`, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/couples/${coupleId}`);
  }, 120_000);

  it('shows the exercise library and saves a custom exercise as a new version', async () => {
    await page.getByRole('link', { name: 'Exercise library' }).first().click();
    await page.getByRole('heading', { name: 'Exercise library' }).waitFor();
    await page.getByText('Daily trust pulse').first().waitFor();
    await screen('exercises');
    await page.getByRole('link', { name: 'New exercise' }).click();
    await page.getByRole('textbox', { name: /^Title/ }).fill('Evening walk');
    await page.getByRole('textbox', { name: /^Instructions/ }).fill('Walk together for twenty minutes after dinner.');
    await page
      .getByRole('textbox', { name: /^Question/ })
      .first()
      .fill('How connected did you feel?');
    await screen('exercise-editor');
    await page.getByRole('button', { name: 'Save exercise' }).click();
    await page.getByRole('link', { name: 'Edit Evening walk' }).click();
    await page.getByRole('textbox', { name: /^Title/ }).fill('Evening walk together');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('article', { name: 'Evening walk together' }).getByText('Clinic · v2').waitFor();
  }, 120_000);

  it('resets a forgotten password through the emailed link, then signs in with the new one', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await screen('forgot-password');
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(NEW_THERAPIST.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await screen('forgot-password-sent');

    const link = await linkInEmail(NEW_THERAPIST.email, '/reset-password\\?token=[A-Za-z0-9_-]+', 'password reset');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await screen('reset-password');
    const newPassword = `${PASSWORD} renewed`;
    await page.locator('input[name=new-password]').fill(newPassword);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByText('Your password was changed. Sign in with the new one.').waitFor();
    await screen('sign-in-after-reset');

    // The old password no longer works; the new one does.
    const old = await fetch(`${origin}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clinic: DEMO_CLINIC.slug, email: NEW_THERAPIST.email, password: PASSWORD }),
    });
    expect(old.status).toBe(401);
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(NEW_THERAPIST.email);
    await page.locator('input[name=password]').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    await page
      .getByRole('link', { name: `${PARTNERS[0]!.name} & ${PARTNERS[1]!.name}` })
      .first()
      .waitFor();

    // The used link says so.
    await page.goto(link);
    await page.locator('input[name=new-password]').fill(`${newPassword} again`);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByRole('heading', { name: 'This reset link does not work' }).waitFor();
    watch.errors.splice(0, watch.errors.length, ...watch.errors.filter((e) => !/status of 4\d\d/.test(e)));
    await screen('reset-password-used');
  }, 120_000);
});
