/**
 * A long-running couple's progress in a real browser (Debian's Chromium through playwright-core),
 * against the real API serving the built web app. The progress report answers the latest 12
 * periods (issue 17: a two-year couple has ~100, and the read's work follows what it shows); the
 * therapist brings the earlier ones into the same table on request.
 *
 * The demo couple gets 14 more completed sessions in its four weeks of history, written straight
 * to the database as the app role (the API rightly refuses to backdate): 18 periods in all.
 */
import { resolve } from 'node:path';

import type { Browser } from 'playwright-core';

import { DEMO_PARTNERS } from '../scripts/seed-demo-couple.js';
import { DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';
import { LAPTOP, launchBrowser, Person, Shots } from './support/web-browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

const DAY = 86_400_000;
const ADDED_SESSIONS = 14;

describe('web app in Chromium: earlier periods of a long-running couple', () => {
  let stack: WebStack;
  let browser: Browser;
  let therapist: Person;
  let coupleId: string;
  const shots = new Shots(resolve(process.env.SHOTS_DIR ?? 'test-output/web-progress'));

  beforeAll(async () => {
    const [started, launched] = await Promise.all([startWebStack(), launchBrowser()]);
    stack = started;
    browser = launched;
    await stack.db.withClinic(stack.clinicId, async (tx) => {
      const [couple]: Array<{ id: string; therapist_id: string }> = await tx.query(
        `SELECT c.id, c.therapist_id FROM couple c
          WHERE c.clinic_id = $1
            AND EXISTS (SELECT 1 FROM couple_partner p JOIN "user" u ON u.clinic_id = p.clinic_id AND u.id = p.user_id
                         WHERE p.clinic_id = c.clinic_id AND p.couple_id = c.id AND u.email = $2)`,
        [stack.clinicId, DEMO_PARTNERS[0].email],
      );
      coupleId = couple.id;
      // Every 1.9 days from 26 days ago: none ends with one of the demo's weekly sessions.
      const now = Date.now();
      for (let k = 0; k < ADDED_SESSIONS; k++) {
        const endsAt = new Date(now - 26 * DAY + k * 1.9 * DAY);
        await tx.query(
          `INSERT INTO therapy_session (clinic_id, id, couple_id, therapist_id, starts_at, ends_at, status)
           VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, 'completed')`,
          [stack.clinicId, coupleId, couple.therapist_id, new Date(endsAt.getTime() - 3_600_000), endsAt],
        );
      }
    });
    therapist = await new Person(browser, shots, { viewport: LAPTOP, timezoneId: 'America/New_York' }).open();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    shots.report('Progress screenshots');
  });

  it('shows the latest 12 periods, then the earlier ones in the same table on request', async () => {
    const page = therapist.page;
    await page.goto(`${stack.origin}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(DEMO_THERAPIST.email);
    await page.locator('input[name=password]').fill(DEMO_THERAPIST.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    await page.goto(`${stack.origin}/couples/${coupleId}`);

    const periods = page.getByRole('region', { name: 'Progress per period, as a table' }).locator('tbody tr');
    await page.getByRole('region', { name: 'Progress per period, as a table' }).waitFor();
    expect(await periods.count()).toBe(12);
    await expect(periods.last().textContent()).resolves.toContain('(current)');
    // The demo's completed sessions and the added ones cut more periods than the 12 shown.
    const earlier = page.getByRole('button', { name: /^Show earlier periods \(\d+ more\)$/ });
    await earlier.waitFor();
    const more = Number((await earlier.textContent())!.match(/\((\d+) more\)/)![1]);
    expect(more).toBeGreaterThan(0);
    await therapist.screen('couple-progress-latest');

    await earlier.click();
    await periods.nth(12 + more - 1).waitFor();
    expect(await periods.count()).toBe(12 + more);
    // The whole history now, oldest first, and nothing further back to show.
    await expect(periods.last().textContent()).resolves.toContain('(current)');
    expect(await page.getByRole('button', { name: /Show (the )?earlier period/ }).count()).toBe(0);
    await therapist.screen('couple-progress-all-periods');
  }, 180_000);
});
