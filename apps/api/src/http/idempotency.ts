import { applyDecorators, createParamDecorator, type ExecutionContext, type Type } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainException } from '@mend/core';
import { idempotencyKeyProblem, type IdempotentResult } from '@mend/database';

/**
 * The optional `Idempotency-Key` header of creating POSTs: absent is fine; present must be 1–255
 * visible ASCII characters, sent once (400 otherwise). Nest's @Headers takes no pipes, hence a decorator.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  const problem = typeof value === 'string' ? idempotencyKeyProblem(value) : 'Idempotency-Key must be sent once';
  if (problem)
    throw new DomainException('invalid', problem, { errors: [{ field: 'Idempotency-Key', message: problem }] });
  return value as string;
});

export const IDEMPOTENCY_HEADER_DOC = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Makes a retried POST safe: the same key and body within 24 hours answer the resource the first request created, read again (with `Idempotent-Replayed: true`; a secret shown once — a key, a link — is not repeated); ' +
    'the same key with another body answers 422; while the first request is still running, 409. Keys are scoped to the caller; 1–255 visible ASCII characters.',
};

export const REPLAYED_HEADER_DOC = {
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string' },
  },
};

/** Documents a creating POST that takes an Idempotency-Key: the header and its 201 answer (with the replay marker). */
export function ApiIdempotentCreated(type: Type<unknown>) {
  return applyDecorators(ApiHeader(IDEMPOTENCY_HEADER_DOC), ApiCreatedResponse({ type, headers: REPLAYED_HEADER_DOC }));
}

/** Sends an idempotent result: the stored status, and a marker header on replays. */
export function answerIdempotent<T>(reply: FastifyReply, result: IdempotentResult<T>): T {
  void reply.status(result.statusCode);
  if (result.isReplay) void reply.header('Idempotent-Replayed', 'true');
  return result.body;
}
