import { Transform } from 'class-transformer';
import { IsDate, registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

import { isIanaTimeZone } from '@mend/core';

/** An IANA zone name such as Europe/Berlin (or UTC). */
export function IsIanaTimeZone(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an IANA time zone such as Europe/Berlin`, ...options },
      validator: { validate: (value: unknown) => isIanaTimeZone(value) },
    });
}

export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** ISO 8601 date-time with seconds optional and an explicit offset (Z or ±hh:mm). */
const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A date-time that must carry its offset: "20:00" without one would be read in the server's
 * zone, which is never what a partner in another zone meant.
 */
export function IsOffsetDateTime(example = '2025-03-01T20:00:00-05:00') {
  const toDate = Transform(({ value }) =>
    typeof value === 'string' && OFFSET_DATE_TIME.test(value) ? new Date(value) : value,
  );
  return (target: object, propertyName: string) => {
    toDate(target, propertyName);
    IsDate({ message: `${propertyName} must be an ISO 8601 date-time with an offset, e.g. ${example}` })(
      target,
      propertyName,
    );
  };
}

/**
 * Optional, but not nullable: `@IsOptional()` also waves `null` through, which reached NOT NULL
 * columns as a 500 (found by the abuse suite's fuzzing). Absent is fine; null is validated and refused.
 */
export const IsOmittable = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
