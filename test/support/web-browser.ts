import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// Functions given to page.evaluate run in the browser; the project itself compiles without the DOM library.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const localStorage: any;
declare const sessionStorage: any;

/**
 * The browser side of the web app's suites (the partner's and the admin's): Debian's Chromium
 * through playwright-core, one context per person, and the checks every screen gets — axe-core
 * (WCAG 2.0/2.1 A+AA, 2.2 AA) at 1280×800 and 390×844, nothing past the right edge, no console
 * error, no token readable by page script, a screenshot of each size under test-output/.
 */
export const CHROMIUM = '/usr/bin/chromium';
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
export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const JS_BUDGET_GZIP = 250 * 1024;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface RecordedResponse {
  url: string;
  status: number;
  body: string;
}

/** One person's browser: a context, a page, and everything it loaded. */
export class Person {
  readonly errors: string[] = [];
  /** gzip size of each JavaScript file loaded. */
  readonly js = new Map<string, number>();
  /** Every response body the page loaded (API answers, HTML, scripts), for privacy sweeps. */
  readonly responses: RecordedResponse[] = [];
  /** The whole document of every screen checked, for privacy sweeps of what was shown. */
  readonly documents: Array<{ name: string; html: string }> = [];
  private pending: Array<Promise<void>> = [];
  context!: BrowserContext;
  page!: Page;

  constructor(
    private readonly browser: Browser,
    private readonly shots: Shots,
    readonly options: { viewport?: { width: number; height: number }; timezoneId?: string } = {},
  ) {}

  async open(): Promise<this> {
    this.context = await this.browser.newContext({
      viewport: this.options.viewport ?? LAPTOP,
      locale: 'en-US',
      timezoneId: this.options.timezoneId ?? 'America/New_York',
    });
    this.page = await this.context.newPage();
    this.page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') this.errors.push(message.text());
    });
    this.page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    this.page.on('response', (response) => {
      const task = (async () => {
        const body = await response.body().catch(() => Buffer.alloc(0));
        const url = response.url();
        if (url.endsWith('.js')) this.js.set(url, gzipSync(body).length);
        this.responses.push({ url, status: response.status(), body: body.toString('utf8') });
      })();
      this.pending.push(task);
    });
    await this.context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event: { violatedDirective: string }) => {
        console.error(`CSP violation: ${event.violatedDirective}`);
      });
    });
    return this;
  }

  /** Waits for every response body seen so far to be recorded. */
  async settled(): Promise<RecordedResponse[]> {
    const tasks = this.pending;
    this.pending = [];
    await Promise.all(tasks);
    return this.responses;
  }

  jsTotal(): number {
    return [...this.js.values()].reduce((a, b) => a + b, 0);
  }

  /** The page's whole document (text, attributes and input values as rendered). */
  text(): Promise<string> {
    return this.page.evaluate(() => document.documentElement.outerHTML as string);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.context.close();
  }

  /** Nothing a script on the page could read holds a credential. */
  async expectNoReadableToken(): Promise<void> {
    const exposed = await this.page.evaluate(() => ({
      storage: localStorage.length + sessionStorage.length,
      cookie: document.cookie,
      inDom: /eyJ[A-Za-z0-9_-]{10,}\.|rt_[A-Za-z0-9_-]{10,}/.test(document.documentElement.outerHTML),
    }));
    expect(exposed).toEqual({ storage: 0, cookie: '', inDom: false });
  }

  /** Whether a labelled region (a console table) is wider than a phone's screen, so it scrolls sideways there. */
  async scrollsSidewaysOnPhone(region: string): Promise<boolean> {
    await this.page.setViewportSize(PHONE);
    try {
      // The table's own scrolling region (a section may share its heading's name).
      return await this.page
        .locator(`[role="region"][aria-label="${region}"]`)
        .evaluate((e) => e.scrollWidth > e.clientWidth + 1);
    } finally {
      await this.page.setViewportSize(this.options.viewport ?? LAPTOP);
    }
  }

  /** A screen or state, checked and photographed at both sizes. */
  async screen(name: string): Promise<void> {
    const page = this.page;
    this.documents.push({ name, html: await this.text() });
    for (const [label, size] of [
      ['1280x800', LAPTOP],
      ['390x844', PHONE],
    ] as const) {
      await page.setViewportSize(size);
      // From the top: a full-page shot taken scrolled down paints the fixed header mid-page.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(300);
      const path = join(this.shots.dir, `${name}-${label}.png`);
      await page.screenshot({ path, fullPage: true });
      this.shots.taken.push(path);
      await page.evaluate(this.shots.axeSource);
      const result = await page.evaluate(
        (tags: string[]) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
        AXE_TAGS,
      );
      const violations = (result.violations as Array<{ id: string; nodes: Array<{ target: unknown }> }>).map(
        (v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`,
      );
      expect({ name, label, violations }).toEqual({ name, label, violations: [] });
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
    await page.setViewportSize(this.options.viewport ?? LAPTOP);
    await this.expectNoReadableToken();
    expect({ name, consoleErrors: this.errors }).toEqual({ name, consoleErrors: [] });
  }
}

/** Where a suite's screenshots go, and the ones taken (listed when the suite ends). */
export class Shots {
  readonly taken: string[] = [];
  readonly axeSource = readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8');
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  report(title: string): void {
    if (this.taken.length) process.stdout.write(`\n${title}:\n${this.taken.map((p) => `  ${p}`).join('\n')}\n`);
  }
}

/** JSON over HTTP to the API, as a test's own setup (never a page's). */
export function apiClient(origin: string) {
  const call = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return call;
}

/** The newest link matching `pattern` in an email to `email` that the worker sent through SMTP. */
export async function linkInMail(
  mails: Array<{ to: string | string[]; body: string }>,
  email: string,
  pattern: RegExp,
): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const mail = [...mails].reverse().find((m) => String(m.to).includes(email) && pattern.test(m.body));
    if (mail) return pattern.exec(mail.body)![0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching email reached ${email}`);
}
