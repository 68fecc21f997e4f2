import { Settings } from 'luxon';

import { readTestRunOptions } from '@mend/config';
import { MovableClock } from '@mend/core';

/**
 * The clock of one test file: the wall clock, or pinned to the instant its jest project names
 * (`globals.MEND_PINNED_AT`, see jest.config.js) or MEND_PINNED_AT in the environment, and
 * flowing from there. Test apps use it as the product's clock (test/support/test-app.ts), child
 * processes get its offset (CLOCK_OFFSET_MS), and Luxon's "now" in the test follows it, so a
 * suite's own dates ("today in New York") agree with the product's.
 */
export const suiteClock = new MovableClock();

const pinnedAt = (globalThis as { MEND_PINNED_AT?: string }).MEND_PINNED_AT ?? readTestRunOptions().pinnedAt;
if (pinnedAt) {
  if (Number.isNaN(Date.parse(pinnedAt))) throw new Error(`MEND_PINNED_AT is not an instant: ${pinnedAt}`);
  suiteClock.pinTo(pinnedAt);
}
Settings.now = () => suiteClock.nowMs();

/** The instant the suite was pinned to, if any (for test names and diagnostics). */
export const pinnedInstant: string | undefined = pinnedAt;
