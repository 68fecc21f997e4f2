/**
 * `npm run bench:web`: how long the demo clinic's caseload takes to render in a real browser
 * (Debian's Chromium through playwright-core) against a running Mend on loopback (`npm start`
 * in another terminal; MEND_URL to point elsewhere). Each of 20 loads uses a fresh browser context
 * (empty cache, no session, as after a restart of the browser) and measures from the Sign in
 * press to the first couple row of the caseload: the login, the profile and caseload requests and
 * every script chunk the page needs. The median is printed next to the 1.5 s target; a speed
 * target, not a test.
 */
import { chromium } from 'playwright-core';

import { DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';

const TARGET_MS = 1500;
const LOADS = 20;
const origin = (process.env.MEND_URL ?? 'http://localhost:3000').replace(/\/$/, '');

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < LOADS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${origin}/sign-in`);
      await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
      await page.locator('input[name=email]').fill(DEMO_THERAPIST.email);
      await page.locator('input[name=password]').fill(DEMO_THERAPIST.password);
      const started = performance.now();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('a[href^="/couples/"]').first().waitFor();
      const elapsed = performance.now() - started;
      // The first load warms the server (JIT, connection pool); it is not counted.
      if (i > 0) times.push(elapsed);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  times.sort((a, b) => a - b);
  const median = (times[(LOADS - 1) >> 1]! + times[LOADS >> 1]!) / 2;
  process.stdout.write(
    `caseload rendered after sign-in, ${LOADS} cold loads against ${origin}:\n` +
      `  median ${median.toFixed(0)} ms (target ≤ ${TARGET_MS} ms: ${(median / TARGET_MS).toFixed(2)} × target)\n` +
      `  fastest ${times[0]!.toFixed(0)} ms, slowest ${times[times.length - 1]!.toFixed(0)} ms\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
