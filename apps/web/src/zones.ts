/** The IANA zones this browser knows, for zone pickers (the API checks the name again). */
export const TIME_ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

/** The picker's list with `zone` in it: a browser may leave out a name the API accepts (an alias, UTC). */
export function zonesWith(zone: string): string[] {
  return TIME_ZONES.includes(zone) ? TIME_ZONES : [zone, ...TIME_ZONES];
}
