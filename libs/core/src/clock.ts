/**
 * The one clock. Domain code in the API, the worker and the scripts asks this for "now" instead of
 * reading the wall clock, so a test can pin the whole product (both processes and the SQL, which
 * gets the same instant bound per transaction as `mend.now`) to any instant and move it forward.
 *
 * The clock keeps flowing from the instant it is pinned to: real delays (BullMQ's, HTTP timeouts)
 * still work, and two processes given the same offset agree on "now" to the millisecond.
 */
export class Clock {
  constructor(protected offsetMs = 0) {}

  now(): Date {
    // The product's only wall-clock read (see test/clock.rule.spec.ts).
    return new Date(Date.now() + this.offsetMs);
  }

  nowMs(): number {
    return this.now().getTime();
  }

  /** How far this clock runs ahead of (or behind) the wall clock; handed to child processes. */
  get offset(): number {
    return this.offsetMs;
  }
}

/** A clock a test moves: pinned to an instant, then advanced. */
export class MovableClock extends Clock {
  pinTo(instant: Date | string): this {
    this.offsetMs = new Date(instant).getTime() - Date.now();
    return this;
  }

  advance(ms: number): this {
    this.offsetMs += ms;
    return this;
  }
}
