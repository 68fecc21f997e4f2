import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainException, type DomainErrorCode, type FieldProblem } from '@mend/core';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldProblem[];
}

const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  unprocessable: 422,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  gone: 410,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const PROBLEM_BASE = 'https://mend.dev/problems/';

export function problemType(status: number): string {
  return `${PROBLEM_BASE}${(TITLES[status] ?? 'error').toLowerCase().replace(/\s+/g, '-')}`;
}

/** Exceptions thrown by ValidationPipe carry field problems through this class. */
export class ValidationProblemException extends HttpException {
  constructor(readonly errors: FieldProblem[]) {
    super({ message: 'The request is not valid' }, HttpStatus.BAD_REQUEST);
  }
}

/**
 * Every error leaves as RFC 9457 problem+json. 5xx answers say only that something failed and
 * carry the request id; the log holds the rest. No stack, SQL or clinical content ever leaves.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception);
    problem.requestId = String(request.id);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
    }
    if (exception instanceof DomainException && exception.details.retryAfterSeconds !== undefined) {
      void reply.header('Retry-After', String(exception.details.retryAfterSeconds));
    }
    void reply.status(problem.status).header('Content-Type', 'application/problem+json; charset=utf-8').send(problem);
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof DomainException) {
      const status = STATUS_BY_CODE[exception.code];
      return {
        type: exception.details.type ? `${PROBLEM_BASE}${exception.details.type}` : problemType(status),
        title: TITLES[status],
        status,
        detail: exception.message,
        errors: exception.details.errors,
      };
    }
    if (exception instanceof ValidationProblemException) {
      return {
        type: problemType(400),
        title: TITLES[400],
        status: 400,
        detail: 'The request is not valid',
        errors: exception.errors,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      let detail = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      if (Array.isArray(detail)) detail = detail.join('; ');
      return {
        type: problemType(status),
        title: TITLES[status] ?? 'Error',
        status,
        detail: status >= 500 ? 'Something went wrong on our side' : typeof detail === 'string' ? detail : undefined,
      };
    }
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      // Fastify's own errors (body too large, bad JSON, unsupported media type) are client errors.
      const code = (exception as { code?: string }).code;
      const detail =
        code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'The request body is too large'
          : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'The content type is not supported; send application/json'
            : code?.startsWith('FST_ERR_CTP') || exception instanceof SyntaxError
              ? 'The request body is not valid JSON'
              : 'The request is not valid';
      return {
        type: problemType(fastifyStatus),
        title: TITLES[fastifyStatus] ?? 'Bad Request',
        status: fastifyStatus,
        detail,
      };
    }
    if (isUnavailable(exception)) {
      return {
        type: problemType(503),
        title: TITLES[503],
        status: 503,
        detail: 'A backing service is unavailable; try again shortly',
      };
    }
    return { type: problemType(500), title: TITLES[500], status: 500, detail: 'Something went wrong on our side' };
  }
}

/**
 * TypeORM releases a transaction's connection when PostgreSQL drops it (a restart): the next
 * statement of that transaction then fails with one of these instead of a connection error.
 */
const RELEASED_CONNECTION_ERRORS = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

function isUnavailable(exception: unknown): boolean {
  const code = (exception as { code?: string } | undefined)?.code;
  const message = (exception as { message?: string } | undefined)?.message ?? '';
  if (RELEASED_CONNECTION_ERRORS.has((exception as { name?: string } | undefined)?.name ?? '')) return true;
  return (
    // A connection refused, reset mid-read or broken while PostgreSQL or Redis shuts down.
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    // PostgreSQL: shutting down or starting up (57P0x), too many connections, any connection exception (class 08).
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300' ||
    (typeof code === 'string' && /^08[0-9A-Z]{3}$/.test(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Connection refused/i.test(message)
  );
}
