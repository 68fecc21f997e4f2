/**
 * `npm run bench:web`: how long the demo clinic's caseload takes to render in a real browser
 * (Debian's Chromium through playwright-core) against a running Mend on loopback (`npm start`
 * in another terminal; MEND_URL to point elsewhere). The therapist signs in once; then each of
 * 20 loads opens the caseload (`/`) in a fresh browser context (empty cache, as after a restart
 * of the browser) that carries only the sign-in's httpOnly refresh cookie, and measures from the
 * navigation's start (performance.timeOrigin) to the first couple row on screen: the document,
 * every script chunk, the cookie refresh, the profile and the caseload requests. The median is
 * printed next to the 1.5 s target; a speed target, not a test.
 */
import { chromium, type BrowserContext } from 'playwright-core';

import { DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';

// The browser's own clock: only performance.now() inside the page is read.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const performance: { now(): number };

const TARGET_MS = 1500;
const LOADS = 20;
const origin = (process.env.MEND_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const VIEWPORT = { width: 1280, height: 800 };

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
  const times: number[] = [];
  try {
    let context: BrowserContext = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.goto(`${origin}/sign-in`);
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(DEMO_THERAPIST.email);
    await page.locator('input[name=password]').fill(DEMO_THERAPIST.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('a[href^="/couples/"]').first().waitFor();
    for (let i = 0; i < LOADS + 1; i++) {
      // Only the (rotated) refresh cookie travels to the next, cache-cold context.
      const { cookies } = await context.storageState();
      await context.close();
      context = await browser.newContext({ viewport: VIEWPORT });
      await context.addCookies(cookies);
      const next = await context.newPage();
      await next.goto(`${origin}/`, { waitUntil: 'commit' });
      const handle = await next.waitForFunction(
        () => (document.querySelector('a[href^="/couples/"]') ? performance.now() : 0),
        undefined,
        { polling: 'raf', timeout: 30_000 },
      );
      const elapsed = (await handle.jsonValue()) as number;
      // The first load warms the server (JIT, connection pool); it is not counted.
      if (i > 0) times.push(elapsed);
    }
    await context.close();
  } finally {
    await browser.close();
  }
  times.sort((a, b) => a - b);
  const median = (times[(LOADS - 1) >> 1]! + times[LOADS >> 1]!) / 2;
  process.stdout.write(
    `caseload rendered after navigation (signed in, cold cache), ${LOADS} loads against ${origin}:\n` +
      `  median ${median.toFixed(0)} ms (target ≤ ${TARGET_MS} ms: ${(median / TARGET_MS).toFixed(2)} × target)\n` +
      `  fastest ${times[0]!.toFixed(0)} ms, slowest ${times[times.length - 1]!.toFixed(0)} ms\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
