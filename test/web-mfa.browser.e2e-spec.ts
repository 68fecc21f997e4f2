/**
 * Staff two-step sign-in in a real browser (Debian's Chromium through playwright-core), against
 * the real API serving the built web app.
 *
 * Through the UI only: a therapist sets up an authenticator app on the Security page (the QR code
 * and the setup key; a wrong code refused; the ten recovery codes shown once, with copy and
 * download), signs out, signs in with the password and a code, then with a recovery code (one
 * fewer left), removes the second step with the password and sets it up again; the clinic's admin, once the clinic requires a second step of staff, is sent to
 * set one up at sign-in; the therapist's wrong codes end in the lock-out message. Codes are
 * computed here with the API's own TOTP (libs/auth/src/totp.ts, RFC 6238), as a phone would.
 *
 * Every screen and state: 0 axe violations at 1280×800 and 390×844, no console error beyond the
 * refusals the step expects, nothing past the right edge, a screenshot of each under
 * test-output/web-mfa/.
 */
import { resolve } from 'node:path';

import type { Browser } from 'playwright-core';

import { totpCode } from '@mend/auth';
import { suiteClock } from '@mend/testing';

import { DEMO_ADMIN, DEMO_CLINIC, DEMO_THERAPIST } from '../scripts/seed-demo.js';
import { apiClient, launchBrowser, Person, Shots } from './support/web-browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

/** The authenticator's code `steps` 30-second steps from now (the API takes each step once). */
const codeAt = (secret: string, steps = 0) => totpCode(secret, new Date(suiteClock.nowMs() + steps * 30_000));

/** Six digits that are none of the codes the API would accept now (it allows a step either way). */
function wrongCode(secret: string): string {
  const near = new Set([-1, 0, 1, 2].map((step) => codeAt(secret, step)));
  for (let n = 123456; ; n = (n + 1) % 1_000_000) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

describe('web app in Chromium: staff two-step sign-in', () => {
  let stack: WebStack;
  let browser: Browser;
  let api: ReturnType<typeof apiClient>;
  const shots = new Shots(resolve('test-output/web-mfa'));
  let therapist: Person;
  let secret: string;
  let recoveryCodes: string[];

  /** The refusals a step provokes on purpose show as failed loads in the console; nothing else may. */
  const expectOnlyRefusals = (person: Person, statuses: RegExp) => {
    const unexpected = person.errors.filter((e) => !statuses.test(e));
    expect(unexpected).toEqual([]);
    person.errors.length = 0;
  };

  const signInWithPassword = async (person: Person, email: string) => {
    const page = person.page;
    await page.goto(`${stack.origin}/sign-in`);
    await page.locator('input[name=clinic]').fill(DEMO_CLINIC.slug);
    await page.locator('input[name=email]').fill(email);
    await page.locator('input[name=password]').fill(DEMO_THERAPIST.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  const signOut = async (person: Person) => {
    await person.page.getByRole('button', { name: 'Sign out' }).click();
    await person.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  };

  beforeAll(async () => {
    const [started, launched] = await Promise.all([
      // Three wrong codes from one place pause the code step for that account (the default is ten).
      startWebStack({ RATE_LIMIT_LOGIN_FAILURES_PER_SOURCE: '3' }),
      launchBrowser(),
    ]);
    stack = started;
    browser = launched;
    api = apiClient(stack.origin);
    therapist = await new Person(browser, shots).open();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    shots.report('MFA screenshots');
  });

  it('a therapist sets up an authenticator app on the Security page and gets ten recovery codes once', async () => {
    const page = therapist.page;
    await signInWithPassword(therapist, DEMO_THERAPIST.email);
    await page.getByRole('heading', { name: 'Caseload', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByText('Off', { exact: true }).waitFor();
    await therapist.screen('security-off');

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    await qr.waitFor();
    expect(
      await qr.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0),
    ).toBe(true);
    secret = (await page.getByRole('textbox', { name: 'Setup key' }).inputValue()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await therapist.screen('security-enrol');

    const code = page.getByRole('textbox', { name: 'Code from the app' });
    const turnOn = page.getByRole('button', { name: 'Turn on two-step sign-in' });
    await code.fill('12ab');
    await turnOn.click();
    await page.getByText('Enter the 6 digits from your app.').waitFor();
    await code.fill(wrongCode(secret));
    await turnOn.click();
    await page.getByText('That code did not work.', { exact: false }).waitFor();
    expectOnlyRefusals(therapist, /status of 400/);
    await therapist.screen('security-enrol-wrong-code');

    await code.fill(codeAt(secret));
    await turnOn.click();
    const codes = page.getByRole('textbox', { name: 'Recovery codes' });
    await codes.waitFor();
    recoveryCodes = (await codes.inputValue()).split('\n');
    expect(recoveryCodes).toHaveLength(10);
    for (const recovery of recoveryCodes) expect(recovery).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    const download = page.getByRole('link', { name: 'Download recovery codes' });
    expect(await download.getAttribute('download')).toBe('mend-recovery-codes.txt');
    expect(decodeURIComponent((await download.getAttribute('href'))!)).toContain(recoveryCodes.join('\n'));
    await page.getByRole('button', { name: 'Copy recovery codes' }).waitFor();
    await therapist.screen('security-recovery-codes');

    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('On', { exact: true }).waitFor();
    await page.getByText('10 of 10 recovery codes left.').waitFor();
    // Shown once: the codes are gone from the page.
    expect(await therapist.text()).not.toContain(recoveryCodes[0]);
    await therapist.screen('security-on');
  }, 180_000);

  it('signs out, and signs in again with the password and a code from the app', async () => {
    const page = therapist.page;
    await signOut(therapist);
    await signInWithPassword(therapist, DEMO_THERAPIST.email);
    await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
    await therapist.screen('sign-in-code');

    const code = page.getByRole('textbox', { name: 'Code' });
    const verify = page.getByRole('button', { name: 'Verify and sign in' });
    await verify.click();
    await page.getByText('Enter the code from your app, or a recovery code.').waitFor();
    await code.fill(wrongCode(secret));
    await verify.click();
    await page.getByText('4 tries left.', { exact: false }).waitFor();
    expectOnlyRefusals(therapist, /status of 401/);
    await therapist.screen('sign-in-code-wrong');

    // The enrolment used this step's code; a phone shows the next one half a minute later.
    await code.fill(codeAt(secret, 1));
    await verify.click();
    await page.getByRole('heading', { name: 'Caseload', level: 1 }).waitFor();
    await therapist.expectNoReadableToken();
  }, 120_000);

  it('signs in with a recovery code instead, which then counts one fewer', async () => {
    const page = therapist.page;
    await signOut(therapist);
    await signInWithPassword(therapist, DEMO_THERAPIST.email);
    await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
    // Typed as people do: upper case, the dash left out.
    await page.getByRole('textbox', { name: 'Code' }).fill(recoveryCodes[0]!.replace('-', ' ').toUpperCase());
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('heading', { name: 'Caseload', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByText('9 of 10 recovery codes left.').waitFor();
  }, 120_000);

  it('removes the second step with the password, and sets it up again with a new key', async () => {
    const page = therapist.page;
    const password = page.getByLabel('Your password');
    const remove = page.getByRole('button', { name: 'Remove two-step sign-in' });
    await password.fill('not-the-password-1');
    await remove.click();
    await page.getByText('That password or code is not right.').waitFor();
    expectOnlyRefusals(therapist, /status of 400/);
    await therapist.screen('security-remove-wrong');
    await password.fill(DEMO_THERAPIST.password);
    await remove.click();
    await page.getByText('Off', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const renewed = (await page.getByRole('textbox', { name: 'Setup key' }).inputValue()).replace(/\s/g, '');
    expect(renewed).not.toBe(secret);
    secret = renewed;
    await page.getByRole('textbox', { name: 'Code from the app' }).fill(codeAt(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.getByRole('textbox', { name: 'Recovery codes' }).waitFor();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('10 of 10 recovery codes left.').waitFor();
  }, 120_000);

  it('sends the admin to set up an authenticator app at sign-in once the clinic requires it of staff', async () => {
    const { accessToken } = await api<{ accessToken: string }>('POST', '/v1/auth/login', null, {
      clinic: DEMO_CLINIC.slug,
      email: DEMO_ADMIN.email,
      password: DEMO_ADMIN.password,
    });
    await api('PATCH', '/v1/clinic/security-settings', accessToken, { requireMfaForStaff: true });

    const admin = await new Person(browser, shots).open();
    const page = admin.page;
    await signInWithPassword(admin, DEMO_ADMIN.email);
    await page.getByRole('heading', { name: 'Set up your authenticator app', level: 1 }).waitFor();
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    const adminSecret = (await page.getByRole('textbox', { name: 'Setup key' }).inputValue()).replace(/\s/g, '');
    await admin.screen('sign-in-enrol');
    await page.getByRole('textbox', { name: 'Code from the app' }).fill(codeAt(adminSecret));
    await page.getByRole('button', { name: 'Finish set-up and sign in' }).click();
    const codes = page.getByRole('textbox', { name: 'Recovery codes' });
    await codes.waitFor();
    expect((await codes.inputValue()).split('\n')).toHaveLength(10);
    await admin.screen('sign-in-enrol-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them, continue' }).click();
    await page.getByRole('heading', { name: 'Caseloads', level: 1 }).waitFor();
    // Required: the admin's Security page offers no removal.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByText('Your clinic requires a second step for staff, so it cannot be removed.').waitFor();
    await admin.screen('security-required');
    await admin.close();
  }, 180_000);

  it('pauses the code step after too many wrong codes, and says so', async () => {
    const page = therapist.page;
    await signOut(therapist);
    await signInWithPassword(therapist, DEMO_THERAPIST.email);
    await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
    const code = page.getByRole('textbox', { name: 'Code' });
    const verify = page.getByRole('button', { name: 'Verify and sign in' });
    for (const left of ['4 tries left.', '3 tries left.', '2 tries left.']) {
      await code.fill(wrongCode(secret));
      await verify.click();
      await page.getByText(left, { exact: false }).waitFor();
    }
    await code.fill(codeAt(secret, 1));
    await verify.click();
    await page.getByText('Signing in to this account is paused', { exact: false }).waitFor();
    await page.getByText(/Try again in \d+ minutes\./).waitFor();
    expectOnlyRefusals(therapist, /status of (401|429)/);
    await therapist.screen('sign-in-locked');
  }, 180_000);
});
