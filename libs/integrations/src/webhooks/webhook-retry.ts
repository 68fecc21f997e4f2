/** No retry waits longer than this, so a day of retries still tries several times. */
export const MAX_RETRY_DELAY_MS = 6 * 3_600_000;
export const RETRY_GROWTH = 4;

/**
 * Exponential backoff after failed attempt `attempt` (1-based): base, 4×base, 16×base… capped at
 * 6 h. With the default 30 s base: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then every 6 h — about
 * ten attempts over the first 24 hours.
 */
export function retryDelayMs(attempt: number, baseDelayMs: number): number {
  return Math.min(baseDelayMs * RETRY_GROWTH ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Whether to try again after a failure at `now`: retries go on until the retry window (24 h by
 * default) has passed since the first attempt, so the last attempt falls after the window.
 */
export function shouldRetry(retryStartedAt: Date, now: Date, windowHours: number): boolean {
  return now.getTime() - retryStartedAt.getTime() < windowHours * 3_600_000;
}
