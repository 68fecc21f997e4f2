import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDate } from 'class-validator';
import { DomainException } from '@mend/core';
import { type IdempotentResult, idempotencyKeyProblem } from '@mend/homework';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** ISO 8601 date-time with seconds optional and an explicit offset (Z or ±hh:mm). */
const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A date-time that must carry its offset: "20:00" without one would be read in the server's
 * zone, which is never what a partner in another zone meant.
 */
export function IsOffsetDateTime(example = '2025-03-01T20:00:00-05:00') {
  const toDate = Transform(({ value }) => (typeof value === 'string' && OFFSET_DATE_TIME.test(value) ? new Date(value) : value));
  return (target: object, propertyName: string) => {
    toDate(target, propertyName);
    IsDate({ message: `${propertyName} must be an ISO 8601 date-time with an offset, e.g. ${example}` })(target, propertyName);
  };
}

/**
 * The optional `Idempotency-Key` header: absent is fine; present must be 1–255 visible ASCII
 * characters, sent once (400 otherwise). Nest's @Headers takes no pipes, hence a decorator.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  const problem = typeof value === 'string' ? idempotencyKeyProblem(value) : 'Idempotency-Key must be sent once';
  if (problem) throw new DomainException('invalid', problem, { errors: [{ field: 'Idempotency-Key', message: problem }] });
  return value as string;
});

export const IDEMPOTENCY_HEADER_DOC = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Makes a retried POST safe: the same key and body within 24 hours answer the first response (with `Idempotent-Replayed: true`); ' +
    'the same key with another body answers 422; while the first request is still running, 409. Keys are scoped to the caller; 1–255 visible ASCII characters.',
};

export const REPLAYED_HEADER_DOC = {
  'Idempotent-Replayed': { description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key', schema: { type: 'string' } },
};

/** Sends an idempotent result: the stored status, and a marker header on replays. */
export function answerIdempotent<T>(reply: FastifyReply, result: IdempotentResult<T>): T {
  void reply.status(result.statusCode);
  if (result.isReplay) void reply.header('Idempotent-Replayed', 'true');
  return result.body;
}
