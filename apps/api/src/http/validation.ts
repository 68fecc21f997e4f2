import { ValidationPipe, type ValidationError } from '@nestjs/common';

import type { FieldProblem } from '@mend/core';

import { ValidationProblemException } from './problem.filter.js';

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // class-validator prefixes messages with the property name; field carries that already.
      out.push({ field, message: message.replace(/^property /, '') });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationProblemException(flatten(errors)),
  });
}
