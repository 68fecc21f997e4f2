import { MAX_RETRY_DELAY_MS, retryDelayMs, shouldRetry } from './webhook-retry.js';

describe('webhook retry schedule', () => {
  it('grows exponentially from the base delay and is capped at 6 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 30_000))).toEqual([
      30_000,
      120_000,
      480_000,
      1_920_000,
      7_680_000,
      MAX_RETRY_DELAY_MS,
      MAX_RETRY_DELAY_MS,
    ]);
  });

  it('keeps retrying for at least the 24 h window with the default base delay, with ten or so attempts', () => {
    const windowHours = 24;
    const start = new Date('2026-03-01T00:00:00Z');
    let at = start;
    let attempts = 1;
    while (shouldRetry(start, at, windowHours)) {
      at = new Date(at.getTime() + retryDelayMs(attempts, 30_000));
      attempts++;
    }
    expect(at.getTime() - start.getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(attempts).toBeGreaterThanOrEqual(8);
    expect(attempts).toBeLessThanOrEqual(12);
  });
});
