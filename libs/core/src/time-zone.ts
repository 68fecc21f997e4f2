import { IANAZone } from 'luxon';

export function isIanaTimeZone(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && value.includes('/')
    ? IANAZone.isValidZone(value)
    : value === 'UTC';
}
