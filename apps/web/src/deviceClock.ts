/**
 * The web app's one read of the wall clock. Mend's single Clock (@mend/core) lives on the server
 * and is not reachable from a browser; the device clock only picks defaults for people (today's
 * date in a form, the first occurrences a schedule preview lists) and never decides anything:
 * whether a check-in is open, due, late or expired is the API's answer, on the server's Clock.
 * Keeping the read here keeps it visible (the clock rule test allows this file alone).
 */
export function deviceNow(): Date {
  return new Date();
}
