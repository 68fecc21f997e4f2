import { Logger, type ArgumentsHost } from '@nestjs/common';

import { ProblemFilter, type Problem } from './problem.filter.js';

/** What the filter answers for an exception, through a minimal Fastify reply. */
function answer(exception: unknown): { status: number; contentType: string; problem: Problem } {
  const sent: { status: number; headers: Record<string, string>; body?: Problem } = { status: 0, headers: {} };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    send(body: Problem) {
      sent.body = body;
      return reply;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new ProblemFilter().catch(exception, host);
  return { status: sent.status, contentType: sent.headers['content-type'], problem: sent.body! };
}

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const named = (message: string, name: string) => Object.assign(new Error(message), { name });

describe('ProblemFilter during a backing-service outage', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a connection reset while PostgreSQL shuts down', withCode('read ECONNRESET', 'ECONNRESET')],
    ['PostgreSQL terminating sessions', withCode('terminating connection due to administrator command', '57P01')],
    ['PostgreSQL shutting down or starting up', withCode('the database system is shutting down', '57P03')],
    ['a PostgreSQL connection exception', withCode('connection failure', '08006')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    [
      'a transaction whose connection TypeORM released',
      named('Query runner already released. Cannot run queries anymore.', 'QueryRunnerAlreadyReleasedError'),
    ],
    [
      'an entity manager whose connection TypeORM released',
      named(
        'Database connection provided by a query runner was already released',
        'QueryRunnerProviderAlreadyReleasedError',
      ),
    ],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
  ])('answers 503 problem+json for %s, naming no internals', (_, exception) => {
    const { status, contentType, problem } = answer(exception);
    expect(status).toBe(503);
    expect(contentType).toMatch(/^application\/problem\+json/);
    expect(problem).toEqual({
      type: 'https://mend.dev/problems/service-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'A backing service is unavailable; try again shortly',
      requestId: 'req-1',
    });
  });

  it('still answers 500 for an error that is not about reaching a backing service', () => {
    const { status, problem } = answer(withCode('duplicate key value violates unique constraint', '23505'));
    expect(status).toBe(500);
    expect(problem.detail).toBe('Something went wrong on our side');
  });
});
