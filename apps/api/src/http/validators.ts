import { type ValidationOptions, registerDecorator } from 'class-validator';
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
