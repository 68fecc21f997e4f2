import type { FieldProblem } from '@mend/core';

import type { Cadence } from './form.types.js';

const DAY = '(MO|TU|WE|TH|FR|SA|SU)';
const list = (item: string) => new RegExp(`^${item}(,${item})*$`);
const HOUR = '([01]?\\d|2[0-3])';
const MINUTE = '[0-5]?\\d';

/**
 * The RRULE parts a default cadence may use. No DTSTART (the assignment supplies its start in
 * each partner's time zone) and nothing more frequent than daily: reminders are for people.
 */
const PARTS: Record<string, RegExp> = {
  FREQ: /^(DAILY|WEEKLY|MONTHLY|YEARLY)$/,
  INTERVAL: /^([1-9]\d{0,2})$/,
  COUNT: /^([1-9]\d{0,3})$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  WKST: new RegExp(`^${DAY}$`),
  BYDAY: list(`([+-]?([1-9]|[1-4]\\d|5[0-3]))?${DAY}`),
  BYHOUR: list(HOUR),
  BYMINUTE: list(MINUTE),
  BYMONTHDAY: list('-?([1-9]|[12]\\d|3[01])'),
  BYMONTH: list('([1-9]|1[0-2])'),
  BYSETPOS: list('-?([1-9]\\d{0,2})'),
};

const EXAMPLE = 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0';

/** Problems with an RFC 5545 RRULE body (the part after `RRULE:`), e.g. `FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0`. */
export function validateRrule(rrule: unknown, path = 'rrule'): FieldProblem[] {
  if (typeof rrule !== 'string' || rrule.length === 0 || rrule.length > 500) {
    return [{ field: path, message: `${path.split('.').pop()} must be an RRULE such as ${EXAMPLE}` }];
  }
  const seen = new Set<string>();
  for (const part of rrule.split(';')) {
    const [name, value, ...rest] = part.split('=');
    const pattern = PARTS[name];
    if (!pattern || value === undefined || rest.length || seen.has(name) || !pattern.test(value)) {
      return [
        {
          field: path,
          message: `${path.split('.').pop()} must be an RRULE such as ${EXAMPLE}, using FREQ (daily or less often), INTERVAL, COUNT, UNTIL, WKST, BYDAY, BYHOUR, BYMINUTE, BYMONTHDAY, BYMONTH or BYSETPOS once each`,
        },
      ];
    }
    seen.add(name);
  }
  if (!seen.has('FREQ'))
    return [{ field: path, message: `${path.split('.').pop()} must start from a FREQ, e.g. ${EXAMPLE}` }];
  if (seen.has('COUNT') && seen.has('UNTIL'))
    return [{ field: path, message: `${path.split('.').pop()} cannot have both COUNT and UNTIL` }];
  return [];
}

/** Problems with a default cadence: `{type: 'once'}` or `{type: 'recurring', rrule}`. Null or absent is fine. */
export function validateCadence(cadence: unknown, path = 'defaultCadence'): FieldProblem[] {
  if (cadence === null || cadence === undefined) return [];
  if (typeof cadence !== 'object' || Array.isArray(cadence))
    return [{ field: path, message: `${path} must be {type: "once"} or {type: "recurring", rrule}` }];
  const value = cadence as Record<string, unknown>;
  if (value.type === 'once') {
    return Object.keys(value).some((k) => k !== 'type')
      ? [{ field: path, message: 'a once cadence takes only type' }]
      : [];
  }
  if (value.type === 'recurring') {
    if (Object.keys(value).some((k) => k !== 'type' && k !== 'rrule'))
      return [{ field: path, message: 'a recurring cadence takes only type and rrule' }];
    return validateRrule(value.rrule, `${path}.rrule`);
  }
  return [{ field: `${path}.type`, message: 'type must be once or recurring' }];
}

export function normalizeCadence(cadence: Cadence | null | undefined): Cadence | null {
  if (!cadence) return null;
  return cadence.type === 'once' ? { type: 'once' } : { type: 'recurring', rrule: cadence.rrule };
}
