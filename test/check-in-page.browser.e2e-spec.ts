/**
 * The client check-in page in a real browser: Debian's Chromium (installed by .ci/run) driven by
 * playwright-core, against the real app listening on a real port, with the demo clinic seeded
 * through the API (Harbor Couples Clinic, Jordan & Sam).
 *
 * Both partners start from the link in the reminder email the real worker sent (createWorkerApp,
 * SMTP_URL pointing at an in-test SMTP server): the evening assignment comes due a few seconds
 * after the seed, and each partner's link is read from the email body the server received. The
 * extra links of the later cases (JavaScript off, expired, the CSP detector) are for other
 * occurrences and come from `issueCheckInLink`, the function the reminder calls.
 *
 * Every state is checked for: 0 axe violations (WCAG 2.0/2.1 A+AA, 2.2 AA), 0 CSP violations, no
 * request to another origin, no token in later URLs or any Referer, no horizontal scroll at
 * 320 px, targets of at least 44×44 px, text of at least 16 px, a page weight of at most 50 kB,
 * nothing in localStorage; and a full-page screenshot at a phone viewport is saved under
 * test-output/screenshots/ (git-ignored).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';

import type { INestApplicationContext } from '@nestjs/common';
import { DateTime } from 'luxon';
import { PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { EntityManager } from 'typeorm';

import { CheckInLinksService } from '@mend/check-in-page';
import { loggerParams } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { suiteClock } from '@mend/testing';

import { createWorkerApp } from '../apps/worker/src/worker.bootstrap.js';
import { DEMO_PARTNERS } from '../scripts/seed-demo-couple.js';
import { DEMO_CLINIC, DEMO_PASSWORD, DEMO_THERAPIST, seedDemo } from '../scripts/seed-demo.js';
import { startSmtpCatcher, type CaughtMail, type SmtpCatcher } from './support/smtp-catcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// Functions given to page.evaluate run in the browser; the project itself compiles without the DOM library.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const localStorage: any;
declare const sessionStorage: any;
declare function getComputedStyle(element: unknown): any;
type HTMLElement = any;
type HTMLInputElement = any;
type Document = any;

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
const PHONE = { width: 360, height: 740 };
const SCREENSHOTS = resolve('test-output/screenshots');
const EXERCISE_TITLE = 'Ten minutes together';
/** In Jordan's private answer: Sam must never receive it. */
const PRIVATE_MARKER = 'zz-jordan-private-4e1b';
const SHARED_MARKER = 'zz-sam-shared-77c0';
/** Words that must never appear in a title or a URL (exercise, names, clinical terms). */
const FORBIDDEN_IN_TITLES = [
  EXERCISE_TITLE,
  'trust',
  'Trust',
  'Jordan',
  'Sam',
  'therapy',
  'Therapy',
  'couple',
  'Couple',
  'pulse',
  'Harbor',
];
const hasChromium = existsSync(CHROMIUM);

const FORM = {
  fields: [
    {
      key: 'closeness',
      type: 'scale',
      label: 'How close did you feel to your partner today?',
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
    { key: 'talked', type: 'boolean', label: 'Did you spend ten minutes talking without phones?', required: true },
    {
      key: 'mood',
      type: 'choice',
      label: 'How did the talk feel?',
      required: true,
      options: [
        { value: 'calm', label: 'Calm' },
        { value: 'tense', label: 'Tense' },
        { value: 'mixed', label: 'A bit of both' },
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
        { value: 'listen', label: 'Listening without interrupting' },
      ],
    },
    { key: 'note', type: 'text', label: 'Anything you want your therapist to know?', required: false, maxLength: 500 },
  ],
};

interface Watch {
  requests: Array<{ url: string; referer: string | undefined; method: string }>;
  /** Responses with their body size (redirects have none). */
  responses: Array<{ url: string; status: number; bytes: number; contentType: string; body: string }>;
  csp: string[];
}

// Never skipped: without Debian's chromium the suite fails and says how to get it (.ci/run installs it).
describe('client check-in page in Chromium (phone viewport)', () => {
  const suiteStart = Date.now();
  let t: TestApp;
  let worker: INestApplicationContext;
  let smtp: SmtpCatcher;
  /** The evening assignment's due time: its reminders go out then. */
  let eveningDueAt: Date;
  /** Each partner's reminder email for the evening occurrence, and the link read from its body. */
  const reminder: Partial<Record<'jordan' | 'sam', { mail: CaughtMail; link: string }>> = {};
  let origin: string;
  let browser: Browser;
  let db: TenantDatabase;
  let clinicId: string;
  const partner: Record<'jordan' | 'sam', { id: string; email: string }> = {} as never;
  let eveningId: string;
  let pulseId: string;
  const tokens: string[] = [];
  const logLines: string[] = [];
  const screenshots: string[] = [];
  const watches: Watch[] = [];
  let axeSource: string;
  let assetBytes = 0;

  const inClinic = <T>(work: (tx: EntityManager) => Promise<T>) => db.withClinic(clinicId, work);

  /** The partner's open occurrence of an assignment (due within 24 h, not answered yet). */
  const openOccurrence = async (assignmentId: string, partnerId: string): Promise<string> => {
    const rows: Array<{ id: string }> = await inClinic((tx) =>
      tx.query(
        `SELECT o.id FROM occurrence o
         WHERE o.clinic_id = $1 AND o.assignment_id = $2 AND o.partner_id = $3 AND o.closes_at > now() AND o.opens_at <= now()
           AND NOT EXISTS (SELECT 1 FROM check_in c WHERE c.clinic_id = o.clinic_id AND c.occurrence_id = o.id)
         ORDER BY o.due_at LIMIT 1`,
        [clinicId, assignmentId, partnerId],
      ),
    );
    if (!rows[0]) throw new Error('no open occurrence');
    return rows[0].id;
  };

  /** The occurrence a check-in link unlocks (looked up by the token's hash, as the app does). */
  const occurrenceOfLink = async (url: string): Promise<string | undefined> => {
    const token = new URL(url).pathname.split('/').pop()!;
    const rows: Array<{ occurrence_id: string }> = await inClinic((tx) =>
      tx.query(`SELECT occurrence_id FROM check_in_link WHERE token_hash = encode(sha256($1::bytea), 'hex')`, [token]),
    );
    return rows[0]?.occurrence_id;
  };

  /**
   * Waits for the partner's homework reminder email for this assignment's open occurrence and
   * returns the link in its body (the plain-text part; the HTML part must carry the same one).
   */
  const emailedLinkFor = async (
    assignmentId: string,
    who: 'jordan' | 'sam',
    deadline: number,
  ): Promise<{ mail: CaughtMail; link: string }> => {
    const occurrenceId = await openOccurrence(assignmentId, partner[who].id);
    const linkPattern = new RegExp(`${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/c/[A-Za-z0-9_-]+`, 'g');
    for (;;) {
      for (const mail of smtp.mails.filter((m) => m.to.includes(partner[who].email))) {
        for (const link of new Set(mail.body.match(linkPattern) ?? [])) {
          if ((await occurrenceOfLink(link)) === occurrenceId) return { mail, link };
        }
      }
      if (Date.now() > deadline)
        throw new Error(`no reminder email with a check-in link reached ${who} (${smtp.mails.length} emails caught)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** The link for a later case's occurrence: issueCheckInLink's URL, as the reminder email carries it. */
  const linkFor = async (assignmentId: string, who: 'jordan' | 'sam'): Promise<string> => {
    const occurrenceId = await openOccurrence(assignmentId, partner[who].id);
    const link = await inClinic((tx) =>
      t.app.get(CheckInLinksService).issueCheckInLink(tx, clinicId, partner[who].id, occurrenceId),
    );
    tokens.push(new URL(link.url).pathname.split('/').pop()!);
    return link.url;
  };

  const snapshot = () =>
    inClinic(async (tx) => {
      const [row] = await tx.query(
        `SELECT (SELECT count(*)::int FROM check_in_page_session) AS sessions, (SELECT count(*)::int FROM check_in) AS check_ins,
                (SELECT count(*)::int FROM audit_event) AS audit,
                (SELECT string_agg(id::text || ':' || coalesce(revoked_at::text, '-') || ':' || expires_at::text, ',' ORDER BY id) FROM check_in_link) AS links`,
      );
      return row as Record<string, unknown>;
    });

  const checkInOf = async (who: 'jordan' | 'sam', assignmentId: string) =>
    (
      await inClinic((tx) =>
        tx.query(
          `SELECT answers, visibility FROM check_in WHERE clinic_id = $1 AND author_id = $2 AND assignment_id = $3 ORDER BY submitted_at DESC LIMIT 1`,
          [clinicId, partner[who].id, assignmentId],
        ),
      )
    )[0] as { answers: Record<string, unknown>; visibility: string } | undefined;

  async function phone(
    options: { javaScriptEnabled?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      locale: 'en-US',
      timezoneId: 'America/New_York',
    });
    const page = await context.newPage();
    const watch: Watch = { requests: [], responses: [], csp: [] };
    watches.push(watch);
    page.on('request', (request) =>
      watch.requests.push({ url: request.url(), referer: request.headers()['referer'], method: request.method() }),
    );
    page.on('response', async (response) => {
      const contentType = response.headers()['content-type'] ?? '';
      let body = '';
      let bytes = 0;
      if (response.status() < 300 || response.status() >= 400) {
        const buffer = await response.body().catch(() => Buffer.alloc(0));
        bytes = buffer.length;
        if (contentType.startsWith('text/html')) body = buffer.toString('utf8');
      }
      watch.responses.push({ url: response.url(), status: response.status(), bytes, contentType, body });
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) watch.csp.push(`console: ${message.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    cdp.on('Log.entryAdded', (event: { entry: { text: string } }) => {
      if (/Content Security Policy/i.test(event.entry.text)) watch.csp.push(`log: ${event.entry.text}`);
    });
    await cdp.send('Log.enable');
    if (options.javaScriptEnabled !== false) {
      await context.exposeBinding('__reportCspViolation', (_source, text: string) => watch.csp.push(`event: ${text}`));
      await context.addInitScript(() => {
        document.addEventListener(
          'securitypolicyviolation',
          (event: { violatedDirective: string; blockedURI: string }) => {
            (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(
              `${event.violatedDirective} ${event.blockedURI}`,
            );
          },
        );
      });
    }
    return { context, page, watch };
  }

  /** Everything a state must satisfy, then its screenshot. */
  async function checkState(page: Page, name: string, options: { axe: boolean }): Promise<void> {
    const url = new URL(page.url());
    expect(url.origin).toBe(origin);
    const title = await page.title();
    for (const word of FORBIDDEN_IN_TITLES) {
      expect({ name, title: title.includes(word) }).toEqual({ name, title: false });
      expect({ name, url: decodeURIComponent(url.href).includes(word) }).toEqual({ name, url: false });
    }
    expect(await page.getAttribute('html', 'lang')).toBe('en');

    const layout = await page.evaluate(() => {
      const tooSmall: string[] = [];
      const targets = document.querySelectorAll('a[href], button, summary, textarea, input:not([type="hidden"])');
      for (const element of targets) {
        const target = element.matches('input[type="radio"], input[type="checkbox"]')
          ? (element.closest('label') as HTMLElement)
          : element;
        const box = target.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (box.width < 44 || box.height < 44)
          tooSmall.push(`${target.tagName}.${target.className} ${Math.round(box.width)}x${Math.round(box.height)}`);
      }
      const smallText: string[] = [];
      for (const element of document.querySelectorAll(
        'body, p, li, label, legend, button, textarea, summary, a, h1, h2, span',
      )) {
        if (element.closest('.vh')) continue;
        const size = parseFloat(getComputedStyle(element).fontSize);
        if (size < 16) smallText.push(`${element.tagName}.${element.className} ${size}px`);
      }
      const sticky = [...document.querySelectorAll('body *')].filter((e) =>
        ['sticky', 'fixed'].includes(getComputedStyle(e).position),
      ).length;
      return { tooSmall, smallText, sticky };
    });
    expect({ name, ...layout }).toEqual({ name, tooSmall: [], smallText: [], sticky: 0 });

    await page.setViewportSize({ width: 320, height: PHONE.height });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    await page.setViewportSize(PHONE);
    expect({ name, horizontalOverflowAt320: overflow }).toEqual({ name, horizontalOverflowAt320: 0 });

    if (options.axe) {
      await page.evaluate(axeSource);
      const result = await page.evaluate(
        (tags) =>
          (
            window as unknown as {
              axe: {
                run(
                  context: Document,
                  options: object,
                ): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }>;
              };
            }
          ).axe.run(document, { runOnly: { type: 'tag', values: tags } }),
        AXE_TAGS,
      );
      const violations = result.violations.map(
        (v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`,
      );
      expect({ name, violations }).toEqual({ name, violations: [] });
      expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
      expect(await page.evaluate(() => document.cookie)).toBe('');
    }

    const html = await page.content();
    expect({ name, weight: Buffer.byteLength(html) + assetBytes <= 50 * 1024 }).toEqual({ name, weight: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    screenshots.push(path);
  }

  /** Keyboard only: Tab until the element with this id has focus; the focused control is always visible, never covered. */
  async function tabTo(page: Page, test: (active: { id: string; tag: string }) => boolean): Promise<void> {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const active = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        const box = element.getBoundingClientRect();
        const x = box.left + box.width / 2;
        const y = box.top + box.height / 2;
        const hit = document.elementFromPoint(x, y);
        const isVisible = y >= 0 && y <= window.innerHeight && x >= 0 && x <= window.innerWidth;
        const isUncovered =
          !!hit &&
          (hit === element ||
            element.contains(hit) ||
            hit.contains(element) ||
            hit.closest('label') === element.closest('label'));
        return { id: element.id, tag: element.tagName, isVisible, isUncovered };
      });
      expect({
        focused: active.id || active.tag,
        isVisible: active.isVisible,
        isUncovered: active.isUncovered,
      }).toEqual({ focused: active.id || active.tag, isVisible: true, isUncovered: true });
      if (test(active)) return;
    }
    throw new Error('the control was never reached with Tab');
  }
  const byId = (id: string) => (active: { id: string }) => active.id === id;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing; .ci/run installs it with apt-get install chromium`);
    smtp = await startSmtpCatcher();
    mkdirSync(SCREENSHOTS, { recursive: true });
    axeSource = readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8');

    // Every log line the app writes (level info: a line per request) is kept, to look for secrets in.
    const params = loggerParams({ level: 'info', pretty: false, service: 'api' });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    t = await createTestApp({
      env: {
        LOG_LEVEL: 'info',
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Mend <no-reply@mend.test>',
        OUTBOX_RELAY_INTERVAL_MS: '50',
        WORKER_CONCURRENCY: '10',
      },
      override: (builder) =>
        builder.overrideProvider(PARAMS_PROVIDER_TOKEN).useValue({ ...params, pinoHttp: [params.pinoHttp, sink] }),
    });
    await t.app.listen(0, '127.0.0.1');
    const address = t.app.getHttpServer().address() as { port: number };
    origin = `http://127.0.0.1:${address.port}`;
    // The public URL is known only once the port is: links, redirects and the cookie path follow it.
    t.config.http.publicUrl = origin;
    db = t.app.get(TenantDatabase);
    // The real worker (outbox relay, queues, reminder sender), with the same configuration and public URL.
    worker = await createWorkerApp(t.config);

    const [seeded, launched] = await Promise.all([
      seedDemo(origin, t.db.appUrl, suiteClock),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
    browser = launched;
    expect(seeded.warnings).toEqual([]);
    clinicId = (await db.source.query(`SELECT mend_clinic_id_by_slug($1) AS id`, [DEMO_CLINIC.slug]))[0].id;
    const users: Array<{ id: string; email: string }> = await inClinic((tx) =>
      tx.query(`SELECT id, email FROM "user" WHERE clinic_id = $1 AND role = 'client'`, [clinicId]),
    );
    partner.jordan = users.find((u) => u.email === DEMO_PARTNERS[0].email)!;
    partner.sam = users.find((u) => u.email === DEMO_PARTNERS[1].email)!;
    // No quiet hours and no lead (reminders at the due time), so a reminder due now goes out now,
    // whatever the time of day the suite runs.
    await inClinic((tx) =>
      tx.query(
        `UPDATE clinic SET settings = jsonb_set(settings, '{reminders}', '{"quietHours": {"start": "00:00", "end": "00:00"}, "homeworkLeadMinutes": 0}') WHERE id = $1`,
        [clinicId],
      ),
    );
    await inClinic((tx) =>
      tx.query(
        `UPDATE "user" SET quiet_hours_start = NULL, quiet_hours_end = NULL WHERE clinic_id = $1 AND role = 'client'`,
        [clinicId],
      ),
    );

    const login = await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: DEMO_CLINIC.slug, email: DEMO_THERAPIST.email, password: DEMO_THERAPIST.password })
      .expect(200);
    const therapistToken = login.body.accessToken as string;
    const couples = await t.http().get('/v1/couples').auth(therapistToken, { type: 'bearer' }).expect(200);
    const coupleId = (couples.body.data as Array<{ id: string }>)[0].id;
    const exercise = await t
      .http()
      .post('/v1/exercises')
      .auth(therapistToken, { type: 'bearer' })
      .send({
        title: EXERCISE_TITLE,
        category: 'time_together',
        mode: 'individual',
        instructions: 'Sit down together for ten minutes, phones away.\n\nAfterwards, each of you answers on your own.',
        form: FORM,
      })
      .expect(201);
    // Due in a few seconds: both partners' reminders go out then, through the worker, to the SMTP server.
    eveningDueAt = new Date(Date.now() + 3_000);
    const evening = await t
      .http()
      .post(`/v1/couples/${coupleId}/assignments`)
      .auth(therapistToken, { type: 'bearer' })
      .send({
        exerciseId: exercise.body.id,
        schedule: { type: 'once', dueAt: eveningDueAt.toISOString() },
        instructions: 'Pick a quiet moment after dinner.',
      })
      .expect(201);
    eveningId = evening.body.id;
    pulseId = (
      await inClinic((tx) =>
        tx.query(
          `SELECT a.id FROM assignment a JOIN exercise e ON e.clinic_id = a.clinic_id AND e.id = a.exercise_id WHERE e.builtin_key = 'trust_pulse'`,
        ),
      )
    )[0].id;

    // The page weight of a state is its HTML plus every asset it loads (counted as if none were cached).
    const landing = await (await fetch(`${origin}/c/unknown`)).text();
    for (const asset of [...landing.matchAll(/(?:href|src)="(\/check-in\/assets\/[^"]+)"/g)].map((m) => m[1])) {
      assetBytes += (await (await fetch(`${origin}${asset}`)).arrayBuffer()).byteLength;
    }
    expect(assetBytes).toBeGreaterThan(1000);

    // The reminder emails: both partners', read as they arrived at the SMTP server.
    const deadline = eveningDueAt.getTime() + 10_000;
    [reminder.jordan, reminder.sam] = await Promise.all([
      emailedLinkFor(eveningId, 'jordan', deadline),
      emailedLinkFor(eveningId, 'sam', deadline),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await t?.close();
    await smtp?.close();
    if (screenshots.length)
      process.stdout.write(
        `\nCheck-in page screenshots (phone viewport ${PHONE.width}×${PHONE.height} @2x):\n${screenshots.map((p) => `  ${p}`).join('\n')}\n`,
      );
    process.stdout.write(`Browser suite: ${((Date.now() - suiteStart) / 1000).toFixed(1)} s\n`);
  });

  it('sent each partner a reminder email with their own link, and a subject with no exercise, name or clinical word', () => {
    for (const who of ['jordan', 'sam'] as const) {
      const { mail, link } = reminder[who]!;
      expect(mail.to).toEqual([partner[who].email]);
      // Sent when due, not before.
      expect(mail.receivedAt).toBeGreaterThanOrEqual(eveningDueAt.getTime());
      const subject = /^Subject: (.*)$/m.exec(mail.body)?.[1];
      expect(subject).toBe('A check-in is ready for you');
      for (const word of FORBIDDEN_IN_TITLES)
        expect({ who, subject: subject!.includes(word) }).toEqual({ who, subject: false });
      expect(mail.body).toContain('text/plain');
      expect(mail.body).toContain(`href="${link}"`);
      expect(link.startsWith(`${origin}/c/`)).toBe(true);
    }
    expect(reminder.jordan!.link).not.toBe(reminder.sam!.link);
  });

  it('partner A (Jordan): a mail scanner changes nothing; then landing, empty form, errors kept, confirmation, already submitted', async () => {
    const link = reminder.jordan!.link;
    const token = new URL(link).pathname.split('/').pop()!;
    tokens.push(token);

    // Scanner: three GETs and a HEAD, cookieless, before the person clicks.
    const before = await snapshot();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(link, {
        redirect: 'manual',
        headers: { 'user-agent': 'Mozilla/5.0 (compatible; SafeLinks scanner)' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      await res.text();
    }
    expect((await fetch(link, { method: 'HEAD', redirect: 'manual' })).status).toBe(200);
    expect(await snapshot()).toEqual(before);

    const { context, page, watch } = await phone();
    await page.goto(link);
    await expect(page.locator('h1').textContent()).resolves.toBe('Harbor Couples Clinic');
    await checkState(page, '01-landing', { axe: true });

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${origin}/check-in`);
    expect(page.url()).not.toContain(token);
    await expect(page.locator('h1').textContent()).resolves.toBe(EXERCISE_TITLE);
    expect(
      await page
        .locator('input[type="radio"]:checked')
        .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value)),
    ).toEqual(['private']);
    await checkState(page, '02-form-empty', { axe: true });

    // Some answers, some missing: the errors come back with every answer kept.
    await page.getByLabel('No', { exact: true }).check();
    await page.getByLabel('Anything you want your therapist to know?').fill(`Hard day. ${PRIVATE_MARKER}`);
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toBe('Error: Check-in');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await page.locator('#error-summary li').allTextContents()).toEqual([
      'How close did you feel to your partner today? – Choose a number from 0 to 10',
      'How did the talk feel? – Choose one answer',
    ]);
    expect(await page.getByLabel('No', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Anything you want your therapist to know?').inputValue()).toBe(
      `Hard day. ${PRIVATE_MARKER}`,
    );
    expect(await page.locator('#f-closeness-error').textContent()).toBe('Error: Choose a number from 0 to 10');
    await checkState(page, '03-error', { axe: true });

    // The summary's link takes focus to the field.
    await page.locator('#error-summary a').first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-closeness');

    await page.locator('label[for="f-closeness-3"]').click();
    await page.getByLabel('Calm').check();
    await page.getByLabel('A walk').check();
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.waitForLoadState('load');
    const status = page.getByRole('status');
    await expect(status.locator('h1').textContent()).resolves.toBe('Thank you. Your check-in was sent.');
    expect(await status.textContent()).toContain('Only your therapist can see it.');
    await checkState(page, '04-confirmation', { axe: true });
    expect(await checkInOf('jordan', eveningId)).toEqual({
      answers: { closeness: 3, talked: false, mood: 'calm', helped: ['walk'], note: `Hard day. ${PRIVATE_MARKER}` },
      visibility: 'private',
    });

    // The same link again, later: not an error.
    await page.goto(link);
    const today = DateTime.now().setZone('America/New_York').setLocale('en').toFormat('cccc, MMMM d');
    await expect(page.locator('h1').textContent()).resolves.toBe(`Already submitted on ${today}`);
    await checkState(page, '05-already-submitted', { axe: true });

    expect(watch.requests.filter((r) => r.url !== link).some((r) => r.url.includes(token))).toBe(false);
    await context.close();
  });

  it("partner B (Sam), keyboard only: shares with Jordan, and never receives Jordan's private answers", async () => {
    const link = reminder.sam!.link;
    tokens.push(new URL(link).pathname.split('/').pop()!);
    const { context, page, watch } = await phone();
    await page.goto(link);
    await tabTo(page, (active) => active.tag === 'BUTTON');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}/check-in`);

    await tabTo(page, byId('f-closeness'));
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    await tabTo(page, byId('f-talked'));
    await page.keyboard.press('Space');
    await tabTo(page, byId('f-mood'));
    await page.keyboard.press('ArrowDown');
    await tabTo(page, byId('f-helped-2'));
    await page.keyboard.press('Space');
    await tabTo(page, byId('f-note'));
    await page.keyboard.type(`We laughed. ${SHARED_MARKER}`);
    await tabTo(page, byId('f-visibility'));
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('#f-visibility-1').isChecked()).toBe(true);
    expect(await page.locator('label[for="f-visibility-1"]').textContent()).toBe('My therapist and Jordan');
    await tabTo(page, (active) => active.tag === 'BUTTON');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}/check-in`);
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').textContent()).toContain('Your therapist and Jordan can see it.');
    await checkState(page, '06-confirmation-shared-keyboard', { axe: true });

    expect(await checkInOf('sam', eveningId)).toEqual({
      answers: { closeness: 8, talked: true, mood: 'tense', helped: ['listen'], note: `We laughed. ${SHARED_MARKER}` },
      visibility: 'shared',
    });
    // Nothing Sam's browser received carries Jordan's private answer.
    expect(watch.responses.length).toBeGreaterThan(3);
    expect(watch.responses.filter((r) => r.body.includes(PRIVATE_MARKER))).toEqual([]);
    // Nor does Sam's own API view; Jordan does see Sam's shared check-in.
    const asSam = await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: DEMO_CLINIC.slug, email: partner.sam.email, password: DEMO_PASSWORD })
      .expect(200);
    const samSees = await t
      .http()
      .get(`/v1/me/check-ins?assignmentId=${eveningId}`)
      .auth(asSam.body.accessToken, { type: 'bearer' })
      .expect(200);
    expect(JSON.stringify(samSees.body)).not.toContain(PRIVATE_MARKER);
    expect(samSees.body.data.map((c: { authorId: string }) => c.authorId)).toEqual([partner.sam.id]);
    const asJordan = await t
      .http()
      .post('/v1/auth/login')
      .send({ clinic: DEMO_CLINIC.slug, email: partner.jordan.email, password: DEMO_PASSWORD })
      .expect(200);
    const jordanSees = await t
      .http()
      .get(`/v1/me/check-ins?assignmentId=${eveningId}`)
      .auth(asJordan.body.accessToken, { type: 'bearer' })
      .expect(200);
    expect(JSON.stringify(jordanSees.body)).toContain(SHARED_MARKER);
    await context.close();
  });

  it('works with JavaScript disabled: the error summary still takes focus, and the check-in goes through', async () => {
    const link = await linkFor(pulseId, 'jordan');
    const { context, page } = await phone({ javaScriptEnabled: false });
    await page.goto(link);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${origin}/check-in`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Daily trust pulse');
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toBe('Error: Check-in');
    // autofocus, no script
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    await checkState(page, '07-error-without-javascript', { axe: false });
    await page.locator('label[for="f-trust-6"]').click();
    await page.locator('label[for="f-safety-4"]').click();
    await page.getByRole('button', { name: 'Send check-in' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').textContent()).toContain('Only your therapist can see it.');
    await checkState(page, '08-confirmation-without-javascript', { axe: false });
    expect(await checkInOf('jordan', pulseId)).toMatchObject({
      answers: { trust: 6, safety: 4 },
      visibility: 'private',
    });
    await context.close();
  });

  it('shows one neutral page for an expired link, with how to get a new one', async () => {
    const link = await linkFor(pulseId, 'sam');
    const token = tokens[tokens.length - 1];
    await inClinic((tx) =>
      tx.query(
        `UPDATE check_in_link SET created_at = now() - interval '3 days', expires_at = now() - interval '1 minute' WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
        [token],
      ),
    );
    const { context, page } = await phone();
    const response = await page.goto(link);
    expect(response?.status()).toBe(404);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link no longer works');
    expect(await page.locator('main').textContent()).toContain('To get a new link');
    await checkState(page, '09-expired-link', { axe: true });
    const unknown = await context.request.get(`${origin}/c/ci_${clinicId.replace(/-/g, '')}_${'Z'.repeat(43)}`);
    expect(unknown.status()).toBe(404);
    expect(await unknown.text()).toBe(await response!.text());
    await context.close();
  });

  it('sent no token in any later URL or Referer, nothing to another origin, no CSP violation, and no token in the logs', async () => {
    const requests = watches.flatMap((w) => w.requests);
    expect(requests.length).toBeGreaterThan(20);
    expect(requests.filter((r) => !r.url.startsWith(`${origin}/`))).toEqual([]);
    // Chromium reports a withheld Referer as an empty header value.
    expect(requests.filter((r) => r.referer !== undefined && r.referer !== '')).toEqual([]);
    const linkNavigations = requests.filter((r) => r.url.includes('/c/'));
    for (const request of requests.filter((r) => !linkNavigations.includes(r))) {
      for (const token of tokens) expect(request.url).not.toContain(token);
    }
    expect(watches.flatMap((w) => w.csp)).toEqual([]);

    const log = logLines.join('');
    // One access-log line per request, the link's token segment redacted.
    const requestIds = logLines
      .filter((l) => l.includes('"request completed"'))
      .map((l) => JSON.parse(l).req.id as string);
    expect(new Set(requestIds).size).toBe(requestIds.length);
    expect(log).toContain('/c/[redacted]');
    expect(log).toContain('/check-in');
    for (const token of tokens) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.slice(-43));
    }
    expect(log).not.toMatch(/cs_[0-9a-f]{32}_/);
    expect(log).not.toContain(PRIVATE_MARKER);
    expect(log).not.toContain(SHARED_MARKER);
  });

  it('would notice a CSP violation (the detector itself works)', async () => {
    const { context, page, watch } = await phone();
    await page.goto(await linkFor(pulseId, 'sam'));
    await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
    await page.waitForTimeout(100);
    expect(watch.csp.length).toBeGreaterThan(0);
    watches.splice(watches.indexOf(watch), 1);
    await context.close();
  });

  it('finishes within a minute', () => {
    expect(Date.now() - suiteStart).toBeLessThan(60_000);
  });
});
